"""Warnings about scenarios that run but may surprise: a queue offered more than it can serve.

The offered load is the arrival rate times the service time over the servers (Erlang); at 1 or
more an M/M/c queue has no steady state. The warning is printed by `validate` and `run`, at
the key's line, and never stops anything."""

from __future__ import annotations

from tests.conftest import SMALL_CONTACT_CENTER


def overloaded_line(**params: object) -> dict:
    """4 agents, 3-minute calls: 80 calls an hour is exactly what they can answer."""
    return {**SMALL_CONTACT_CENTER, "params": {**SMALL_CONTACT_CENTER["params"], **params}}


def test_an_overloaded_line_is_a_warning_at_its_line(write_scenario, cli, tmp_path):
    path = write_scenario(overloaded_line(arrival_rate="100/h"))
    result = cli("validate", path)
    assert result.exit_code == 0
    (warning,) = result.stderr.splitlines()
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "100/h" in text)
    assert warning.startswith(f"{path}:{line}: params.arrival_rate: warning: the offered load")
    assert "1.25 Erlang per agent" in warning and "hang up (patience)" in warning

    run = cli("run", path, "--out", tmp_path / "out")
    assert run.exit_code == 0 and warning in run.stderr.splitlines()
    assert cli("run", path, "--out", tmp_path / "quiet", "--quiet").stderr == ""


def test_a_line_that_keeps_up_gets_no_warning(write_scenario, cli):
    assert cli("validate", write_scenario(overloaded_line(arrival_rate="79/h"))).stderr == ""


def test_without_patience_the_warning_says_callers_are_blocked(write_scenario, cli):
    data = overloaded_line(arrival_rate="80/h")
    del data["params"]["patience"]
    (warning,) = cli("validate", write_scenario(data)).stderr.splitlines()
    assert "1.00 Erlang per agent" in warning and "queue_capacity (10,000)" in warning


def test_an_approach_beyond_its_capacity_is_a_warning(write_scenario, cli):
    """One approach with all the green but the lost time: 2 lanes x 0.5 veh/s x (60 - 5)/60
    = 0.917 veh/s = 3,300 veh/h; 3,400 veh/h is a degree of saturation of 1.03."""
    phases = [{"approaches": ["north"], "split": 1.0}]
    params = {"cycle": "60s", "lost_time": "5s", "phases": phases}
    approach = {"lanes": 2, "saturation_flow": "0.5/s"}
    for rate, warned in (("3200/h", False), ("3400/h", True)):
        params["approaches"] = {"north": {**approach, "arrival_rate": rate}}
        scenario = {"name": "x", "model": "traffic.intersection", "seed": 1, "duration": "1h"}
        result = cli("validate", write_scenario({**scenario, "params": params}))
        assert result.exit_code == 0
        assert ("degree of saturation 1.03" in result.stderr) is warned, result.stderr


def test_a_sweep_prints_the_warnings_too_unless_quiet(write_scenario, cli, tmp_path):
    swept = {**overloaded_line(arrival_rate="100/h"), "sweep": {"runs": 2}}
    path = write_scenario(swept)
    result = cli("sweep", path, "--out", tmp_path / "sweep", "--workers", "1")
    assert result.exit_code == 0
    assert "params.arrival_rate: warning: the offered load is 1.25" in result.stderr
    quiet = cli("sweep", path, "--out", tmp_path / "quiet", "--workers", "1", "--quiet")
    assert "warning" not in quiet.stderr
