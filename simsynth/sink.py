"""Where models put their events: columnar buffers flushed to Parquet in row groups.

`EventSink` holds at most `rows_per_flush` rows and then writes them as one row group, so memory
is bounded by the flush size, not by the run's length. Models store only the
episode id of each event; the label columns (`label`, `label_kind`) are derived from it when a
row group is written, so the three label columns agree by construction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

import numpy as np
import pyarrow as pa

from simsynth.clock import clock_micros, epoch_microseconds, timestamp_type
from simsynth.episodes import EpisodeLog
from simsynth.incidents import EpisodeId
from simsynth.model import Column, dictionary_type
from simsynth.stores import Destination, open_writer
from simsynth.units import Seconds

NORMAL = "normal"
PARQUET_OPTIONS: dict[str, object] = {"compression": "zstd", "write_statistics": True}
COLUMN_ENCODINGS = {
    "event_id": "DELTA_BINARY_PACKED",
    "time": "BYTE_STREAM_SPLIT",
    "timestamp": "DELTA_BINARY_PACKED",
}
"""Encodings that suit the core columns better than a dictionary: event ids count up by one
and timestamps (integer microseconds) never go down (delta packing stores them in a few bits
each), times are distinct floats (byte-stream split lets zstd find their shared exponent
bytes). All encode several times faster, too: a dictionary attempt on a timestamp column cost
half of a card-network row group's encoding time, and its file was a fifth larger."""
DEFAULT_ROWS_PER_FLUSH = 1 << 17
_CORE_DTYPES = (np.dtype(np.float64), np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.int64))
"""numpy types of the values a model passes: time, event type code, entity id, episode id."""


CORE_COLUMN_DOCS = {
    "event_id": "Unique within a run, increasing in event order.",
    "time": "Seconds since the scenario start; non-decreasing along event_id.",
    "event_type": "What happened (one of the model's event types).",
    "entity_id": "The acting agent or entity.",
    "label": "1 if the event belongs to a rare-event episode, else 0.",
    "label_kind": "`normal`, or the incident kind of the episode; its categories are `normal`, "
    "the kinds the scenario's incidents (or sweep grid) schedule, then the model's emergent "
    "kinds.",
    "episode_id": "The episode the event belongs to (see episodes/), -1 when label is 0.",
    "timestamp": "start + time (only when the scenario sets `start`).",
}


def core_fields(timestamp_type: pa.DataType | None = None) -> list[pa.Field]:
    """The columns every model's events have (DESIGN §3), in order."""
    fields = [
        pa.field("event_id", pa.int64(), nullable=False),
        pa.field("time", pa.float64(), nullable=False),
        pa.field("event_type", dictionary_type(), nullable=False),
        pa.field("entity_id", pa.int64(), nullable=False),
        pa.field("label", pa.int8(), nullable=False),
        pa.field("label_kind", dictionary_type(), nullable=False),
        pa.field("episode_id", pa.int64(), nullable=False),
    ]
    if timestamp_type is not None:
        fields.append(pa.field("timestamp", timestamp_type, nullable=False))
    return fields


def parquet_options(
    schema: pa.Schema, statistics: Sequence[str] | None = None
) -> dict[str, object]:
    """Writer options for a table of this schema: `PARQUET_OPTIONS` and `COLUMN_ENCODINGS`,
    with min/max statistics for the `statistics` columns only if given (they cost a fifth of
    the encoding time and only help readers skip row groups of sorted or sparse columns)."""
    encodings = {name: e for name, e in COLUMN_ENCODINGS.items() if name in schema.names}
    return {
        **PARQUET_OPTIONS,
        "write_statistics": True if statistics is None else list(statistics),
        "use_dictionary": [name for name in schema.names if name not in encodings],
        "column_encoding": encodings or None,
    }


def _numpy_dtype(column: Column) -> np.dtype:
    if pa.types.is_dictionary(column.type):
        return np.dtype(np.int32)
    return np.dtype(column.type.to_pandas_dtype())


