"""Round trip of a run's dataset through pyarrow and pandas, determinism and overwrite rules."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest

import simsynth
from simsynth.errors import DatasetError, OutputExistsError, OutputRefusedError
from tests.contract import check_dataset


def parquet_bytes(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes() for p in directory.rglob("*.parquet")
    }


def test_round_trip_with_pyarrow_and_pandas(write_scenario, tmp_path):
    out = tmp_path / "out"
    manifest = simsynth.run(write_scenario(), out=out)
    check_dataset(out)
    assert manifest == json.loads((out / "manifest.json").read_text())

    table = ds.dataset(out / "events", format="parquet", partitioning="hive").to_table()
    frame = pd.read_parquet(out / "events")
    assert table.num_rows == len(frame) == manifest["counts"]["events"] > 0
    for column in ("agent_id", "queue_len", "wait_s", "service_s", "run_id"):
        assert column in frame.columns
    assert set(frame["event_type"].astype(str)) <= {
        "call_arrival",
        "call_answered",
        "call_abandoned",
        "call_completed",
    }
    assert (frame["label"] == 1).any(), "the scheduled outage labels some events"
    assert list(manifest["files"]) == [
        "episodes/run_id=0/part-0.parquet",
        "events/run_id=0/part-0.parquet",
    ]


def test_read_events_matches_pandas(write_scenario, tmp_path):
    out = tmp_path / "out"
    simsynth.run(write_scenario(), out=out)
    events = simsynth.read_events(out)
    direct = pd.read_parquet(out / "events").sort_values("event_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(events, direct)


def test_same_seed_gives_identical_parquet_bytes(write_scenario, tmp_path):
    path = write_scenario()
    simsynth.run(path, out=tmp_path / "a")
    simsynth.run(path, out=tmp_path / "b")
    first, second = parquet_bytes(tmp_path / "a"), parquet_bytes(tmp_path / "b")
    assert first.keys() == second.keys() and first == second
    manifests = [json.loads((tmp_path / d / "manifest.json").read_text()) for d in "ab"]
    for manifest in manifests:
        del manifest["wall_time_s"], manifest["created_at"]
    assert manifests[0] == manifests[1], "manifests differ only in timing fields"


def test_other_seed_gives_other_data(write_scenario, tmp_path):
    path = write_scenario()
    simsynth.run(path, out=tmp_path / "a")
    simsynth.run(path, out=tmp_path / "b", seed=6)
    a, b = simsynth.read_events(tmp_path / "a"), simsynth.read_events(tmp_path / "b")
    assert len(a) != len(b) or not a["time"].equals(b["time"])


def test_timestamp_column_follows_start(write_scenario, tmp_path):
    from tests.conftest import SMALL_CONTACT_CENTER

    data = {**SMALL_CONTACT_CENTER, "start": "2026-01-01T08:00:00"}
    simsynth.run(write_scenario(data), out=tmp_path / "out")
    events = simsynth.read_events(tmp_path / "out")
    expected = pd.Timestamp("2026-01-01T08:00:00") + pd.to_timedelta(events["time"], unit="s")
    assert (events["timestamp"] - expected).abs().max() <= pd.Timedelta(microseconds=1)


def test_existing_output_is_never_overwritten_silently(write_scenario, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    with pytest.raises(OutputExistsError):
        simsynth.run(write_scenario(), out=out)
    assert (out / "precious.txt").read_text() == "keep me"
    with pytest.raises(OutputRefusedError, match="simsynth did not write"):
        simsynth.run(write_scenario(), out=out, overwrite=True)
    assert (out / "precious.txt").read_text() == "keep me"
    (out / "precious.txt").unlink()
    simsynth.run(write_scenario(), out=out, overwrite=True)
    check_dataset(out)
    simsynth.run(write_scenario(), out=out, overwrite=True)  # a dataset is replaced
    check_dataset(out)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_failed_run_leaves_nothing(write_scenario, tmp_path, monkeypatch):
    from simsynth.models.customers.contact_center.model import ContactCenter

    def explode(self, until):
        raise RuntimeError("model crashed")

    monkeypatch.setattr(ContactCenter, "advance", explode)
    with pytest.raises(RuntimeError):
        simsynth.run(write_scenario(), out=tmp_path / "out")
    assert not (tmp_path / "out").exists()
    sink_threads = [t for t in threading.enumerate() if t.name.startswith("simsynth-sink")]
    assert not any(t.is_alive() for t in sink_threads), "the sink's writer thread is stopped"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_reading_an_incomplete_dataset_is_refused(tmp_path):
    (tmp_path / "partial" / "events").mkdir(parents=True)
    with pytest.raises(DatasetError, match="not a simsynth dataset"):
        simsynth.read_events(tmp_path / "partial")
    (tmp_path / "partial" / "manifest.json").write_text(json.dumps({"status": "running"}))
    with pytest.raises(DatasetError, match="not complete"):
        simsynth.read_events(tmp_path / "partial")
