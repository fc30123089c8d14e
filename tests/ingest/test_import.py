"""`simsynth import`: CSV and Parquet logs into datasets, and the errors of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from simsynth.dataset import read_table
from simsynth.ingest.build import import_log
from tests.conftest import SMALL_CONTACT_CENTER, run_model
from tests.contract import check_dataset

CORE = ["event_id", "time", "event_type", "entity_id", "label", "label_kind", "episode_id"]
ROUND_TRIP = {
    "name": "round-trip",
    "time": {"column": "time", "format": "seconds"},
    "event_type": {"column": "event_type"},
    "entity_id": {"column": "entity_id"},
    "label": {"column": "label"},
    "label_kind": {"column": "label_kind"},
    "episode_id": {"column": "episode_id"},
    "run": {"column": "run_id"},
}
LOG = pd.DataFrame(
    {
        "ts": [
            "2026-01-01T10:00:05+01:00",
            "2026-01-01T09:00:00Z",
            "2026-01-01T09:00:05Z",
            "2026-01-01T09:01:00Z",
            "2026-01-01T09:00:10Z",
        ],
        "account": ["bob", "alice", "bob", "carol", "alice"],
        "fraud_type": ["none", "", "skimming", "skimming", None],
        "amount": [10.0, 20.0, 30.0, 40.0, 50.0],
        "merchant": ["m1", "m2", "m1", None, "m2"],
    }
)
"""Five payments, out of time order, with two time zones (09:00:05Z twice: stable order)."""
LOG_MAPPING = {
    "time": {"column": "ts", "format": "iso"},
    "event_type": {"value": "payment"},
    "entity_id": {"column": "account"},
    "label_kind": {"column": "fraud_type"},
}


def _write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _episode_groups(events: pd.DataFrame) -> set[tuple[str, frozenset[int]]]:
    """Each episode as (kind, the event ids of its rows), whatever its id."""
    positive = events[events["label"] == 1]
    return {
        (str(rows["label_kind"].iloc[0]), frozenset(rows["event_id"]))
        for _, rows in positive.groupby(["run_id", "episode_id"], observed=True)
    }


def test_a_simulated_dataset_survives_a_csv_round_trip(tmp_path):
    source = run_model(tmp_path, "customers.contact_center", SMALL_CONTACT_CENTER, name="cc")
    real = read_table(source)
    real.to_csv(tmp_path / "log.csv", index=False)
    mapping = _write_yaml(tmp_path / "mapping.yaml", ROUND_TRIP)
    manifest = import_log(tmp_path / "log.csv", mapping, tmp_path / "imported")
    check_dataset(tmp_path / "imported")
    back = read_table(tmp_path / "imported")
    for column in CORE:
        if column == "time":
            np.testing.assert_allclose(back["time"], real["time"], rtol=1e-15)
        else:
            assert (back[column].astype(str) == real[column].astype(str)).all(), column
    extras = [c for c in real.columns if c not in [*CORE, "run_id", "timestamp"]]
    assert manifest["import"]["columns"] == extras
    for column in extras:
        pd.testing.assert_series_equal(back[column].astype(float), real[column].astype(float))
    assert _episode_groups(back) == _episode_groups(real)
    assert (
        manifest["counts"]["positives"]
        == json.loads((source / "manifest.json").read_text())["counts"]["positives"]
    )


def test_iso_times_text_ids_and_one_episode_per_positive_row(tmp_path):
    LOG.to_csv(tmp_path / "log.csv", index=False)
    mapping = _write_yaml(tmp_path / "mapping.yaml", LOG_MAPPING)
    manifest = import_log(tmp_path / "log.csv", mapping, tmp_path / "out")
    check_dataset(tmp_path / "out")
    events = read_table(tmp_path / "out")
    # 10:00:05+01:00 is 09:00:05Z: tied with the third row, and before it as in the file
    assert events["time"].tolist() == [0.0, 5.0, 5.0, 10.0, 60.0]
    assert events["amount"].tolist() == [20.0, 10.0, 30.0, 50.0, 40.0]
    assert str(events["timestamp"].iloc[0]) == "2026-01-01 09:00:00+00:00"
    assert events["label_kind"].astype(str).tolist() == [
        "normal",
        "normal",
        "skimming",
        "normal",
        "skimming",
    ]
    assert events["episode_id"].tolist() == [-1, -1, 0, -1, 1]
    entities = pd.read_parquet(tmp_path / "out" / "entities")
    names = dict(zip(entities["entity_id"], entities["account"], strict=True))
    assert [names[e] for e in events["entity_id"]] == ["alice", "bob", "bob", "alice", "carol"]
    assert isinstance(events["merchant"].dtype, pd.CategoricalDtype)
    assert events["merchant"].isna().tolist() == [False, False, False, False, True]
    episodes = pd.read_parquet(tmp_path / "out" / "episodes")
    assert episodes["entities"].map(list).tolist() == [
        [names_to_id(names, "bob")],
        [names_to_id(names, "carol")],
    ]
    assert manifest["import"]["time_origin"] == "2026-01-01T09:00:00+00:00"
    assert manifest["name"] == "log"


def test_plot_refuses_an_imported_dataset_in_one_line(tmp_path, cli):
    LOG.to_csv(tmp_path / "log.csv", index=False)
    mapping = _write_yaml(tmp_path / "mapping.yaml", LOG_MAPPING)
    import_log(tmp_path / "log.csv", mapping, tmp_path / "out")
    result = cli("plot", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "has no scenario (it was imported): nothing to plot it by"
    )


def names_to_id(names: dict[int, str], name: str) -> int:
    return next(k for k, v in names.items() if v == name)


def test_parquet_input_with_unix_times_runs_and_case_ids(tmp_path):
    table = pa.table(
        {
            "ms": pa.array([1_000, 3_500, 2_000, 1_500, 9_000], pa.int64()),
            "batch": ["b", "a", "b", "a", "b"],
            "kind": ["login", "pay", "pay", "pay", "pay"],
            "user": pa.array([7, 8, 7, 8, 7], pa.int64()),
            "is_fraud": [False, False, True, False, True],
            "case": [None, None, "c1", None, "c1"],
        }
    )
    pq.write_table(table, tmp_path / "log.parquet")
    mapping = _write_yaml(
        tmp_path / "mapping.yaml",
        {
            "name": "bank",
            "time": {"column": "ms", "format": "unix_ms"},
            "event_type": {"column": "kind"},
            "entity_id": {"column": "user"},
            "label": {"column": "is_fraud", "kind": "fraud"},
            "episode_id": {"column": "case"},
            "run": {"column": "batch"},
        },
    )
    error_free = import_log(tmp_path / "log.parquet", mapping, tmp_path / "out")
    check_dataset(tmp_path / "out")
    assert [(r["run_id"], r["source"]) for r in error_free["runs"]] == [(0, "b"), (1, "a")]
    events = read_table(tmp_path / "out")
    run_b = events[events["run_id"] == 0]
    assert run_b["time"].tolist() == [0.0, 1.0, 8.0]  # seconds since the first row of the file
    assert run_b["episode_id"].tolist() == [-1, 0, 0]
    assert not (tmp_path / "out" / "entities").exists()  # integer ids are kept as they are
    episodes = pd.read_parquet(tmp_path / "out" / "episodes")
    assert json.loads(episodes["params"].iloc[0]) == {"case": "c1"}
    assert (episodes["start_time"].iloc[0], episodes["end_time"].iloc[0]) == (1.0, 8.0)


def test_the_case_ids_of_positive_rows_are_required(tmp_path):
    pq.write_table(
        pa.table({"t": [1.0, 2.0], "u": [1, 2], "y": [1, 1], "case": ["c1", None]}),
        tmp_path / "log.parquet",
    )
    mapping = _write_yaml(
        tmp_path / "mapping.yaml",
        {
            "time": {"column": "t", "format": "seconds"},
            "event_type": {"value": "x"},
            "entity_id": {"column": "u"},
            "label": {"column": "y"},
            "episode_id": {"column": "case"},
        },
    )
    with pytest.raises(Exception, match="row 2: column 'case': a positive row has no episode"):
        import_log(tmp_path / "log.parquet", mapping, tmp_path / "out")


@pytest.fixture
def log_csv(tmp_path: Path) -> Path:
    frame = LOG.copy()
    frame.loc[2, "ts"] = "yesterday"
    frame.loc[4, "ts"] = "soon"
    frame["flag"] = ["0", "1", "1", "maybe", "0"]
    frame.to_csv(tmp_path / "log.csv", index=False)
    return tmp_path / "log.csv"


def test_bad_data_is_reported_row_by_row_and_nothing_written(tmp_path, cli, log_csv):
    mapping = _write_yaml(tmp_path / "mapping.yaml", LOG_MAPPING | {"label": {"column": "flag"}})
    result = cli("import", log_csv, "--mapping", mapping, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{log_csv}: row 3: column 'ts': 'yesterday' is not an ISO 8601 time",
        f"{log_csv}: row 5: column 'ts': 'soon' is not an ISO 8601 time",
        f"{log_csv}: row 4: column 'flag': 'maybe' is not a label (1/0, yes/no)",
        f"{log_csv}: row 2: labels disagree: column 'flag' is positive but column "
        "'fraud_type' is empty, which means normal",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv", "mapping.yaml"]


def test_mapping_errors_name_file_line_and_key(tmp_path, cli, log_csv):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "time: {column: when, format: iso}\n"
        "event_type: {column: kind, value: pay}\n"
        "entity_id: {column: account}\n"
        "labels: {column: flag}\n"
    )
    result = cli("import", log_csv, "--mapping", mapping, "--out", tmp_path / "out")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == f"{mapping}:2: event_type: give exactly one of `column` or `value`"
    assert lines[1].startswith(f"{mapping}:4: labels: unknown key 'labels' (allowed: name, ")
    assert len(lines) == 2
    mapping.write_text(
        "time: {column: when, format: iso}\nevent_type: {value: pay}\n"
        "entity_id: {column: account}\ncolumns: [amount, label]\n"
    )
    result = cli("import", log_csv, "--mapping", mapping, "--out", tmp_path / "out")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{mapping}:1: time.column: column 'when' is not in {log_csv}")
    assert lines[1].startswith(f"{mapping}:4: columns.1: column 'label' is not in")
    assert not (tmp_path / "out").exists()


def test_a_file_of_another_kind_exits_2(tmp_path, cli):
    (tmp_path / "log.json").write_text("{}")
    mapping = _write_yaml(tmp_path / "mapping.yaml", LOG_MAPPING)
    result = cli("import", tmp_path / "log.json", "--mapping", mapping, "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{tmp_path / 'log.json'}: expected a .csv or .parquet file"
