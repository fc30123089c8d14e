"""Loading a scenario file: YAML, then the envelope, then the named model's own schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter, ValidationError

from simsynth import registry
from simsynth.errors import Problem, ScenarioError
from simsynth.incidents import MAX_EXPECTED_EPISODES
from simsynth.scenario.draws import RandomTime
from simsynth.scenario.grid import (
    MAX_POINTS,
    GridError,
    grid_key_of,
    grid_points,
    point_count,
    scenario_at,
    setting,
)
from simsynth.scenario.problems import problems_from_errors
from simsynth.scenario.schema import MAX_RUNS, Scenario, scenario_class
from simsynth.scenario.source import Source, read_source
from simsynth.units import Seconds, duration_text, units_context


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Raises:
        ScenarioError: with one `FILE:LINE: key: message` problem per thing wrong in the file.
    """
    return load_scenario_and_warnings(path)[0]


def load_scenario_and_warnings(path: str | Path) -> tuple[Scenario, list[Problem]]:
    """`load_scenario`, and the warnings about what will run but may not do what its author
    expects (the model's `scenario_warnings`), each `FILE:LINE: key: warning: ...`."""
    source = read_source(path)
    model_key = source.data.get("model")
    model = None
    problems: list[Problem] = []
    if isinstance(model_key, str) and model_key in registry.entries():
        model = registry.load(model_key)
        schema: type[Scenario] = scenario_class(model)
    else:
        schema = Scenario
        if isinstance(model_key, str):
            problems.append(source.problem(("model",), registry.unknown_model_message(model_key)))
    try:
        # files a scenario names (e.g. a road graph) are relative to the scenario's folder
        context = units_context(scenario_dir=Path(source.file).resolve().parent)
        scenario = schema.model_validate(source.data, context=context)
    except ValidationError as error:
        problems += problems_from_errors(error.errors(), source, schema)
        raise ScenarioError(sorted(problems, key=lambda p: p.line)) from None
    problems += [source.problem(loc, message) for loc, message in scenario_problems(scenario)]
    grid_warnings: list[Problem] = []
    if not problems:
        grid_problems, grid_warnings = _grid_checks(scenario, source)
        problems += grid_problems
    if problems:
        raise ScenarioError(problems)
    warnings = [
        source.problem(loc, f"warning: {text}") for loc, text in scenario_warnings(scenario)
    ]
    return scenario, warnings + grid_warnings


KeyProblem = tuple[tuple[str | int, ...], str]
"""A problem at a key path of the scenario: (key path, message)."""

MAX_GRID_PROBLEMS = 10
"""Grid combinations reported before the check stops."""


def scenario_problems(scenario: Scenario) -> list[KeyProblem]:
    """What is wrong with a scenario whose keys are each valid: rules over several keys, then
    (if those hold) the model's own checks."""
    problems = _cross_checks(scenario)
    if not problems and scenario.model in registry.entries():
        model = registry.load(scenario.model)
        problems += model.check_scenario(scenario.params, scenario.incidents)
    return problems


def scenario_warnings(scenario: Scenario) -> list[KeyProblem]:
    """What will run but may not do what the scenario's author expects: the model's
    `scenario_warnings` (add warnings that need no model's knowledge here)."""
    model = registry.load(scenario.model)
    return model.scenario_warnings(scenario.params, scenario.incidents)


def _cross_checks(scenario: Scenario) -> list[KeyProblem]:
    """Rules that involve several keys; run once every key is valid on its own."""
    problems: list[KeyProblem] = []
    if scenario.duration <= 0:
        problems.append((("duration",), "a run needs a duration > 0"))
    for index, incident in enumerate(scenario.incidents):
        loc: tuple[str | int, ...] = ("incidents", index)
        if (incident.at is None) == (incident.rate is None):
            message = "give exactly one of `at` (a start time) or `rate` (episodes per time)"
            problems.append((loc, message))
        elif incident.at is not None and latest_start(incident.at) >= scenario.duration:
            problems.append(((*loc, "at"), _late_start(incident.at, scenario.duration)))
    expected = [(incident.rate or 0.0) * scenario.duration for incident in scenario.incidents]
    if sum(expected) > MAX_EXPECTED_EPISODES:
        most = max(range(len(expected)), key=expected.__getitem__)
        message = (
            f"the incidents' rates make about {sum(expected):,.0f} episodes a run; at most "
            f"{MAX_EXPECTED_EPISODES:,} are scheduled (incidents are rare events: lower the "
            "rate or shorten the run)"
        )
        problems.append((("incidents", most, "rate"), message))
    return problems


