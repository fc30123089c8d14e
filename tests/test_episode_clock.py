"""With a `start`, episodes carry the clock times of their start and end (`start_timestamp`,
`end_timestamp`, of the events' `timestamp` type) beside the seconds; without one, neither."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest

from simsynth.baseline.build import write_baseline
from tests.conftest import SMALL_CONTACT_CENTER, run_model
from tests.contract import check_dataset


def episodes_and_schema(directory: Path) -> tuple[pd.DataFrame, object]:
    episodes = pd.read_parquet(directory / "episodes")
    return episodes, ds.dataset(directory / "episodes", partitioning="hive").schema


@pytest.mark.parametrize(
    ("start", "zone"), [("2026-12-01 08:00:00", None), ("2026-12-01T08:00:00+01:00", "UTC")]
)
def test_episodes_have_clock_times_when_the_scenario_starts_at_a_date(
    tmp_path: Path, start: str, zone: str | None
):
    out = run_model(tmp_path, "customers.contact_center", {**SMALL_CONTACT_CENTER, "start": start})
    check_dataset(out)
    episodes, schema = episodes_and_schema(out)
    events = ds.dataset(out / "events", partitioning="hive").schema
    for name in ("start_timestamp", "end_timestamp"):
        assert schema.field(name).type == events.field("timestamp").type
        assert schema.field(name).type.tz == zone
    origin = pd.Timestamp(start)
    if zone is not None:
        origin = origin.tz_convert("UTC")
    assert (episodes["start_time"] > 0).all(), "the seconds stay"
    for seconds, clock in (("start_time", "start_timestamp"), ("end_time", "end_timestamp")):
        expected = origin + pd.to_timedelta(episodes[seconds], unit="s").dt.round("us")
        assert (episodes[clock] == expected).all(), clock
    outage = episodes[episodes["kind"] == "outage"].iloc[0]  # at 30min, for 20min
    assert outage["start_timestamp"] == origin + pd.Timedelta("30min")
    assert outage["end_timestamp"] == origin + pd.Timedelta("50min")


def test_without_a_start_episodes_have_seconds_only(tmp_path: Path):
    out = run_model(tmp_path, "customers.contact_center", SMALL_CONTACT_CENTER)
    episodes, schema = episodes_and_schema(out)
    assert "start_timestamp" not in schema.names and "end_timestamp" not in schema.names
    assert len(episodes) > 0


def test_a_baselines_episodes_have_the_clock_of_its_events(tmp_path: Path):
    source = run_model(
        tmp_path, "customers.contact_center", {**SMALL_CONTACT_CENTER, "start": "2026-12-01"}
    )
    out = tmp_path / "baseline"
    write_baseline(source, "marginals", out=out)
    check_dataset(out)
    episodes, schema = episodes_and_schema(out)
    assert len(episodes) > 0 and "start_timestamp" in schema.names
    events = pd.read_parquet(out / "events", columns=["episode_id", "timestamp", "run_id"])
    first = events[events["episode_id"] >= 0].set_index(["run_id", "episode_id"])["timestamp"]
    keyed = episodes.set_index(["run_id", "episode_id"])["start_timestamp"]
    assert (keyed == first.reindex(keyed.index)).all(), "one event per episode, at its time"
