"""The event sink: bounded row groups, batch and per-event paths, labels derived from episodes."""

from __future__ import annotations

import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from simsynth.episodes import EpisodeLog
from simsynth.model import Column
from simsynth.sink import EventSink
from simsynth.stores import MemoryStore

KINDS = ("normal", "fraud", "outage")
COLUMNS = (
    Column("amount", pa.float64(), "money"),
    Column("channel", pa.dictionary(pa.int32(), pa.string()), "how", ("web", "shop")),
)


def make_sink(path, rows_per_flush=4):
    episodes = EpisodeLog(KINDS)
    episodes.open("outage", 1.0, {"share": 1})
    episodes.open("fraud", 2.0, {})
    sink = EventSink(
        path,
        event_types=("a", "b"),
        columns=COLUMNS,
        episodes=episodes,
        label_kinds=KINDS,
        rows_per_flush=rows_per_flush,
    )
    return sink, episodes


def test_rows_are_flushed_in_bounded_row_groups(tmp_path):
    sink, _ = make_sink(tmp_path / "e.parquet", rows_per_flush=4)
    for i in range(10):
        sink.emit(float(i), i % 2, 100 + i, -1, float(i), 0)
    assert sink.close() == 10
    metadata = pq.ParquetFile(tmp_path / "e.parquet").metadata
    assert [metadata.row_group(g).num_rows for g in range(metadata.num_row_groups)] == [4, 4, 2]
    table = pq.read_table(tmp_path / "e.parquet")
    assert table["event_id"].to_pylist() == list(range(10))


def test_row_groups_carry_statistics_readers_skip_by(tmp_path):
    sink, _ = make_sink(tmp_path / "e.parquet", rows_per_flush=4)
    for i in range(10):
        sink.emit(float(i), 0, 7, 0 if i == 9 else -1, float(i), 0)
    sink.close()
    metadata = pq.ParquetFile(tmp_path / "e.parquet").metadata
    names = metadata.schema.names
    groups = [metadata.row_group(g) for g in range(metadata.num_row_groups)]
    time = [g.column(names.index("time")).statistics for g in groups]
    assert [(t.min, t.max) for t in time] == [(0.0, 3.0), (4.0, 7.0), (8.0, 9.0)]
    label = [g.column(names.index("label")).statistics.max for g in groups]
    assert label == [0, 0, 1]  # only the last row group holds a positive
    positives = pq.read_table(tmp_path / "e.parquet", filters=[("label", "=", 1)])
    assert positives["time"].to_pylist() == [9.0]


def test_labels_follow_episode_ids(tmp_path):
    sink, _ = make_sink(tmp_path / "e.parquet")
    for episode in (-1, 0, 1, -1, 1):
        sink.emit(0.0, 0, 1, episode, 1.0, 1)
    sink.close()
    table = pq.read_table(tmp_path / "e.parquet").to_pydict()
    assert table["label"] == [0, 1, 1, 0, 1]
    assert table["label_kind"] == ["normal", "outage", "fraud", "normal", "fraud"]
    assert sink.positives == {"outage": 1, "fraud": 2}


def test_batch_path_equals_per_event_path(tmp_path):
    rng = np.random.default_rng(0)
    n = 23
    time = np.sort(rng.uniform(0, 100, n))
    kind = rng.integers(0, 2, n).astype(np.int32)
    entity = rng.integers(0, 1000, n)
    episode = rng.integers(-1, 2, n)
    amount = rng.normal(size=n)
    amount[3] = np.nan
    channel = rng.integers(0, 2, n).astype(np.int32)

    one, _ = make_sink(tmp_path / "one.parquet", rows_per_flush=5)
    for row in range(n):
        one.emit(time[row], kind[row], entity[row], episode[row], amount[row], channel[row])
    one.close()
    many, _ = make_sink(tmp_path / "many.parquet", rows_per_flush=5)
    many.emit_columns(time[:7], kind[:7], entity[:7], episode[:7], [amount[:7], channel[:7]])
    many.emit_columns(time[7:], kind[7:], entity[7:], episode[7:], [amount[7:], channel[7:]])
    many.close()
    assert pq.read_table(tmp_path / "one.parquet").equals(pq.read_table(tmp_path / "many.parquet"))
    table = pq.read_table(tmp_path / "one.parquet")
    assert table["amount"].null_count == 1, "NaN is written as null"
    assert table["channel"].type == pa.dictionary(pa.int32(), pa.string())
    assert table.column("channel").to_pylist() == [("web", "shop")[c] for c in channel]