def _grid_checks(scenario: Scenario, source: Source) -> tuple[list[Problem], list[Problem]]:
    """Every combination of the sweep grid checked as fully as the file itself, in one pass:
    (problems, warnings the file itself does not have), each at the line of the grid key that
    caused it (a warning with the first combination that has it; at most `MAX_GRID_PROBLEMS`
    of each)."""
    count = point_count(scenario)
    if count > MAX_POINTS:
        message = f"{count:,} combinations; a grid has at most {MAX_POINTS:,}"
        return [source.problem(("sweep", "grid"), message)], []
    runs = count * (scenario.sweep.runs if scenario.sweep is not None else 1)
    if runs > MAX_RUNS:
        each = runs // count
        message = f"{count:,} combinations x {each:,} runs is {runs:,} runs; at most {MAX_RUNS:,}"
        return [source.problem(("sweep", "runs"), message)], []
    own_warnings = set(scenario_warnings(scenario))
    found: dict[tuple[str, str], None] = {}
    warned: dict[tuple[str, str], str] = {}
    for values in grid_points(scenario):
        if not values:
            break
        try:
            combined = scenario_at(scenario, values, check_units=True)
        except GridError as error:
            wrong = error.problems
        else:
            wrong = [_at_grid_key(loc, text, values) for loc, text in scenario_problems(combined)]
            if len(warned) < MAX_GRID_PROBLEMS:
                for loc, text in scenario_warnings(combined):
                    if (loc, text) not in own_warnings:
                        warned.setdefault(_at_grid_key(loc, text, values), setting(values))
        for key, message in wrong:
            found[(key, f"{message} (with {setting(values)})")] = None
        if len(found) >= MAX_GRID_PROBLEMS:
            break
    problems = [source.problem(("sweep", "grid", key), message) for key, message in found]
    if len(found) >= MAX_GRID_PROBLEMS:
        problems.append(source.problem(("sweep", "grid"), "more combinations were not checked"))
    warnings = [
        source.problem(("sweep", "grid", key), f"warning: {message} (with {where})")
        for (key, message), where in warned.items()
    ]
    return problems, warnings


def _at_grid_key(
    loc: tuple[str | int, ...], message: str, values: dict[str, Any]
) -> tuple[str, str]:
    """A combination's problem as (the grid key that set it, message naming the key path)."""
    where = ".".join(map(str, loc))
    key = grid_key_of(where, values)
    return key, message if where == key else f"{where}: {message}"


def latest_start(at: Seconds | RandomTime) -> Seconds:
    """The latest time an incident's `at` can start it."""
    return at.latest if isinstance(at, RandomTime) else at


def _late_start(at: Seconds | RandomTime, duration: Seconds) -> str:
    """Why an incident starting (at the latest) at `at` does not fit a run of `duration`."""
    end = f"not before the run ends (duration {duration_text(duration)})"
    if not isinstance(at, RandomTime):
        return f"starts at {duration_text(at)}, {end}"
    written = at.form.extremes()[at.ends.index(at.latest)]
    latest = written.strip() if isinstance(written, str) else duration_text(at.latest)
    return f"can start at {latest}, {end}"


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema of scenario files for every registered model."""
    classes = tuple(scenario_class(registry.load(key)) for key in registry.entries())
    union: Any = classes[0] if len(classes) == 1 else _tagged_union(classes)
    schema = TypeAdapter(union).json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema.setdefault("title", "simsynth scenario")
    return json.loads(json.dumps(schema))


def _tagged_union(classes: tuple[type[Scenario], ...]) -> Any:
    return Annotated[Union[classes], Field(discriminator="model")]  # noqa: UP007
