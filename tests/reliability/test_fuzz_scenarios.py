"""Fuzzing the shipped scenarios: a mutated file is either refused with located one-line
problems, or it runs. `validate` never accepts what `run` then crashes on.

Hypothesis replaces one to three values of a shipped scenario with nearby or hostile ones
(zero, negative, empty, the wrong type, reversed or zero-based ranges, unit-less or huge
rates), deletes a key or adds an unknown one. An accepted scenario is then built and run for its
first 1/200 (at most ten simulated minutes: every model's start-up and first steps) and its
tables written, in-process.
"""

from __future__ import annotations

import copy
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsynth import registry
from simsynth.errors import ScenarioError
from simsynth.runner import PROGRESS_STEPS, prepare_run
from simsynth.scenario import load_scenario
from simsynth.stores import PartitionStore

START_S = 600.0
"""Simulated seconds an accepted mutant runs: its start-up and first steps, not its whole run."""
SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))
LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<key>\S+): (?P<message>.+)$")
HOSTILE: list[Any] = [
    0,
    -1,
    0.0,
    1,
    0.5,
    1e-9,
    "",
    None,
    True,
    [],
    {},
    "0s",
    "1e9/s",
    "0/h",
    "10y",
    [0],
    [1, 2, 3],
    {"uniform": ["5h", "1h"]},
    {"uniform": [1, 0]},
    {"loguniform": [0, "1h"]},
    {"loguniform": [0, 1]},
    {"choice": []},
    {"poisson": 0},
    "x" * 300,
]


def leaves(data: Any, path: tuple = ()) -> list[tuple]:
    """Every key path to a value in a scenario's data (mappings and lists alike)."""
    found = [path] if path else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += leaves(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += leaves(value, (*path, index))
    return found


def value_at(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def mutated(data: dict, path: tuple, change: str, value: Any) -> dict:
    copied = copy.deepcopy(data)
    parent = copied
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if change == "delete" and isinstance(parent, dict):
        del parent[last]
    elif change == "unknown" and isinstance(parent, dict):
        parent[f"{last}_x"] = value
    else:
        parent[last] = value
    return copied


def near(value: Any) -> st.SearchStrategy[Any]:
    """Values of the same kind as `value` that a user might plausibly write instead."""
    if isinstance(value, bool):
        return st.sampled_from([not value, value])
    if isinstance(value, int | float):
        return st.sampled_from([0, 1, 2, -value, value * 3, value / 3, type(value)(value * 0.5)])
    if isinstance(value, str) and "/" in value:
        return st.sampled_from(["0/h", "1/d", "1e9/s", "30/min", value.split("/")[0]])
    if isinstance(value, str) and value[:1].isdigit():
        return st.sampled_from(["0s", "1s", "90s", "1d", "400d", value.rstrip("smindh")])
    if isinstance(value, list):
        return st.sampled_from([[], value[:1], value * 2, value[::-1]])
    if value in ("ring", "grid", "corridor", "exponential", "lognormal"):
        return st.sampled_from(["ring", "grid", "corridor", "exponential", "lognormal"])
    return st.sampled_from(HOSTILE)


@st.composite
def mutants(draw) -> tuple[str, bytes]:
    file = draw(st.sampled_from(SCENARIOS))
    data = yaml.safe_load(file.read_text())
    for _ in range(draw(st.integers(1, 3))):
        change = draw(st.sampled_from(["near"] * 5 + ["replace", "replace", "delete", "unknown"]))
        paths = leaves(data)
        if change == "near":
            paths = [path for path in paths if not isinstance(value_at(data, path), dict)]
        path = draw(st.sampled_from(paths))
        old = value_at(data, path)
        value = draw(near(old) if change == "near" else st.sampled_from(HOSTILE))
        data = mutated(data, path, change, value)
    return file.name, yaml.safe_dump(data, sort_keys=False).encode()


def run_the_start(scenario, root: Path) -> None:
    """Build the model, run its first 1/200 (at most `START_S`) and write its tables."""
    model_class, context = prepare_run(scenario, 0, PartitionStore(root, 0))
    try:
        model = model_class(context)
        model.advance(min(scenario.duration / PROGRESS_STEPS, START_S))
    except BaseException:
        context.recorder.abort()
        raise
    context.recorder.close(model.entities())


@pytest.mark.filterwarnings("ignore")
@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutants())
def test_a_mutated_shipped_scenario_is_refused_cleanly_or_runs(case):
    name, content = case
    with tempfile.TemporaryDirectory() as workdir:
        file = Path(workdir) / name
        file.write_bytes(content)
        try:
            scenario = load_scenario(file)
        except ScenarioError as error:
            lines = error.lines()
            assert lines
            for line in lines:
                match = LINE.match(line)
                assert match and match["file"] == str(file), line
                assert len(line) < 1200, line
            return
        assert scenario.model in registry.entries()
        run_the_start(scenario, Path(workdir) / "data")
