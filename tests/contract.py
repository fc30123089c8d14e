"""Checks of the dataset contract (DESIGN §3), written with pyarrow and pandas only.

They read a dataset as a user without simsynth would, so they catch any drift between what the
package writes and what the contract promises.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

CORE_TYPES = {
    "event_id": pa.int64(),
    "time": pa.float64(),
    "event_type": pa.dictionary(pa.int32(), pa.string()),
    "entity_id": pa.int64(),
    "label": pa.int8(),
    "label_kind": pa.dictionary(pa.int32(), pa.string()),
    "episode_id": pa.int64(),
}
EPISODE_COLUMNS = ["episode_id", "kind", "start_time", "end_time", "entities", "params"]
CLOCK_COLUMNS = ["start_timestamp", "end_timestamp"]
"""Episodes' clock times, exactly when the events have a `timestamp`."""


def check_dataset(directory: Path) -> dict:
    """Assert every rule of the contract on a dataset directory; return its manifest."""
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["format"] == "simsynth-dataset/1"
    assert manifest["status"] == "complete"
    _check_files(directory, manifest)
    events = ds.dataset(directory / "events", format="parquet", partitioning="hive")
    for name, expected in CORE_TYPES.items():
        assert events.schema.field(name).type == expected, name
    frame = events.to_table().to_pandas()
    episodes = pd.read_parquet(directory / "episodes")
    assert list(episodes.columns[: len(EPISODE_COLUMNS)]) == EPISODE_COLUMNS
    _check_clock_types(events.schema, directory)
    for run_id, run in frame.groupby("run_id", observed=True):
        run = run.sort_values("event_id")
        _check_run_events(run)
        run_episodes = episodes[episodes["run_id"] == run_id]
        _check_episodes(run, run_episodes)
        _check_episode_clock(run, run_episodes)
    _check_counts(frame, episodes, manifest)
    if (directory / "entities").exists():
        entities = pd.read_parquet(directory / "entities")
        for run_id, run in entities.groupby("run_id", observed=True):
            assert run["entity_id"].is_unique
            acting = set(frame.loc[frame["run_id"] == run_id, "entity_id"])
            assert acting <= set(run["entity_id"]), "every acting entity is described"
    return manifest


def _check_files(directory: Path, manifest: dict) -> None:
    on_disk = {
        p.relative_to(directory).as_posix()
        for p in directory.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    assert on_disk == set(manifest["files"]), "manifest lists exactly the files on disk"
    for relative, entry in manifest["files"].items():
        data = (directory / relative).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], relative
        assert len(data) == entry["bytes"], relative
        if relative.endswith(".parquet"):
            assert pq.ParquetFile(directory / relative).metadata.num_rows == entry["rows"]


def _check_run_events(run: pd.DataFrame) -> None:
    event_id = run["event_id"].to_numpy()
    assert (np.diff(event_id) > 0).all(), "event_id increases"
    assert len(np.unique(event_id)) == len(event_id), "event_id unique within a run"
    assert (np.diff(run["time"].to_numpy()) >= 0).all(), "time non-decreasing along event_id"
    label = run["label"].to_numpy()
    kind = run["label_kind"].astype(str).to_numpy()
    episode = run["episode_id"].to_numpy()
    assert set(np.unique(label)) <= {0, 1}
    assert ((label == 0) == (kind == "normal")).all(), "label 0 exactly when kind is normal"
    assert ((label == 0) == (episode == -1)).all(), "episode_id -1 exactly when label is 0"


def _check_episodes(run: pd.DataFrame, episodes: pd.DataFrame) -> None:
    assert episodes["episode_id"].is_unique
    assert (episodes["end_time"] >= episodes["start_time"]).all()
    kind_of = dict(zip(episodes["episode_id"], episodes["kind"].astype(str), strict=True))
    positives = run[run["label"] == 1]
    for episode_id, kinds in positives.groupby("episode_id")["label_kind"]:
        assert episode_id in kind_of, f"episode {episode_id} used in events exists in episodes"
        assert set(kinds.astype(str)) == {kind_of[episode_id]}, "label_kind matches the episode"
    for params in episodes["params"]:
        json.loads(params)


def _check_clock_types(events: pa.Schema, directory: Path) -> None:
    """Episodes have clock times of the events' `timestamp` type exactly when events have it."""
    episodes = ds.dataset(directory / "episodes", format="parquet", partitioning="hive").schema
    if "timestamp" not in events.names:
        assert not set(CLOCK_COLUMNS) & set(episodes.names), "no clock times without timestamps"
        return
    for name in CLOCK_COLUMNS:
        assert episodes.field(name).type == events.field("timestamp").type, name


def _check_episode_clock(run: pd.DataFrame, episodes: pd.DataFrame) -> None:
    """An episode's clock times are the run's clock (`timestamp` - `time` of its events) at
    its start_time and end_time, within the microsecond each clock time is rounded to."""
    if "timestamp" not in run.columns or not len(run):
        return
    origin = _micros(run["timestamp"].iloc[:1])[0] - round(float(run["time"].iloc[0]) * 1e6)
    for seconds, clock in zip(["start_time", "end_time"], CLOCK_COLUMNS, strict=True):
        expected = origin + np.round(episodes[seconds].to_numpy() * 1e6)
        assert (np.abs(_micros(episodes[clock]) - expected) <= 2).all(), clock


def _micros(stamps: pd.Series) -> np.ndarray:
    """Timestamps (naive or UTC) as integer microseconds since the epoch."""
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return stamps.to_numpy().astype("datetime64[us]").astype(np.int64)


def _check_counts(frame: pd.DataFrame, episodes: pd.DataFrame, manifest: dict) -> None:
    counts = manifest["counts"]
    assert counts["events"] == len(frame)
    assert counts["episodes"] == len(episodes)
    observed = frame[frame["label"] == 1]["label_kind"].astype(str).value_counts().to_dict()
    assert counts["positives"] == observed
