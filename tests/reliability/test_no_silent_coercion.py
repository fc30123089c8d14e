"""Values are never coerced into something the user did not write: `true` is not the number 1
and a bare number is not a date in 1970; every such value is reported with the others."""

from __future__ import annotations

import yaml

from tests.conftest import SMALL_CONTACT_CENTER


def test_booleans_for_numbers_and_numbers_for_dates_are_reported_together(cli, tmp_path):
    scenario = {
        **SMALL_CONTACT_CENTER,
        "seed": True,
        "start": 12345,
        "params": {**SMALL_CONTACT_CENTER["params"], "agents": True, "service_cv": False},
    }
    scenario["incidents"] = [{"kind": "outage", "at": "30min", "params": {"share": True}}]
    file = tmp_path / "coerced.yaml"
    file.write_text(yaml.safe_dump(scenario, sort_keys=False))
    result = cli("validate", file)
    assert result.exit_code == 2
    reported = {line.split(": ")[1]: line for line in result.stderr.splitlines()}
    assert set(reported) == {
        "seed",
        "start",
        "params.agents",
        "params.service_cv",
        "incidents.0.params.share",
    }, result.stderr
    assert "true/false is not a number" in reported["seed"]
    assert "12345 is not a date and time" in reported["start"]


def test_booleans_where_the_model_takes_them_and_dates_still_work(cli, tmp_path):
    scenario = {**SMALL_CONTACT_CENTER, "start": "2026-03-02 08:00:00", "output": {"plots": True}}
    file = tmp_path / "fine.yaml"
    file.write_text(yaml.safe_dump(scenario))
    assert cli("validate", file).exit_code == 0
