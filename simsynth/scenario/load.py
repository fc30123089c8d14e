"""Loading a scenario file: YAML, then the envelope, then the named model's own schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter, ValidationError

from simsynth import registry
from simsynth.errors import Problem, ScenarioError
from simsynth.scenario.draws import RandomTime
from simsynth.scenario.problems import problems_from_errors
from simsynth.scenario.schema import Scenario, scenario_class
from simsynth.scenario.source import Source, read_source
from simsynth.units import Seconds


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Raises:
        ScenarioError: with one `FILE:LINE: key: message` problem per thing wrong in the file.
    """
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
        context = {"scenario_dir": Path(source.file).resolve().parent}
        scenario = schema.model_validate(source.data, context=context)
    except ValidationError as error:
        problems += problems_from_errors(error.errors(), source, schema)
        raise ScenarioError(sorted(problems, key=lambda p: p.line)) from None
    problems += _cross_checks(scenario, source)
    if model is not None and not problems:
        for key_path, message in model.check_scenario(scenario.params, scenario.incidents):
            problems.append(source.problem(key_path, message))
    if problems:
        raise ScenarioError(problems)
    return scenario


def _cross_checks(scenario: Scenario, source: Source) -> list[Problem]:
    """Rules that involve several keys; run once every key is valid on its own."""
    problems = []
    if scenario.duration <= 0:
        problems.append(source.problem(("duration",), "a run needs a duration > 0"))
    for index, incident in enumerate(scenario.incidents):
        loc = ("incidents", index)
        if (incident.at is None) == (incident.rate is None):
            problems.append(
                source.problem(
                    loc, "give exactly one of `at` (a start time) or `rate` (episodes per time)"
                )
            )
        elif incident.at is not None and latest_start(incident.at) >= scenario.duration:
            problems.append(
                source.problem(
                    (*loc, "at"),
                    f"starts at {latest_start(incident.at):g}s, not before the end of the run "
                    f"(allowed: 0 <= at < duration = {scenario.duration:g}s)",
                )
            )
    return problems


def latest_start(at: Seconds | RandomTime) -> Seconds:
    """The latest time an incident's `at` can start it."""
    return at.latest if isinstance(at, RandomTime) else at


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
