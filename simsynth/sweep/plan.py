"""A sweep's runs: every grid combination times `runs` seeds, each a run id.

Run `k` takes the `k`-th child of the scenario's `SeedSequence` (`RunSeeds(seed, k)`), so its
output depends on nothing but the scenario and `k`. Grid combinations are taken in the order
the grid lists its keys and values; run ids count through the seeds of the first combination,
then of the next.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simsynth import registry
from simsynth.errors import ScenarioError
from simsynth.scenario import Scenario
from simsynth.scenario.schema import scenario_class
from simsynth.scenario.source import read_source

GridValues = dict[str, Any]


@dataclass(frozen=True)
class PlannedRun:
    """One run of a sweep: its id and the grid values it sets."""

    run_id: int
    values: GridValues


def plan_runs(scenario: Scenario, runs: int | None = None) -> list[PlannedRun]:
    """The runs of `scenario`'s sweep (`runs` replaces its `sweep.runs`)."""
    sweep = scenario.sweep
    per_point = runs if runs is not None else (sweep.runs if sweep is not None else 1)
    return [
        PlannedRun(run_id=index * per_point + replicate, values=point)
        for index, point in enumerate(grid_points(scenario))
        for replicate in range(per_point)
    ]


def grid_points(scenario: Scenario) -> list[GridValues]:
    """The scenario's grid combinations, in the order the grid lists its keys and values (one
    empty combination without a grid)."""
    grid = dict(scenario.sweep.grid) if scenario.sweep is not None else {}
    return [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]


class GridError(ValueError):
    """Grid keys or values that do not make a valid scenario: (grid key, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{key}: {message}" for key, message in problems))
        self.problems = problems


def scenario_at(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """`scenario` with each dotted key path in `values` set (e.g. `params.agents`,
    `incidents.0.params.share`), validated again (GridError if it is not valid)."""
    if not values:
        return scenario
    data = values_applied(scenario.model_dump(mode="json", exclude={"sweep"}), values)
    schema = scenario_class(registry.load(scenario.model))
    try:
        return schema.model_validate(data).model_copy(update={"sweep": scenario.sweep})
    except ValidationError as error:
        setting = ", ".join(f"{k}={v!r}" for k, v in values.items())
        problems = []
        for found in error.errors():
            where = ".".join(map(str, found["loc"]))
            key = next((k for k in values if where.startswith(k)), next(iter(values)))
            problems.append((key, f"{where}: {found['msg']} (with {setting})"))
        raise GridError(problems) from None


def values_applied(scenario_json: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A scenario's JSON form (as a manifest records it) with grid values set: what a run of a
    sweep ran (GridError if a key does not fit)."""
    data = copy.deepcopy(dict(scenario_json))
    for key, value in values.items():
        _set(data, key, value)
    return data


def check_grid(scenario: Scenario, file: Path) -> None:
    """Validate every grid combination before anything runs: ScenarioError with the file and
    line of the grid key otherwise."""
    found: dict[tuple[str, str], None] = {}
    for run in plan_runs(scenario, runs=1):
        try:
            scenario_at(scenario, run.values)
        except GridError as error:
            found.update(dict.fromkeys(error.problems))
    if found:
        source = read_source(file)
        raise ScenarioError([source.problem(("sweep", "grid", key), message)
                             for key, message in found])  # fmt: skip


def _set(data: Any, key: str, value: Any) -> None:
    """Set the dotted `key` of a scenario's JSON form."""
    *parents, last = key.split(".")
    target = data
    for part in parents:
        target = _step(target, part, key)
        if not isinstance(target, dict | list):
            raise GridError([(key, f"{part!r} is a value, not a section of the scenario")])
    if isinstance(target, list):
        target[_index(target, last, key)] = value
    else:
        target[last] = value


def _step(target: Any, part: str, key: str) -> Any:
    if isinstance(target, list):
        return target[_index(target, part, key)]
    if part not in target:
        raise GridError([(key, f"{part!r} is not a key of the scenario here")])
    return target[part]


def _index(target: list[Any], part: str, key: str) -> int:
    if part.isdigit() and int(part) < len(target):
        return int(part)
    raise GridError([(key, f"{part!r} is not an index of this list of {len(target)}")])
