"""Sweep grids are counted before they are built and every combination is checked as fully as
a scenario file (cross-checks and the model's own checks), by every command that loads the
file; a sweep holds a bounded number of runs and an executor a few of them at a time."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import pytest
import yaml

from simsynth.scenario.grid import MAX_POINTS, GridError
from simsynth.scenario.schema import MAX_RUNS
from simsynth.sweep import executors
from simsynth.sweep.plan import PlannedRun
from tests.conftest import SMALL_CONTACT_CENTER

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, data: dict, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def line_of(path: Path, text: str, after: int = 0) -> int:
    lines = path.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if i > after and text in line)


def test_a_huge_grid_in_a_small_file_is_refused_before_any_combination_is_made(cli, tmp_path):
    values = list(range(40))
    grid = {"params.agents": values, "seed": values, "description": values, "name": values}
    path = write(tmp_path, {**SMALL_CONTACT_CENTER, "sweep": {"grid": grid}})
    assert path.stat().st_size < 2000
    for command in ("validate", "run", "sweep"):
        result = cli(command, path, *(() if command == "validate" else ("--out", tmp_path / "o")))
        assert result.exit_code == 2
        assert result.stderr.splitlines() == [
            f"{path}:{line_of(path, 'grid:')}: sweep.grid: 2,560,000 combinations; "
            f"a grid has at most {MAX_POINTS:,}"
        ]
    assert not (tmp_path / "o").exists()


def test_grid_values_get_the_cross_checks_of_a_plain_scenario(cli, tmp_path):
    grid = {"duration": ["2h", 0], "incidents.0.at": ["30min", "100d"]}
    path = write(tmp_path, {**SMALL_CONTACT_CENTER, "sweep": {"grid": grid}})
    for command in ("validate", "run", "sweep"):
        result = cli(command, path, *(() if command == "validate" else ("--out", tmp_path / "o")))
        assert result.exit_code == 2, result.output
        lines = result.stderr.splitlines()
        in_grid = line_of(path, "grid:")
        duration = f"{path}:{line_of(path, 'duration:', in_grid)}: sweep.grid.duration: "
        at = f"{path}:{line_of(path, 'incidents.0.at:')}: sweep.grid.incidents.0.at: "
        assert (
            f"{duration}a run needs a duration > 0 (with duration=0, incidents.0.at='30min')"
            in (lines)
        )
        assert (
            f"{at}starts at 100d, not before the run ends (duration 2h) "
            "(with duration='2h', incidents.0.at='100d')"
        ) in lines
    assert not (tmp_path / "o").exists()


def test_grid_values_get_the_models_own_checks(cli, tmp_path):
    scenario = yaml.safe_load((REPO / "scenarios" / "traffic_corridor_closure.yaml").read_text())
    scenario["sweep"] = {"grid": {"incidents.0.params.link": ["m3->m4", "m3->nowhere"]}}
    path = write(tmp_path, scenario)
    result = cli("validate", path)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{path}:{line_of(path, 'incidents.0.params.link:')}: ")
    assert "no link 'm3->nowhere' in the road graph" in line


def test_a_grid_value_out_of_its_fields_bounds_is_reported_in_its_units(cli, tmp_path):
    scenario = {"name": "steps", "model": "markets.traders", "duration": "1h", "params": {}}
    path = write(tmp_path, {**scenario, "sweep": {"grid": {"params.step": ["30s", "2min"]}}})
    result = cli("validate", path)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{path}:{line_of(path, 'params.step:')}: sweep.grid.params.step: '2min' is not allowed "
        "(at most 1min) (with params.step='2min')"
    ]


def test_too_many_runs_are_refused_in_the_file_and_on_the_command_line(cli, tmp_path):
    many = write(tmp_path, {**SMALL_CONTACT_CENTER, "sweep": {"runs": 1_000_000}}, "many.yaml")
    result = cli("validate", many)
    assert result.exit_code == 2
    assert f"{many}:{line_of(many, 'runs:')}: sweep.runs: 1000000 is not allowed" in result.stderr
    grid = {"params.agents": [4, 5, 6]}
    product = write(
        tmp_path, {**SMALL_CONTACT_CENTER, "sweep": {"runs": MAX_RUNS // 2, "grid": grid}}
    )
    result = cli("validate", product)
    assert result.exit_code == 2
    assert f"sweep.runs: 3 combinations x {MAX_RUNS // 2:,} runs" in result.stderr
    fine = write(tmp_path, {**SMALL_CONTACT_CENTER, "sweep": {"grid": grid}}, "fine.yaml")
    result = cli("sweep", fine, "--runs", MAX_RUNS, "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"small: {3 * MAX_RUNS:,} runs (3 grid combinations x {MAX_RUNS:,}); "
        f"a sweep holds at most {MAX_RUNS:,} (split it into several)"
    ]
    result = cli("rare", fine, "--max-runs", MAX_RUNS + 1, "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert result.stderr.startswith("--max-runs: ")
    assert not (tmp_path / "o").exists()


class CountingPool:
    """Stands in for the process pool: runs each task when submitted and counts how many were
    handed over but not yet taken back by the sweep."""

    def __init__(self, *args, **kwargs):
        self.outstanding = 0
        self.most = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def shutdown(self, wait=True, cancel_futures=False):
        pass

    def submit(self, function, *args):
        self.outstanding += 1
        self.most = max(self.most, self.outstanding)
        future: Future = Future()
        future.set_result({"run_id": args[1]})
        return future


def test_an_executor_holds_a_few_runs_at_a_time_not_the_whole_sweep(monkeypatch):
    pools: list[CountingPool] = []

    def pool(*args, **kwargs):
        pools.append(CountingPool())
        return pools[-1]

    monkeypatch.setattr(executors, "ProcessPoolExecutor", pool)
    runs = [PlannedRun(run_id, {}) for run_id in range(1000)]
    seen = []
    for outcome in executors.run_all(runs, {}, "staging", workers=3):
        pools[0].outstanding -= 1
        seen.append(outcome.record["run_id"])
    assert sorted(seen) == list(range(1000))
    assert pools[0].most <= executors.IN_FLIGHT_PER_WORKER * 3


def test_a_runs_error_reaches_the_sweep_even_if_it_cannot_be_pickled(monkeypatch):
    """A worker sends back its run's error as text: an exception that does not survive
    pickling (a local class, or one whose __init__ wants other arguments) would otherwise
    break the whole process pool, failing every run as BrokenProcessPool."""
    import pickle

    class Unpicklable(Exception):  # a local class: pickle cannot find it again
        pass

    def broken(*args):
        raise Unpicklable("the simulated world broke")

    monkeypatch.setattr(executors, "execute_run", broken)
    with pytest.raises(executors.RunFailed) as raised:
        executors.execute_described({}, 3, {}, "staging")
    back = pickle.loads(pickle.dumps(raised.value))
    assert "Unpicklable: the simulated world broke" in str(back)
    grid_error = GridError([("params.agents", "must be > 0")])
    assert pickle.loads(pickle.dumps(grid_error)).problems == grid_error.problems


def test_a_grid_reaches_into_a_section_the_file_left_to_its_defaults(cli, tmp_path):
    """No `params:` in the file: the grid's params.agents is set among the resolved defaults."""
    data = {key: value for key, value in SMALL_CONTACT_CENTER.items() if key != "params"}
    data["sweep"] = {"runs": 1, "grid": {"params.agents": [3, 5]}}
    path = tmp_path / "defaults.yaml"
    path.write_text(yaml.safe_dump(data))
    assert cli("validate", path).exit_code == 0
    result = cli("sweep", path, "--out", tmp_path / "out", "--workers", "1")
    assert result.exit_code == 0, result.stderr
