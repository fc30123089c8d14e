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
from simsynth.units import UNIT_ERRORS, bound_text, units_context

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
    scenario: Scenario, values: Mapping[str, Any], *, check_units: bool = False
) -> Scenario:
    """`scenario` with each dotted key path in `values` set in what its file wrote (a section
    the file left out takes its resolved defaults), validated again (GridError if it is not
    valid). With `check_units` (as `validate` does) a bare number the grid gives a duration or
    a rate is an error, as it is in the file."""
    if not values:
        return scenario
    resolved = scenario.model_dump(mode="json", exclude={"sweep"})
    data = values_applied(written_json(scenario, exclude={"sweep"}), values, resolved)
    schema = scenario_class(registry.load(scenario.model))
    if check_units:
        _check_units(schema, data, values)
    try:
        checked = schema.model_validate(data)
        return checked.model_copy(update={"sweep": scenario.sweep})
    except ValidationError as error:
        raise GridError([_grid_problem(found, data, values) for found in error.errors()]) from None


def _check_units(schema: type[Scenario], data: Any, values: Mapping[str, Any]) -> None:
    """GridError for the grid's bare numbers where a duration or rate needs its unit (the
    resolved defaults around them are plain seconds, and are not the grid's to answer for)."""
    try:
        schema.model_validate(data, context=units_context())
    except ValidationError as error:
        problems = [
            _grid_problem(found, data, values)
            for found in error.errors()
            if found["type"] in UNIT_ERRORS and _set_by_grid(found, values)
        ]
        if problems:
            raise GridError(problems) from None


def _set_by_grid(error: ErrorDetails, values: Mapping[str, Any]) -> bool:
    where = ".".join(map(str, error["loc"]))
    return any(where == key or where.startswith(key + ".") for key in values)


def _grid_problem(error: ErrorDetails, data: Any, values: Mapping[str, Any]) -> tuple[str, str]:
    """(the grid key that set it, the message naming the key path if it is deeper)."""
    where = ".".join(map(str, error["loc"]))
    key = grid_key_of(where, values)
    message = _message(error, data)
    return key, message if where == key else f"{where}: {message}"


def _message(error: ErrorDetails, data: Any) -> str:
    """pydantic's message, or a duration's or rate's bound in the units it was written in."""
    written = written_at(data, tuple(error["loc"]))
    bound = bound_text(error["type"], error.get("ctx", {}), written)
    return error["msg"] if bound is None else f"{shown(written)} is not allowed ({bound})"


def written_json(scenario: Scenario, exclude: set[str] | None = None) -> dict[str, Any]:
    """The scenario's JSON form with only what its file wrote (defaults left out): what grid
    values are set in, so that a grid giving an incident another kind does not carry the old
    kind's defaults along. Validated again, it is the same scenario."""
    return scenario.model_dump(mode="json", exclude_unset=True, exclude=exclude)


def grid_key_of(where: str, values: Mapping[str, Any]) -> str:
    """The grid key that set the dotted key path `where` (or the first grid key)."""
    return next((k for k in values if where == k or where.startswith(k + ".")), next(iter(values)))


def values_applied(
    scenario_json: Mapping[str, Any],
    values: Mapping[str, Any],
    defaults: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A scenario's JSON form (as a manifest records it) with grid values set: what a run of a
    sweep ran (GridError if a key does not fit). A section `scenario_json` lacks is copied
    from `defaults` (the resolved form), if given."""
    data = copy.deepcopy(dict(scenario_json))
    for key, value in values.items():
        _set(data, key, value, defaults)
    return data


def _set(data: Any, key: str, value: Any, defaults: Any = None) -> None:
    """Set the dotted `key` of a scenario's JSON form (sections it lacks from `defaults`)."""
    *parents, last = key.split(".")
    target, fallback = data, defaults
    for part in parents:
        target, fallback = _step(target, part, key, fallback)
        if not isinstance(target, dict | list):
            raise GridError([(key, f"{part!r} is a value, not a section of the scenario")])
    if isinstance(target, list):
        target[_index(target, last, key)] = value
    else:
        target[last] = value


def _step(target: Any, part: str, key: str, fallback: Any) -> tuple[Any, Any]:
    """The section `part` of `target`, and of its `fallback` (copied in if `target` lacks it)."""
    if isinstance(target, list):
        index = _index(target, part, key)
        within = isinstance(fallback, list) and index < len(fallback)
        return target[index], fallback[index] if within else None
    fallback = fallback.get(part) if isinstance(fallback, dict) else None
    if part not in target:
        if fallback is None:
            raise GridError([(key, f"{part!r} is not a key of the scenario here")])
        target[part] = copy.deepcopy(fallback)
    return target[part], fallback


def _index(target: list[Any], part: str, key: str) -> int:
    if part.isdigit() and int(part) < len(target):
        return int(part)
    raise GridError([(key, f"{part!r} is not an index of this list of {len(target)}")])
