"""Reading a user's log: a CSV file (types inferred by pyarrow, compressed or not) or a Parquet
file, bounded by the memory this machine can give it (`simsynth.machine`).

A CSV file is text in one encoding (UTF-8 unless the mapping says otherwise): a column pyarrow
could not decode comes back as bytes and is reported, never written as `b'...'`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from simsynth.errors import shown
from simsynth.ingest.problems import ImportDataError
from simsynth.machine import format_bytes, memory_budget

CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2")
PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_OPTIONS = pcsv.ConvertOptions(strings_can_be_null=True)
"""An empty text field is null, as pandas reads it."""


class _TooLarge(Exception):
    """More bytes came out of a (decompressed) file than the budget allows."""


class _Bounded:
    """A file-like reader that refuses to give more than `limit` bytes (as decompressed)."""

    def __init__(self, stream: Any, limit: int):
        self.stream = stream
        self.limit = limit
        self.given = 0
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size if size >= 0 else self.limit + 1 - self.given)
        self.given += len(data)
        if self.given > self.limit:
            raise _TooLarge
        return bytes(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True
        self.stream.close()


def read_log(path: Path, encoding: str = "utf-8") -> pa.Table:
    """The rows of a CSV or Parquet file as an Arrow table; `ImportDataError` if unreadable,
    larger than this machine's memory budget, or with columns named twice or text that is
    not in `encoding`."""
    name = path.name.lower()
    if not path.is_file():
        raise ImportDataError([f"{path}: no such file"])
    budget = memory_budget()
    too_large = ImportDataError(
        [
            f"{path}: the log holds more than {format_bytes(budget)} once read; an import holds "
            "it in memory, at most a quarter of what this machine has free: split it by time or "
            "by run into several files and import each"
        ]
    )
    try:
        if name.endswith(CSV_SUFFIXES):
            table = _read_csv(path, encoding, budget)
        elif name.endswith(PARQUET_SUFFIXES):
            if _parquet_bytes(path) > budget:
                raise too_large
            table = pq.read_table(path)
        else:
            raise ImportDataError([f"{path}: expected a .csv or .parquet file"])
    except _TooLarge:
        raise too_large from None
    except (pa.ArrowException, OSError, LookupError) as error:
        what = shown(" ".join(str(error).split()))
        raise ImportDataError([f"{path}: cannot be read ({what})"]) from None
    if table.num_rows == 0:
        raise ImportDataError([f"{path}: the file has no rows"])
    _check_names(path, table)
    return _as_text(path, table, encoding)


def _read_csv(path: Path, encoding: str, budget: int) -> pa.Table:
    options = pcsv.ReadOptions(encoding=encoding)
    with pa.input_stream(path, compression="detect") as stream:
        bounded = _Bounded(stream, budget)
        return pcsv.read_csv(bounded, read_options=options, convert_options=CSV_OPTIONS)


def _parquet_bytes(path: Path) -> int:
    """The uncompressed size of a Parquet file's data, from its footer."""
    metadata = pq.ParquetFile(path).metadata
    return sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))


def _check_names(path: Path, table: pa.Table) -> None:
    twice = sorted(name for name, count in Counter(table.column_names).items() if count > 1)
    if twice:
        names = ", ".join(f"'{name}'" for name in twice)
        raise ImportDataError([f"{path}: columns named more than once: {names} (rename them)"])


def _as_text(path: Path, table: pa.Table, encoding: str) -> pa.Table:
    """The table with its bytes columns as text: pyarrow reads a CSV column it cannot decode
    as bytes, and Parquet may store text as bytes. Bytes that are not text are reported."""
    problems = []
    for index, (name, column) in enumerate(zip(table.column_names, table.columns, strict=True)):
        if not pa.types.is_binary(column.type) and not pa.types.is_large_binary(column.type):
            continue
        try:
            table = table.set_column(index, name, column.cast(pa.string()))
        except pa.ArrowInvalid:
            row, value = next((i, v) for i, v in enumerate(column.to_pylist()) if not _is_utf8(v))
            problems.append(
                f"{path}: row {row + 1}: column '{name}' is not {encoding} text "
                f"({shown(value)}); give the file's encoding in the mapping, e.g. "
                "`encoding: latin-1`"
            )
    if problems:
        raise ImportDataError(problems)
    return table


def _is_utf8(value: bytes | None) -> bool:
    if value is None:
        return True
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
