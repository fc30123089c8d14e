"""What `validate` accepts, `run` runs: ranges are checked in order and on their scale, incident
rates are bounded (every occurrence is drawn up front), and an empty world writes a dataset."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import simsynth
from simsynth.incidents import MAX_EXPECTED_EPISODES
from tests.conftest import SMALL_CONTACT_CENTER

REPO = Path(__file__).resolve().parents[2]
OUTAGE = {"kind": "outage", "at": "30min", "params": {"duration": "10min"}}


def scenario_with(incident: dict) -> dict:
    return {**SMALL_CONTACT_CENTER, "incidents": [incident]}


@pytest.mark.parametrize(
    ("incident", "key", "words"),
    [
        ({**OUTAGE, "at": {"uniform": ["90min", "20min"]}}, "incidents.0.at", "low end is above"),
        ({**OUTAGE, "at": {"loguniform": [0, "1h"]}}, "incidents.0.at", "low end above 0"),
        ({**OUTAGE, "at": {"loguniform": ["0s", "1h"]}}, "incidents.0.at", "low end above 0"),
        (
            {**OUTAGE, "params": {"duration": {"uniform": ["20min", "10min"]}}},
            "incidents.0.params",
            "duration: uniform's low end is above its high end",
        ),
        (
            {"kind": "outage", "rate": "1e9/s"},
            "incidents.0.rate",
            f"at most {MAX_EXPECTED_EPISODES:,} are scheduled",
        ),
    ],
)
def test_a_range_or_rate_run_would_crash_on_is_refused_by_validate(
    incident, key, words, cli, tmp_path
):
    file = tmp_path / "scenario.yaml"
    file.write_text(yaml.safe_dump(scenario_with(incident)))
    result = cli("validate", file)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert f": {key}: " in line and words in line, line


def test_a_log_scale_from_zero_is_refused_where_the_param_itself_may_be_zero(cli, tmp_path):
    scenario = yaml.safe_load((REPO / "scenarios" / "card_fraud_training.yaml").read_text())
    scenario["incidents"][0]["params"] = {"cash_out_delay": {"loguniform": [0, "2h"]}}
    file = tmp_path / "scenario.yaml"
    file.write_text(yaml.safe_dump(scenario))
    result = cli("validate", file)
    assert result.exit_code == 2
    assert "incidents.0.params: cash_out_delay: loguniform needs a low end above 0" in (
        result.stderr
    )


def test_a_range_of_one_value_and_a_zero_based_uniform_run(tmp_path):
    incident = {**OUTAGE, "at": {"uniform": ["20min", "20min"]}}
    incident["params"] = {
        "duration": {"uniform": ["10min", "10min"]},
        "share": {"uniform": [0.5, 1]},
    }
    file = tmp_path / "scenario.yaml"
    file.write_text(yaml.safe_dump(scenario_with(incident)))
    simsynth.run(file, out=tmp_path / "out")
    episodes = simsynth.read_table(tmp_path / "out", "episodes")
    assert episodes["start_time"].tolist() == [1200.0]


def test_a_ring_with_no_vehicles_writes_an_empty_world(tmp_path):
    empty = {
        "name": "empty-ring",
        "model": "traffic.road_network",
        "duration": "5min",
        "params": {"network": {"kind": "ring", "length": 750, "links": 2, "density": 0}},
    }
    file = tmp_path / "scenario.yaml"
    file.write_text(yaml.safe_dump(empty))
    manifest = simsynth.run(file, out=tmp_path / "out")
    events = simsynth.read_events(tmp_path / "out")
    assert manifest["counts"]["events"] == len(events)
    assert set(events["event_type"].astype(str)) <= {"detector"}


def test_a_grid_that_changes_an_incidents_kind_runs_what_the_file_wrote(cli, tmp_path):
    """A grid that turns an outage into a call surge: each run sets the kind in what the file
    wrote (not in the validated scenario, where the outage's defaults, such as `share`, are
    filled in and a surge would reject them), so validate's ok is the sweep's: the surge keeps
    the written duration and takes its own defaults for the rest."""
    import pandas as pd

    data = {
        **SMALL_CONTACT_CENTER,
        "incidents": [{"kind": "outage", "at": "30min", "params": {"duration": "20min"}}],
        "sweep": {"runs": 1, "grid": {"incidents.0.kind": ["outage", "call_surge"]}},
    }
    path = tmp_path / "kinds.yaml"
    path.write_text(yaml.safe_dump(data))
    assert cli("validate", path).exit_code == 0
    result = cli("sweep", path, "--out", tmp_path / "out", "--workers", "1")
    assert result.exit_code == 0, result.stderr
    episodes = pd.read_parquet(tmp_path / "out" / "episodes").sort_values("run_id")
    assert list(episodes["kind"].astype(str)) == ["outage", "call_surge"]
    assert list(episodes["end_time"] - episodes["start_time"]) == [1200.0, 1200.0]
