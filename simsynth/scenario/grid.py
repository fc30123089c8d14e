"""A scenario's sweep grid: dotted key paths (`params.agents`, `incidents.0.at`) and the values
each takes. Every combination is a scenario of its own.

The grid is counted before any combination is made, bounded (`MAX_POINTS`), and walked one
combination at a time, in the order the grid lists its keys and values.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from simsynth import registry
from simsynth.errors import shown
from simsynth.scenario.problems import written_at
from simsynth.scenario.schema import Scenario, scenario_class
from simsynth.units import bound_text

GridValues = dict[str, Any]

MAX_POINTS = 10_000
"""Most combinations a grid may have; each is checked as fully as a scenario file."""


class GridError(ValueError):
    """Grid keys or values that do not make a valid scenario: (grid key, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{key}: {message}" for key, message in problems))
        self.problems = problems

    def __reduce__(self) -> tuple[type[GridError], tuple[list[tuple[str, str]]]]:
        return GridError, (self.problems,)  # pickled with its problems, not its message


def point_count(scenario: Scenario) -> int:
    """How many combinations the scenario's grid has (1 without a grid)."""
    grid = scenario.sweep.grid if scenario.sweep is not None else {}
    return math.prod(len(values) for values in grid.values())


def grid_points(scenario: Scenario) -> Iterator[GridValues]:
    """The scenario's grid combinations, one at a time, in the order the grid lists its keys
    and values (one empty combination without a grid)."""
    grid = dict(scenario.sweep.grid) if scenario.sweep is not None else {}
    for values in itertools.product(*grid.values()):
        yield dict(zip(grid, values, strict=True))


def scheduled_kinds(scenario: Scenario) -> set[str]:
    """The incident kinds any run of the scenario can schedule: its incidents' and those its
    sweep grid sets (keys `incidents`, `incidents.N` and `incidents.N.kind`)."""
    kinds = {incident.kind for incident in scenario.incidents}
    grid = scenario.sweep.grid if scenario.sweep is not None else {}
    for key, values in grid.items():
        for value in values:
            kinds.update(_grid_kinds(key.split("."), value))
    return kinds


def _grid_kinds(path: list[str], value: Any) -> list[str]:
    """The incident kinds a grid value sets at the key `path` (none for other keys)."""
    if path == ["incidents"]:
        entries = value if isinstance(value, list) else []
    elif len(path) == 2 and path[0] == "incidents":
        entries = [value]
    elif len(path) == 3 and path[0] == "incidents" and path[2] == "kind":
        entries = [{"kind": value}]
    else:
        return []
    return [e["kind"] for e in entries if isinstance(e, Mapping) and isinstance(e.get("kind"), str)]


def setting(values: Mapping[str, Any]) -> str:
    """`params.agents=4, duration='2h'`: a combination, for messages."""
    return ", ".join(f"{key}={value!r}" for key, value in values.items())


def scenario_at(
    scenario: Scenario,
    values: Mapping[str, Any],
    written: Mapping[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> Scenario:
    """`scenario` with each dotted key path in `values` set, validated again (GridError if
    it is not valid). With `written` (the file's own mapping, validated with `context`) the
    values are set there, so they are checked as the file is; otherwise in the scenario's
    JSON form."""
    if not values:
        return scenario
    if written is None:
        data = values_applied(scenario.model_dump(mode="json", exclude={"sweep"}), values)
    else:
        data = values_applied({k: v for k, v in written.items() if k != "sweep"}, values)
    schema = scenario_class(registry.load(scenario.model))
    try:
        checked = schema.model_validate(data, context=context)
        return checked.model_copy(update={"sweep": scenario.sweep})
    except ValidationError as error:
        problems = []
        for found in error.errors():
            where = ".".join(map(str, found["loc"]))
            key = grid_key_of(where, values)
            message = _message(found, data)
            problems.append((key, message if where == key else f"{where}: {message}"))
        raise GridError(problems) from None


def _message(error: ErrorDetails, data: Any) -> str:
    """pydantic's message, or a duration's or rate's bound in the units it was written in."""
    written = written_at(data, tuple(error["loc"]))
    bound = bound_text(error["type"], error.get("ctx", {}), written)
    return error["msg"] if bound is None else f"{shown(written)} is not allowed ({bound})"


def grid_key_of(where: str, values: Mapping[str, Any]) -> str:
    """The grid key that set the dotted key path `where` (or the first grid key)."""
    return next((k for k in values if where == k or where.startswith(k + ".")), next(iter(values)))


def values_applied(scenario_json: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A scenario's JSON form (as a manifest records it) with grid values set: what a run of a
    sweep ran (GridError if a key does not fit)."""
    data = copy.deepcopy(dict(scenario_json))
    for key, value in values.items():
        _set(data, key, value)
    return data


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
