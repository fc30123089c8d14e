"""Incident params written as distributions: checked at load, drawn per episode from the
run's own stream, recorded resolved in the episodes table, known to `schema`."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
import yaml

import simsynth
from tests.conftest import SMALL_CONTACT_CENTER

RANDOM_OUTAGES = {
    **SMALL_CONTACT_CENTER,
    "duration": "3d",
    "incidents": [
        {
            "kind": "outage",
            "rate": "8/d",
            "params": {
                "share": {"uniform": [0.2, 0.8]},
                "duration": {"loguniform": ["10min", "1h"]},
            },
        }
    ],
}


def episodes_of(tmp_path: Path, scenario: dict, name: str) -> pd.DataFrame:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(scenario))
    simsynth.run(path, out=tmp_path / name)
    episodes = pd.read_parquet(tmp_path / name / "episodes")
    return episodes.join(pd.DataFrame([json.loads(p) for p in episodes["params"]]))


def test_each_episode_draws_its_params_within_the_declared_ranges(tmp_path: Path):
    episodes = episodes_of(tmp_path, RANDOM_OUTAGES, "random")
    assert len(episodes) >= 10
    assert episodes["share"].between(0.2, 0.8).all()
    assert episodes["duration"].between(600.0, 3600.0).all()
    assert episodes["share"].nunique() == len(episodes)  # drawn anew for each episode
    # log-uniform: the log of the duration spreads evenly, so its median is near the middle
    assert abs(episodes["duration"].median() - (600 * 3600) ** 0.5) < 900
    # the model used what was drawn: each outage lasts its recorded duration
    lasted = episodes["end_time"] - episodes["start_time"]
    assert (lasted - episodes["duration"]).abs().max() < 1e-6


def test_drawing_params_shifts_neither_the_times_nor_the_other_randomness(tmp_path: Path):
    random = episodes_of(tmp_path, RANDOM_OUTAGES, "random")
    fixed_incidents = [
        {"kind": "outage", "rate": "8/d", "params": {"share": 0.5, "duration": "20min"}}
    ]
    fixed = episodes_of(tmp_path, {**RANDOM_OUTAGES, "incidents": fixed_incidents}, "fixed")
    assert random["start_time"].tolist() == fixed["start_time"].tolist()
    again = episodes_of(tmp_path, RANDOM_OUTAGES, "again")
    assert again["share"].tolist() == random["share"].tolist()
    # events before the first outage do not depend on how outages are written
    first = random["start_time"].min()
    events = [pd.read_parquet(tmp_path / name / "events") for name in ("random", "fixed")]
    before = [frame[frame["time"] < first] for frame in events]
    pd.testing.assert_frame_equal(before[0], before[1])


def test_choice_and_poisson_forms(tmp_path: Path):
    incidents = [
        {
            "kind": "call_surge",
            "rate": "6/d",
            "params": {
                "multiplier": {"choice": [2, 3]},
                "duration": {"uniform": ["5min", "15min"]},
            },
        }
    ]
    episodes = episodes_of(tmp_path, {**RANDOM_OUTAGES, "incidents": incidents}, "choice")
    assert set(episodes["multiplier"]) == {2, 3}


def test_a_form_outside_the_fields_rules_is_reported_with_file_and_line(tmp_path: Path, cli):
    bad = {
        **RANDOM_OUTAGES,
        "incidents": [{"kind": "outage", "at": "1h", "params": {"share": {"uniform": [0.2, 1.5]}}}],
    }
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    result = cli("validate", path)
    assert result.exit_code == 2
    assert f"{path}:" in result.stderr and "incidents.0.params" in result.stderr
    assert "share: 1.5" in result.stderr and "less than or equal to 1" in result.stderr
    unknown = {
        **bad,
        "incidents": [{"kind": "outage", "at": "1h", "params": {"share": {"normal": [0.5, 0.1]}}}],
    }
    path.write_text(yaml.safe_dump(unknown))
    assert cli("validate", path).exit_code == 2


def test_a_forms_end_out_of_a_rates_bounds_is_reported_in_units(tmp_path: Path, cli):
    pump = {
        "kind": "pump_and_dump",
        "at": "10min",
        "params": {"order_rate": {"uniform": ["1/s", "200/s"]}},
    }
    scenario = {
        "name": "pump",
        "model": "markets.order_flow",
        "duration": "1h",
        "incidents": [pump],
    }
    path = tmp_path / "pump.yaml"
    path.write_text(yaml.safe_dump(scenario))
    result = cli("validate", path)
    assert result.exit_code == 2
    assert "order_rate: '200/s', a value" in result.stderr
    assert "is not allowed: at most 100/s" in result.stderr


def test_the_json_schema_knows_the_forms(cli):
    schema = json.loads(cli("schema").stdout)
    validator = jsonschema.Draft202012Validator(schema)
    data = json.loads(json.dumps(RANDOM_OUTAGES))
    assert not list(validator.iter_errors(data))
    data["incidents"][0]["params"]["share"] = {"gaussian": [0.5, 0.1]}
    assert list(validator.iter_errors(data))


@pytest.mark.parametrize("written", [{"uniform": [0.2, 0.8]}, 0.5])
def test_the_manifest_keeps_the_scenario_as_written(tmp_path: Path, written):
    incident = {"kind": "outage", "at": "1h", "params": {"share": written}}
    scenario = {**RANDOM_OUTAGES, "duration": "2h", "incidents": [incident]}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario))
    manifest = simsynth.run(path, out=tmp_path / "out")
    assert manifest["scenario"]["incidents"][0]["params"]["share"] == written


def test_a_start_time_may_be_a_distribution_within_the_run(tmp_path: Path, cli):
    incident = {
        "kind": "outage",
        "at": {"uniform": ["1h", "2h"]},
        "params": {"share": 0.5, "duration": "10min"},
    }
    scenario = {**RANDOM_OUTAGES, "duration": "4h", "incidents": [incident]}
    starts = []
    for seed in range(6):
        episodes = episodes_of(tmp_path, {**scenario, "seed": seed}, f"seed{seed}")
        starts += episodes["start_time"].tolist()
    assert len(starts) == 6 and len(set(starts)) == 6
    assert all(3600.0 <= start <= 7200.0 for start in starts)

    late = {**scenario, "incidents": [{**incident, "at": {"uniform": ["1h", "5h"]}}]}
    path = tmp_path / "late.yaml"
    path.write_text(yaml.safe_dump(late))
    result = cli("validate", path)
    assert result.exit_code == 2 and "incidents.0.at" in result.stderr
    assert "can start at 5h, not before the run ends (duration 4h)" in result.stderr
    counted = {**scenario, "incidents": [{**incident, "at": {"poisson": 3}}]}
    path.write_text(yaml.safe_dump(counted))
    assert "uniform, loguniform or choice" in cli("validate", path).stderr
