"""Events per second of simsynth's `EventSink`, side by side with plain pyarrow.

What is measured (wall clock, `time.perf_counter`, best of N interleaved repeats):

* batch path: `EventSink.emit_columns` of N rows given as numpy columns, then `close()`, i.e.
  copying them into the row group's buffers, deriving the label columns, building Arrow
  record batches and writing one Parquet row group per `rows_per_flush` rows.
  Reference: `pyarrow.parquet.write_table` of the very same table (built beforehand, not
  timed) with the same writer options (`parquet_options`) and pyarrow's default row-group size. For
  information, also the same write with the sink's row-group size (`rows_per_flush`), and one
  that builds the table from the numpy columns and then writes it.
* per-event path: `EventSink.emit` called once per row from a Python loop, then `close()`.
  Reference: the same loop appending each row's values as a tuple to a Python list.

Before timing, `emit_columns` (100,000 rows) and `emit` (50,000 rows) are each checked to write
exactly the table the reference builds from the same events (dictionary columns compared as
strings); the other batch contenders write that very table.

The columns mimic the contact-centre model: the core columns plus int32 `agent_id`, int32
`queue_len`, float64 `wait_s` and float64 `service_s` (NaN, written as null, where undefined).
Peak RSS growth is the high-water mark of resident memory during a run above the resident
memory just before it (Linux only; inputs are allocated beforehand and not counted).
Figures are printed, never checked against limits; the target for the batch path is at least
0.5x the reference.

    python benchmarks/sink_throughput.py            # 10M rows batch, 1M rows per event
    python benchmarks/sink_throughput.py --quick    # smoke test, a few seconds
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Contender, measure, parse_options, print_table

from simsynth.episodes import EpisodeLog
from simsynth.model import Column
from simsynth.sink import DEFAULT_ROWS_PER_FLUSH, NORMAL, EventSink, core_fields, parquet_options

EVENT_TYPES = ("call_arrival", "call_answered", "call_abandoned", "call_completed")
ARRIVAL, ANSWERED, ABANDONED, COMPLETED = range(len(EVENT_TYPES))
LABEL_KINDS = (NORMAL, "outage", "call_surge")
COLUMNS = (
    Column("agent_id", pa.int32(), "Agent who took the call."),
    Column("queue_len", pa.int32(), "Callers waiting just after the event."),
    Column("wait_s", pa.float64(), "Seconds waited in queue."),
    Column("service_s", pa.float64(), "Talk time in seconds."),
)
EPISODES = (("outage", 0.10, 0.11), ("call_surge", 0.50, 0.52))
"""Scheduled episodes: kind and the share of rows where their window starts and ends."""


@dataclass(frozen=True)
class Sizes:
    batch_rows: int
    emit_rows: int
    repeats: int


DEFAULT = Sizes(batch_rows=10_000_000, emit_rows=1_000_000, repeats=3)
QUICK = Sizes(batch_rows=200_000, emit_rows=50_000, repeats=2)


@dataclass(frozen=True)
class Events:
    """A run's events as numpy columns, in the order `EventSink.emit_columns` takes them."""

    time: np.ndarray
    event_type: np.ndarray
    entity_id: np.ndarray
    episode_id: np.ndarray
    extras: tuple[np.ndarray, ...]

    def __len__(self) -> int:
        return len(self.time)


def make_events(n: int, seed: int = 0) -> Events:
    """Contact-centre-like events: increasing times, a few labeled stretches, NaN where unset."""
    rng = np.random.default_rng(seed)
    event_type = rng.choice(len(EVENT_TYPES), size=n, p=[0.34, 0.31, 0.04, 0.31]).astype(np.int32)
    episode_id = np.full(n, -1, np.int64)
    for code, (_, first, last) in enumerate(EPISODES):
        episode_id[int(first * n) : int(last * n)] = code
    wait = rng.exponential(30.0, n)
    wait[event_type == ARRIVAL] = np.nan
    service = rng.exponential(240.0, n)
    service[event_type != COMPLETED] = np.nan
    return Events(
        time=np.cumsum(rng.exponential(1 / 27, n)),
        event_type=event_type,
        entity_id=np.arange(n, dtype=np.int64) // 3,
        episode_id=episode_id,
        extras=(
            rng.integers(-1, 10, n, dtype=np.int32),
            rng.integers(0, 20, n, dtype=np.int32),
            wait,
            service,
        ),
    )


def episode_log() -> EpisodeLog:
    log = EpisodeLog(LABEL_KINDS)
    for kind, _, _ in EPISODES:
        log.open(kind, 0.0, {})
    return log


def new_sink(path: Path) -> EventSink:
    """An `EventSink` built as `simsynth.recorder.RunRecorder` builds it."""
    return EventSink(
        path,
        event_types=EVENT_TYPES,
        columns=COLUMNS,
        episodes=episode_log(),
        label_kinds=LABEL_KINDS,
        rows_per_flush=DEFAULT_ROWS_PER_FLUSH,
    )


def schema() -> pa.Schema:
    extras = [pa.field(c.name, c.type, nullable=True) for c in COLUMNS]
    return pa.schema(core_fields() + extras)


