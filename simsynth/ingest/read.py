"""Reading a user's log: a CSV file (types inferred by pyarrow) or a Parquet file."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from simsynth.ingest.problems import ImportDataError

CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2")
PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_OPTIONS = pcsv.ConvertOptions(strings_can_be_null=True)
"""An empty text field is null, as pandas reads it."""


def read_log(path: Path) -> pa.Table:
    """The rows of a CSV or Parquet file as an Arrow table; `ImportDataError` if unreadable."""
    name = path.name.lower()
    if not path.is_file():
        raise ImportDataError([f"{path}: no such file"])
    try:
        if name.endswith(CSV_SUFFIXES):
            table = pcsv.read_csv(path, convert_options=CSV_OPTIONS)
        elif name.endswith(PARQUET_SUFFIXES):
            table = pq.read_table(path)
        else:
            raise ImportDataError([f"{path}: expected a .csv or .parquet file"])
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as error:
        what = " ".join(str(error).split())
        raise ImportDataError([f"{path}: cannot be read ({what})"]) from None
    if table.num_rows == 0:
        raise ImportDataError([f"{path}: the file has no rows"])
    return table
