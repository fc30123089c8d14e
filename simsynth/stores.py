"""Where a run's tables go: Parquet partitions of a dataset, or memory (for the live view).

A `RunRecorder` asks its store for a destination per table; the event sink and the auxiliary
table writers stream record batches into it, and whole tables (episodes, entities) are written
once at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from simsynth.seeding import RunId


class BatchWriter(Protocol):
    """What streams record batches somewhere (`pyarrow.parquet.ParquetWriter` is one).

    A batch's memory is the caller's again once `write_batch` returns (the event sink refills
    its arrays): a writer that keeps batches must keep copies.
    """

    def write_batch(self, batch: pa.RecordBatch, row_group_size: int | None = None) -> None: ...

    def close(self) -> None: ...


OpenWriter = Callable[[pa.Schema, Mapping[str, object]], BatchWriter]
"""Opens a writer for a schema, given Parquet writer options (which a non-file writer ignores)."""
Destination = Path | OpenWriter
"""A Parquet file to write, or a function that opens some other writer."""


def open_writer(
    destination: Destination, schema: pa.Schema, options: Mapping[str, object]
) -> BatchWriter:
    """A writer for `destination`: a Parquet file at a path, or whatever the function opens."""
    if isinstance(destination, Path):
        return pq.ParquetWriter(destination, schema, **options)
    return destination(schema, options)


def partition_file(root: Path, table: str, run_id: RunId) -> Path:
    """Path of a run's part file of one table, relative to the dataset root."""
    return root / table / f"run_id={run_id}" / "part-0.parquet"


class RunStore(Protocol):
    """Where one run's tables go."""

    def destination(self, table: str) -> Destination:
        """Where the batches of a streamed table (events, an auxiliary table) go."""
        ...

    def write(self, table: str, data: pa.Table, options: Mapping[str, object]) -> None:
        """Write a whole table (episodes, entities) at once."""
        ...


class PartitionStore:
    """A run's partition of a dataset: `TABLE/run_id=K/part-0.parquet` under `root`."""

    def __init__(self, root: Path, run_id: RunId):
        self.root = root
        self.run_id = run_id

    def destination(self, table: str) -> Path:
        path = partition_file(self.root, table, self.run_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def write(self, table: str, data: pa.Table, options: Mapping[str, object]) -> None:
        pq.write_table(data, self.destination(table), **options)


class MemoryStore:
    """A run's tables kept in memory as record batches, readable while the run goes on."""

    def __init__(self) -> None:
        self._schemas: dict[str, pa.Schema] = {}
        self._batches: dict[str, list[pa.RecordBatch]] = {}
        self._lock = threading.Lock()

    def destination(self, table: str) -> OpenWriter:
        def open_memory_writer(schema: pa.Schema, options: Mapping[str, object]) -> BatchWriter:
            with self._lock:
                self._schemas[table] = schema
                self._batches[table] = []
            return _MemoryWriter(self, table)

        return open_memory_writer

    def write(self, table: str, data: pa.Table, options: Mapping[str, object]) -> None:
        with self._lock:
            self._schemas[table] = data.schema
            self._batches[table] = data.to_batches()

    def append(self, table: str, batch: pa.RecordBatch) -> None:
        with self._lock:
            self._batches[table].append(batch)

    def has(self, table: str) -> bool:
        return table in self._schemas

    def table(self, name: str) -> pa.Table:
        """Everything written to `name` so far."""
        return self.batches_since(name, 0)[0]

    def batches_since(self, name: str, first: int) -> tuple[pa.Table, int]:
        """The batches of `name` from the `first`-th on, as a table, and how many batches
        there are in all now (where the next call should start)."""
        with self._lock:
            batches = self._batches[name]
            return pa.Table.from_batches(batches[first:], self._schemas[name]), len(batches)


class _MemoryWriter:
    def __init__(self, store: MemoryStore, table: str):
        self._store = store
        self._table = table

    def write_batch(self, batch: pa.RecordBatch, row_group_size: int | None = None) -> None:
        self._store.append(self._table, batch.copy_to(pa.default_cpu_memory_manager()))

    def close(self) -> None:
        pass
