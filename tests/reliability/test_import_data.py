"""`simsynth import` never writes wrong data silently: times that are no dates, text in another
encoding, columns named twice, a gzip that expands beyond this machine's memory and a run
column that makes too many runs are each one line (or a note) and exit 2, nothing written."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

import simsynth
import simsynth.ingest.convert
import simsynth.ingest.read
from simsynth.scenario.schema import MAX_RUNS

MAPPING = {
    "time": {"column": "t", "format": "unix_s"},
    "event_type": {"value": "payment"},
    "entity_id": {"column": "who"},
}


def write(folder: Path, name: str, content: bytes | str, mapping: dict | None = None) -> tuple:
    log = folder / name
    log.write_bytes(content if isinstance(content, bytes) else content.encode())
    mapping_file = folder / "mapping.yaml"
    mapping_file.write_text(yaml.safe_dump(mapping or MAPPING))
    return log, mapping_file


def refused(result, lines: list[str], folder: Path) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.splitlines() == lines
    assert not (folder / "out").exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(
    ("form", "value", "what"),
    [
        ("unix_s", "1e20", "1e+20 is not a date between the years 1 and 9999"),
        ("unix_ms", "-1e18", "-1e+18 is not a date between the years 1 and 9999"),
        ("unix_s", "inf", "inf is not a date between the years 1 and 9999"),
        ("seconds", "inf", "inf is not a finite number"),
    ],
)
def test_times_that_overflow_are_reported_not_written_as_nat(form, value, what, cli, tmp_path):
    mapping = {**MAPPING, "time": {"column": "t", "format": form}}
    log, mapping_file = write(
        tmp_path, "log.csv", f"t,who\n1700000000,bob\n{value},alice\n", mapping
    )
    result = cli("import", log, "--mapping", mapping_file, "--out", tmp_path / "out")
    refused(result, [f"{log}: row 2: column 't': {what}"], tmp_path)


def test_text_in_another_encoding_is_reported_and_read_with_the_mappings_encoding(cli, tmp_path):
    log, mapping_file = write(tmp_path, "log.csv", b"t,who\n1700000000,b\xe9b\n1700000001,al\n")
    result = cli("import", log, "--mapping", mapping_file, "--out", tmp_path / "out")
    refused(
        result,
        [
            f"{log}: row 1: column 'who' is not utf-8 text (b'b\\xe9b'); give the file's "
            "encoding in the mapping, e.g. `encoding: latin-1`"
        ],
        tmp_path,
    )
    mapping_file.write_text(yaml.safe_dump({**MAPPING, "encoding": "latin-1"}))
    result = cli("import", log, "--mapping", mapping_file, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    entities = simsynth.read_table(tmp_path / "out", "entities")
    assert entities["who"].tolist() == ["béb", "al"]
    mapping_file.write_text(yaml.safe_dump({**MAPPING, "encoding": "klingon"}))
    result = cli("import", log, "--mapping", mapping_file, "--out", tmp_path / "other")
    assert result.exit_code == 2
    assert "encoding: 'klingon' is not a text encoding Python knows" in result.stderr


def test_text_stored_as_bytes_in_parquet_is_read_as_text(cli, tmp_path):
    table = pa.table({"t": [1.7e9, 1.7e9 + 1], "who": pa.array([b"bob", b"al"], pa.binary())})
    pq.write_table(table, tmp_path / "log.parquet")
    (tmp_path / "mapping.yaml").write_text(yaml.safe_dump(MAPPING))
    mapping = tmp_path / "mapping.yaml"
    result = cli(
        "import", tmp_path / "log.parquet", "--mapping", mapping, "--out", tmp_path / "out"
    )
    assert result.exit_code == 0, result.output
    assert simsynth.read_table(tmp_path / "out", "entities")["who"].tolist() == ["bob", "al"]


def test_columns_named_twice_are_reported(cli, tmp_path):
    log, mapping_file = write(tmp_path, "log.csv", "t,who,who\n1700000000,bob,x\n")
    result = cli("import", log, "--mapping", mapping_file, "--out", tmp_path / "out")
    refused(result, [f"{log}: columns named more than once: 'who' (rename them)"], tmp_path)


def test_a_gzip_that_expands_beyond_the_memory_budget_is_refused(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(simsynth.ingest.read, "memory_budget", lambda: 1_000_000)
    log = tmp_path / "log.csv.gz"
    with gzip.open(log, "wb") as handle:
        handle.write(b"t,who\n" + b"1700000000,bob\n" * 200_000)
    assert log.stat().st_size < 100_000
    (tmp_path / "mapping.yaml").write_text(yaml.safe_dump(MAPPING))
    result = cli("import", log, "--mapping", tmp_path / "mapping.yaml", "--out", tmp_path / "out")
    (line,) = result.stderr.splitlines()
    refused(result, [line], tmp_path)
    assert line.startswith(f"{log}: the log holds more than 1 MB once read")
    monkeypatch.setattr(simsynth.ingest.read, "memory_budget", lambda: 10_000_000)
    result = cli("import", log, "--mapping", tmp_path / "mapping.yaml", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert simsynth.read_manifest(tmp_path / "out")["counts"]["events"] == 200_000


def test_a_run_column_that_is_an_id_gets_a_note_and_too_many_runs_are_refused(
    cli, tmp_path, monkeypatch
):
    rows = 300
    frame = pd.DataFrame({"t": 1.7e9 + pd.RangeIndex(rows), "who": 7, "batch": range(rows)})
    log, mapping_file = write(
        tmp_path, "log.csv", frame.to_csv(index=False), {**MAPPING, "run": {"column": "batch"}}
    )
    result = cli("import", log, "--mapping", mapping_file, "--out", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "note: column 'batch' makes 300 runs of 1 row(s) on average, each written as files "
        "of its own; a run is a whole log (a day, a site, a batch): is it the column you meant?"
    ]
    manifest = simsynth.read_manifest(tmp_path / "out")
    assert [run["run_id"] for run in manifest["runs"]] == list(range(rows))
    monkeypatch.setattr(simsynth.ingest.convert, "MAX_RUNS", 100)
    result = cli("import", log, "--mapping", mapping_file, "--out", tmp_path / "again")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{log}: column 'batch' has 300 values, each a run; a dataset holds at most 100 runs "
        "(a run is a whole log: a day, a site, a batch)"
    ]
    assert MAX_RUNS > 100