def test_emitted_arrays_are_copied_and_row_group_arrays_reused_safely():
    """A caller may refill its arrays right after `emit_columns` (the road model does), and
    the sink's own arrays, which alternate between row groups, never leak one row group's
    rows into another."""
    written: list[pa.RecordBatch] = []

    class SlowWriter:
        """Encodes slowly (so the model fills the next row group meanwhile) and keeps what
        it was given, to read after the run as it was when written."""

        def write_batch(self, batch, row_group_size=None):
            time.sleep(0.05)
            written.append(pa.RecordBatch.from_pylist(batch.to_pylist(), schema=batch.schema))

        def close(self):
            pass

    sink, _ = make_sink(lambda schema, options: SlowWriter(), rows_per_flush=3)
    batch = [np.zeros(2), np.zeros(2, np.int32), np.zeros(2, np.int64), np.full(2, -1)]
    extras = [np.zeros(2), np.ones(2, np.int32)]
    for start in range(0, 10, 2):
        for array in (batch[0], batch[2], extras[0]):
            array[:] = [start, start + 1]  # refilled in place for every call
        sink.emit_columns(*batch, extras)
    sink.close()
    assert [b.num_rows for b in written] == [3, 3, 3, 1]
    table = pa.Table.from_batches(written)
    assert table["time"].to_pylist() == [float(i) for i in range(10)]
    assert table["entity_id"].to_pylist() == list(range(10))
    assert table["amount"].to_pylist() == [float(i) for i in range(10)]


def test_a_memory_store_keeps_its_own_copy_of_each_row_group():
    """The live view's store keeps batches; the sink's arrays are refilled after each write."""
    store = MemoryStore()
    sink, _ = make_sink(store.destination("events"), rows_per_flush=3)
    for i in range(10):
        sink.emit(float(i), 0, i, -1, float(i), 0)
        sink.sync()  # what a live run does at every step
    sink.close()
    table = store.table("events")
    assert table["time"].to_pylist() == [float(i) for i in range(10)]
    assert table["entity_id"].to_pylist() == list(range(10))


def test_extras_must_match_declared_columns(tmp_path):
    sink, _ = make_sink(tmp_path / "e.parquet")
    with pytest.raises(ValueError):
        sink.emit(0.0, 0, 1, -1, 1.0)


def test_mixed_per_event_and_batch_emits_keep_their_order(tmp_path):
    sink, _ = make_sink(tmp_path / "e.parquet", rows_per_flush=3)
    sink.emit(0.0, 0, 1, -1, 0.5, 0)
    sink.emit_columns(
        np.array([1.0, 2.0]),
        np.array([1, 1]),
        np.array([2, 3]),
        np.array([0, -1]),
        [np.array([1.5, 2.5]), np.array([1, 0])],
    )
    sink.emit(3.0, 0, 4, 1, 3.5, 1)
    sink.close()
    table = pq.read_table(tmp_path / "e.parquet").to_pydict()
    assert table["time"] == [0.0, 1.0, 2.0, 3.0]
    assert table["entity_id"] == [1, 2, 3, 4]
    assert table["amount"] == [0.5, 1.5, 2.5, 3.5]
    assert table["label_kind"] == ["normal", "outage", "normal", "fraud"]
    assert pq.ParquetFile(tmp_path / "e.parquet").metadata.num_row_groups == 2


def test_abort_stops_the_writer_thread(tmp_path):
    import threading

    sink, _ = make_sink(tmp_path / "e.parquet", rows_per_flush=2)
    for i in range(3):
        sink.emit(float(i), 0, 1, -1, 1.0, 0)  # the second emit fills and flushes a row group
    writers = [t for t in threading.enumerate() if t.name.startswith("simsynth-sink")]
    assert any(t.is_alive() for t in writers)
    sink.abort()
    for thread in writers:
        thread.join(timeout=600)  # a guard against a hang only: abort is immediate
    assert not any(t.is_alive() for t in writers)


def test_ordered_core_columns_are_delta_packed_not_dictionary_encoded(tmp_path):
    """event ids and timestamps only go up: delta packing beats a dictionary (see
    COLUMN_ENCODINGS); this checks the writer really uses it for both."""
    from datetime import datetime

    episodes = EpisodeLog(KINDS)
    path = tmp_path / "events.parquet"
    sink = EventSink(
        path,
        event_types=("a",),
        columns=(),
        episodes=episodes,
        label_kinds=KINDS,
        start=datetime(2026, 1, 1),
        rows_per_flush=1000,
    )
    times = np.sort(np.random.default_rng(1).uniform(0, 3600, 1000))
    sink.emit_columns(times, np.zeros(1000, np.int32), np.arange(1000), np.full(1000, -1))
    sink.close()
    columns = pq.ParquetFile(path).metadata.row_group(0)
    encodings = {
        columns.column(i).path_in_schema: columns.column(i).encodings
        for i in range(columns.num_columns)
    }
    for name in ("event_id", "timestamp"):
        assert "DELTA_BINARY_PACKED" in encodings[name]
        assert "RLE_DICTIONARY" not in encodings[name] and "PLAIN_DICTIONARY" not in encodings[name]