def build_table(events: Events) -> pa.Table:
    """The table the sink writes for `events`, built directly with pyarrow."""
    episode = events.episode_id
    is_positive = episode >= 0
    kind_codes = np.asarray(episode_log().kind_codes, np.int32)
    label_kind = np.where(is_positive, kind_codes[np.maximum(episode, 0)], 0).astype(np.int32)
    arrays = [
        pa.array(np.arange(len(events), dtype=np.int64)),
        pa.array(events.time),
        pa.DictionaryArray.from_arrays(events.event_type, pa.array(EVENT_TYPES)),
        pa.array(events.entity_id),
        pa.array(is_positive.astype(np.int8)),
        pa.DictionaryArray.from_arrays(label_kind, pa.array(LABEL_KINDS)),
        pa.array(episode),
    ]
    for column, values in zip(COLUMNS, events.extras, strict=True):
        missing = np.isnan(values) if values.dtype.kind == "f" else None
        arrays.append(pa.array(values, column.type, mask=missing))
    return pa.Table.from_arrays(arrays, schema=schema())


def write_with_sink(events: Events, path: Path) -> int:
    sink = new_sink(path)
    sink.emit_columns(
        events.time, events.event_type, events.entity_id, events.episode_id, events.extras
    )
    return sink.close()


def write_raw(table: pa.Table, path: Path, row_group_size: int | None = None) -> int:
    pq.write_table(table, path, row_group_size=row_group_size, **parquet_options(table.schema))
    return table.num_rows


def build_and_write_raw(events: Events, path: Path) -> int:
    return write_raw(build_table(events), path)


Row = tuple[float, int, int, int, int, int, float, float]


def as_rows(events: Events) -> list[Row]:
    """The events as Python tuples, as a per-event model would produce them."""
    columns = (events.time, events.event_type, events.entity_id, events.episode_id)
    return list(zip(*(c.tolist() for c in columns + events.extras), strict=True))


def emit_per_event(rows: list[Row], path: Path) -> int:
    sink = new_sink(path)
    emit = sink.emit
    for time_, event_type, entity, episode, agent, queue, wait, service in rows:
        emit(time_, event_type, entity, episode, agent, queue, wait, service)
    return sink.close()


def append_per_event(rows: list[Row], _path: Path) -> int:
    stored: list[Row] = []
    append = stored.append
    for time_, event_type, entity, episode, agent, queue, wait, service in rows:
        append((time_, event_type, entity, episode, agent, queue, wait, service))
    return len(stored)


# --- the two benchmarks ------------------------------------------------------------------------


def _decoded(table: pa.Table) -> pa.Table:
    """`table` with dictionary columns as plain strings (dictionaries may differ after a read)."""
    columns = [
        column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column
        for column in table.columns
    ]
    return pa.Table.from_arrays(columns, names=table.column_names)


def check_same_table(
    events: Events, directory: Path, write: Callable[[Path], int], name: str
) -> None:
    """`write` must write the reference table, or comparing their speed is meaningless."""
    path = directory / "check.parquet"
    rows = write(path)
    written = pq.read_table(path)
    path.unlink()
    if rows != len(events) or not _decoded(written).equals(_decoded(build_table(events))):
        raise RuntimeError(f"{name} wrote a different table than the pyarrow reference")
    print(
        f"same-work check: {name} writes the reference table, {len(events):,} rows, cell for cell"
    )


def bench_batch(sizes: Sizes, directory: Path) -> None:
    events = make_events(sizes.batch_rows)
    table = build_table(events)
    sample = make_events(min(sizes.batch_rows, 100_000), seed=1)
    check_same_table(sample, directory, lambda p: write_with_sink(sample, p), "emit_columns")
    raw = "pyarrow write_table (prebuilt table)"
    contenders = [
        Contender(raw, lambda p: write_raw(table, p)),
        Contender("EventSink.emit_columns + close", lambda p: write_with_sink(events, p)),
        Contender(
            "pyarrow write_table, sink's row groups",
            lambda p: write_raw(table, p, DEFAULT_ROWS_PER_FLUSH),
        ),
        Contender("pyarrow build table + write_table", lambda p: build_and_write_raw(events, p)),
    ]
    measure(contenders, sizes.repeats, directory)
    print_table(
        f"Batch path: {sizes.batch_rows:,} rows, {len(table.schema)} columns, "
        f"{parquet_options(table.schema)}, sink row groups of {DEFAULT_ROWS_PER_FLUSH:,} rows "
        f"(target: EventSink >= 0.5x reference)",
        contenders,
        [raw],
    )


def bench_per_event(sizes: Sizes, directory: Path) -> None:
    rows = as_rows(make_events(sizes.emit_rows))
    sample = make_events(min(sizes.emit_rows, 50_000), seed=1)
    sample_rows = as_rows(sample)
    check_same_table(sample, directory, lambda p: emit_per_event(sample_rows, p), "emit")
    if append_per_event(sample_rows, directory) != len(sample):
        raise RuntimeError("the list of tuples does not hold every row")
    reference = "Python loop, list.append(tuple)"
    contenders = [
        Contender(reference, lambda p: append_per_event(rows, p)),
        Contender("EventSink.emit per event + close", lambda p: emit_per_event(rows, p)),
    ]
    measure(contenders, sizes.repeats, directory)
    print_table(
        f"Per-event path: {sizes.emit_rows:,} rows from a Python loop", contenders, [reference]
    )


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(__doc__.splitlines()[0], argv)
    sizes = QUICK if options.quick else DEFAULT
    if options.repeats is not None:
        sizes = replace(sizes, repeats=options.repeats)
    print(f"sink throughput, best of {sizes.repeats} interleaved runs (pyarrow {pa.__version__})")
    with tempfile.TemporaryDirectory(prefix="simsynth-bench-") as tmp:
        bench_batch(sizes, Path(tmp))
        bench_per_event(sizes, Path(tmp))


if __name__ == "__main__":
    main()