class EventSink:
    """Append-only event buffers of one run, flushed to one Parquet file (or another
    destination, see `simsynth.stores`) in row groups.

    Models call `emit` per event, or `emit_columns` with whole arrays from a kernel. Event types
    and categorical extras are passed as integer codes into the declared category lists.

    Per-event values are staged in one flat list (a list append costs a fraction of a numpy
    scalar store) and turned into numpy columns by strided slices when a row group is sealed;
    both paths copy into one preallocated array per column for the row group being filled. A
    full row group is labelled and encoded to Parquet in a background thread (pyarrow and the
    numba kernels release the GIL) while the model goes on; at most two row groups are in
    memory, the one being filled and the one being written, and their two sets of arrays take
    turns (fresh large arrays would cost a page fault every 4 KiB of every row group).
    """

    def __init__(
        self,
        destination: Destination,
        *,
        event_types: Sequence[str],
        columns: Sequence[Column],
        episodes: EpisodeLog,
        label_kinds: Sequence[str],
        start: datetime | None = None,
        rows_per_flush: int = DEFAULT_ROWS_PER_FLUSH,
        metadata: Mapping[str, str] | None = None,
    ):
        if rows_per_flush <= 0:
            raise ValueError('"rows_per_flush" must be > 0.')
        self.event_types = tuple(event_types)
        self.event_code = {name: code for code, name in enumerate(self.event_types)}
        self._columns = tuple(columns)
        self._episodes = episodes
        self._label_kinds = pa.array(list(label_kinds), pa.string())
        self._event_type_names = pa.array(list(self.event_types), pa.string())
        self._start_us = None if start is None else epoch_microseconds(start)
        self._timestamp_type = timestamp_type(start)
        self._capacity = rows_per_flush
        self.schema = self._schema(metadata)
        self._dtypes = (*_CORE_DTYPES, *(_numpy_dtype(c) for c in self._columns))
        self._width = len(self._dtypes)
        self._staged: list[object] = []
        self._buffer: list[np.ndarray] = []
        """The row group being filled: one array per column, `rows_per_flush` long."""
        self._being_written: list[np.ndarray] = []
        """The arrays of the row group last handed to the encoder: filled next, once it is
        written."""
        self._filled = 0
        self._room = rows_per_flush
        self.rows_written = 0
        self.positives: dict[str, int] = {}
        """Positive events per label kind written so far (complete after `close`)."""
        core = [name for name in CORE_COLUMN_DOCS if name in self.schema.names]
        self._writer = open_writer(
            destination, self.schema, parquet_options(self.schema, statistics=core)
        )
        self._encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="simsynth-sink")
        self._writing: Future[None] | None = None

    def _schema(self, metadata: Mapping[str, str] | None) -> pa.Schema:
        extra = [
            pa.field(c.name, c.type, nullable=True, metadata={"doc": c.doc}) for c in self._columns
        ]
        core = core_fields(self._timestamp_type if self._start_us is not None else None)
        return pa.schema(core + extra, metadata=metadata)

    def emit(
        self,
        time: Seconds,
        event_type: int,
        entity_id: int,
        episode_id: EpisodeId,
        *extras: object,
    ) -> None:
        """Append one event; `extras` are the model's columns in declared order."""
        if len(extras) != self._width - len(_CORE_DTYPES):
            raise ValueError(f"expected {len(self._columns)} extra values, got {len(extras)}")
        staged = self._staged
        staged.extend((time, event_type, entity_id, episode_id))
        staged.extend(extras)
        self._room -= 1
        if self._room == 0:
            self.flush()

    def emit_columns(
        self,
        time: np.ndarray,
        event_type: np.ndarray,
        entity_id: np.ndarray,
        episode_id: np.ndarray,
        extras: Sequence[np.ndarray] = (),
    ) -> None:
        """Append many events at once from arrays of equal length (e.g. a kernel's output),
        copied into the row group being filled."""
        arrays = (time, event_type, entity_id, episode_id, *extras)
        if len(arrays) != self._width:
            raise ValueError(f"expected {len(self._columns)} extra arrays, got {len(extras)}")
        self._seal()
        total = len(time)
        done = 0
        while done < total:
            take = min(self._room, total - done)
            self._copy_in([a[done : done + take] for a in arrays], take)
            done += take
            self._room -= take
            if self._room == 0:
                self.flush()

    def _seal(self) -> None:
        """Turn the staged per-event values into one chunk of numpy columns."""
        staged = self._staged
        if not staged:
            return
        width = self._width
        rows = len(staged) // width
        self._copy_in(
            [np.fromiter(staged[j::width], d, count=rows) for j, d in enumerate(self._dtypes)],
            rows,
        )
        staged.clear()

    def _copy_in(self, columns: Sequence[np.ndarray], rows: int) -> None:
        """Copy `rows` rows of every column into the row group being filled."""
        if not self._buffer:
            self._buffer = [np.empty(self._capacity, dtype) for dtype in self._dtypes]
        end = self._filled + rows
        for target, values in zip(self._buffer, columns, strict=True):
            target[self._filled : end] = values
        self._filled = end

    def flush(self) -> None:
        """Write the buffered events as one row group (encoded in the background)."""
        self._seal()
        if not self._filled:
            return
        columns = [array[: self._filled] for array in self._buffer]
        first_id = self.rows_written
        self.rows_written += self._filled
        kind_of_episode = np.asarray(self._episodes.kind_codes, dtype=np.int32)
        self._wait_for_write()  # so the arrays of the previous row group are free again
        self._buffer, self._being_written = self._being_written, self._buffer
        self._filled, self._room = 0, self._capacity
        self._writing = self._encoder.submit(
            self._write_row_group, columns, first_id, kind_of_episode
        )

    def _write_row_group(
        self, columns: list[np.ndarray], first_id: int, kind_of_episode: np.ndarray
    ) -> None:
        batch = self._batch(columns, first_id, kind_of_episode)
        self._writer.write_batch(batch, row_group_size=batch.num_rows)

    def sync(self) -> None:
        """Flush and wait until every event emitted so far is written."""
        self.flush()
        self._wait_for_write()

    def _wait_for_write(self) -> None:
        """Let the row group being encoded finish (and raise what it raised)."""
        if self._writing is not None:
            self._writing.result()
            self._writing = None

    def close(self) -> int:
        """Flush what is left and finish the file; return the number of rows written."""
        self.flush()
        self._wait_for_write()
        self._encoder.shutdown()
        self._writer.close()
        return self.rows_written

    def abort(self) -> None:
        """Stop after a failure elsewhere: let a pending write end, close the file, keep quiet."""
        with contextlib.suppress(Exception):
            self._wait_for_write()
        self._encoder.shutdown()
        with contextlib.suppress(Exception):
            self._writer.close()

    def _batch(
        self, columns: list[np.ndarray], first_id: int, kind_of_episode: np.ndarray
    ) -> pa.RecordBatch:
        time, event_type, entity, episode, *extras = columns
        n = len(time)
        is_positive = episode >= 0
        label_kind = np.zeros(n, np.int32)
        label_kind[is_positive] = kind_of_episode[episode[is_positive]]
        counts = np.bincount(label_kind[is_positive], minlength=len(self._label_kinds))
        for code in np.flatnonzero(counts):
            kind = self._label_kinds[int(code)].as_py()
            self.positives[kind] = self.positives.get(kind, 0) + int(counts[code])
        arrays: list[pa.Array] = [
            pa.array(np.arange(first_id, first_id + n, dtype=np.int64)),
            pa.array(time),
            pa.DictionaryArray.from_arrays(event_type, self._event_type_names),
            pa.array(entity),
            pa.array(is_positive.astype(np.int8)),
            pa.DictionaryArray.from_arrays(label_kind, self._label_kinds),
            pa.array(episode),
        ]
        if self._start_us is not None:
            arrays.append(pa.array(clock_micros(self._start_us, time), self._timestamp_type))
        for column, values in zip(self._columns, extras, strict=True):
            arrays.append(column_array(column, values))
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)


def column_array(column: Column, values: np.ndarray) -> pa.Array:
    """A declared column's Arrow array from its numpy values: dictionary codes into its
    categories, float NaN as null."""
    if pa.types.is_dictionary(column.type):
        return pa.DictionaryArray.from_arrays(
            values, pa.array(list(column.categories), pa.string())
        )
    if values.dtype.kind == "f":
        missing = np.isnan(values)
        return pa.array(values, column.type, mask=missing if missing.any() else None)
    return pa.array(values, column.type)
