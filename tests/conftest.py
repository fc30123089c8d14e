"""Shared fixtures: writing scenario files and running the CLI in-process."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest
import yaml
from hypothesis import settings
from typer.testing import CliRunner

import simsynth
from simsynth.cli import app

# No Hypothesis test may fail for being slow: a loaded CI machine, or numba compiling a kernel
# inside the first example, exceeds any deadline. Failing is for wrong answers only.
settings.register_profile("simsynth", deadline=None)
settings.load_profile("simsynth")

REPO = Path(__file__).resolve().parents[1]


def unavailable(reason: str) -> NoReturn:
    """Skip a test that this machine cannot run (a missing browser, extra or network address),
    saying why; under CI (`CI` set, as `.ci/run` does) that is a failure instead."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: nothing may be skipped)")
    pytest.skip(reason)


SCENARIOS = sorted((REPO / "scenarios").glob("*.yaml"))

SMALL_CONTACT_CENTER = {
    "name": "small",
    "model": "customers.contact_center",
    "seed": 5,
    "duration": "2h",
    "params": {"agents": 4, "arrival_rate": "60/h", "service_time": "3min", "patience": "4min"},
    "incidents": [
        {"kind": "outage", "at": "30min", "params": {"duration": "20min", "share": 0.5}},
        {"kind": "call_surge", "rate": "1/h", "params": {"duration": "10min", "multiplier": 2}},
    ],
}


def run_model(tmp_path: Path, model: str, scenario: dict, name: str = "run") -> Path:
    """Write `scenario` (name and model filled in) to a file, run it, return the dataset."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"name": name, "model": model, **scenario}))
    out = tmp_path / name
    simsynth.run(path, out=out)
    return out


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """Write a scenario mapping (default: a small contact centre) to a YAML file."""

    def write(data: dict | None = None, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(SMALL_CONTACT_CENTER if data is None else data))
        return path

    return write


@pytest.fixture
def failing_runs(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """`failing_runs(4)`: run 4 of any sweep raises, as a broken world would (workers in this
    process); `failing_runs()` makes every run work again."""
    import simsynth.sweep.executors as executors

    real = executors.execute_run

    def fail(*run_ids: int) -> None:
        def execute(scenario_json, run_id, values, staging_root):  # type: ignore[no-untyped-def]
            if run_id in run_ids:
                raise RuntimeError("the simulated world broke")
            return real(scenario_json, run_id, values, staging_root)

        monkeypatch.setattr(executors, "execute_run", execute)

    return fail


@pytest.fixture
def cli() -> Callable[..., object]:
    """Invoke the CLI in-process; returns typer's Result (exit_code, stdout, stderr)."""
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, [str(a) for a in args])

    return invoke
