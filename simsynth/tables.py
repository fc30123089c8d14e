"""Auxiliary tables a model streams beside its events (e.g. sampled trajectories, metrics).

A model declares them in `SimModel.tables` (name -> columns); the run writes each one to
`NAME/run_id=K/part-0.parquet`, starting with a float64 `time` column, in row groups of
bounded size, like events but without labels.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa

from simsynth.model import Column
from simsynth.sink import column_array, parquet_options
from simsynth.stores import Destination, open_writer

ROWS_PER_GROUP = 1 << 17


class TableWriter:
    """Buffers column arrays and writes them as Parquet row groups of `rows_per_group`."""

    def __init__(
        self,
        destination: Destination,
        columns: Sequence[Column],
        metadata: Mapping[str, str] | None = None,
        rows_per_group: int = ROWS_PER_GROUP,
    ):
        fields = [pa.field("time", pa.float64(), nullable=False)]
        fields += [pa.field(c.name, c.type, metadata={"doc": c.doc}) for c in columns]
        self.schema = pa.schema(fields, metadata=metadata)
        self._columns = tuple(columns)
        self._rows_per_group = rows_per_group
        self._chunks: list[list[np.ndarray]] = []
        self._buffered = 0
        self.rows_written = 0
        self._writer = open_writer(destination, self.schema, parquet_options(self.schema, ["time"]))

    def append(self, time: np.ndarray, *values: np.ndarray) -> None:
        """Add rows: their times and one array per declared column (kept by reference)."""
        if len(values) != len(self._columns):
            raise ValueError(f"expected {len(self._columns)} columns, got {len(values)}")
        self._chunks.append([time, *values])
        self._buffered += len(time)
        if self._buffered >= self._rows_per_group:
            self.flush()

    def flush(self) -> None:
        if not self._buffered:  # nothing, or only empty appends (e.g. a ring with no vehicles)
            self._chunks = []
            return
        columns = [np.concatenate(parts) for parts in zip(*self._chunks, strict=True)]
        self._chunks, self._buffered = [], 0
        arrays = [pa.array(columns[0], pa.float64())]
        arrays += [
            column_array(column, values)
            for column, values in zip(self._columns, columns[1:], strict=True)
        ]
        batch = pa.RecordBatch.from_arrays(arrays, schema=self.schema)
        self._writer.write_batch(batch, row_group_size=batch.num_rows)
        self.rows_written += batch.num_rows

    def close(self) -> int:
        self.flush()
        self._writer.close()
        return self.rows_written

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._writer.close()
