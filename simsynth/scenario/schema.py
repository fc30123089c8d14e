"""The scenario file format (DESIGN §2) as pydantic models.

`Scenario` is the envelope every file shares. `scenario_class(model)` specialises it for one
registered model: `params` becomes the model's `Params` and each incident a tagged union over
the model's incident kinds, so one validation pass reports every problem in the file.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, Field, create_model
from pydantic_core import PydanticCustomError

from simsynth.errors import shown
from simsynth.model import ParamsModel, SimModel, UserInput
from simsynth.scenario.draws import RandomDuration, randomisable
from simsynth.units import Duration, Rate

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
MAX_SEED = 2**63 - 1
MAX_RUNS = 100_000
"""Most runs one sweep or training set holds (its manifest lists each run and file)."""


def _date_and_time(value: Any) -> Any:
    """A start written as a date and time, never a number (pydantic reads 12345 as 1970)."""
    if isinstance(value, int | float):
        raise PydanticCustomError(
            "start_format", f"{shown(value)} is not a date and time (e.g. 2026-03-02 08:00:00)"
        )
    return value


class Strict(UserInput):
    """Base of scenario sections: unknown keys are errors."""


class Output(Strict):
    """Where and what a run writes."""

    dir: Path | None = Field(None, description="Dataset directory; default out/<name>.")
    plots: bool = Field(False, description="Also write figures under plots/.")


class Sweep(Strict):
    """Many runs from one file (run by `simsynth sweep`)."""

    runs: int = Field(1, ge=1, le=MAX_RUNS, description="Runs per grid point; seeds derived.")
    grid: dict[str, list[Any]] = Field(
        default_factory=dict, description="Dotted key path -> values to try, e.g. params.agents."
    )


class Incident(Strict):
    """One injected rare event: a fixed time (`at`) or a Poisson stream (`rate`)."""

    kind: str = Field(description="One of the model's incident kinds.")
    at: RandomDuration | None = Field(
        None, description="Start time since the scenario start, or a distribution of them."
    )
    rate: Rate | None = Field(None, description="Episodes per unit of time, e.g. '0.2/d'.")
    params: dict[str, Any] = Field(default_factory=dict, description="The kind's parameters.")


class Scenario(Strict):
    """A world to simulate: model, parameters, duration, seed, incidents, output."""

    name: str = Field(pattern=NAME_PATTERN, max_length=120, description="Short identifier.")
    description: str = ""
    model: str = Field(description="Registry key <domain>.<model>; see `simsynth list`.")
    seed: int = Field(0, ge=0, le=MAX_SEED, description="Root of every random stream.")
    start: Annotated[datetime | None, BeforeValidator(_date_and_time)] = Field(
        None, description="Wall-clock start; adds a `timestamp` column = start + time."
    )
    duration: Duration = Field(description="Simulated time to run, e.g. '8h'.")
    params: Any = Field(default_factory=dict, description="The model's parameters.")
    incidents: list[Incident] = Field(default_factory=list)
    output: Output = Field(default_factory=Output)
    sweep: Sweep | None = None

    @property
    def output_dir(self) -> Path:
        """The dataset directory: `output.dir`, or `out/<name>`."""
        return self.output.dir if self.output.dir is not None else Path("out") / self.name


def _has_defaults(params: type[BaseModel]) -> bool:
    return all(not field.is_required() for field in params.model_fields.values())


def _params_field(params: type[ParamsModel], doc: str) -> Any:
    if _has_defaults(params):
        return (params, Field(default_factory=params, description=doc))
    return (params, Field(description=doc))


def _class_name(key: str) -> str:
    return "".join(part.title() for part in key.replace(".", "_").split("_"))


@cache
def scenario_class(model: type[SimModel]) -> type[Scenario]:
    """The `Scenario` envelope specialised to one model's params and incident kinds."""
    prefix = _class_name(model.key)
    kinds = [
        create_model(
            f"{prefix}{_class_name(kind)}Incident",
            __base__=Incident,
            __doc__=spec.doc,
            kind=(Literal[kind], Field(description=spec.doc)),
            params=_params_field(
                randomisable(spec.params),
                f"Parameters of `{kind}`; any may be a distribution drawn per episode "
                "({uniform: [a, b]}, {loguniform: [a, b]}, {choice: [...]}, {poisson: m}).",
            ),
        )
        for kind, spec in model.incident_kinds.items()
    ]
    if kinds:
        incident: Any = Annotated[Union[tuple(kinds)], Field(discriminator="kind")]  # noqa: UP007
        incidents = (list[incident], Field(default_factory=list))
    else:
        incidents = (list[Incident], Field(default_factory=list, max_length=0))
    return create_model(
        f"{prefix}Scenario",
        __base__=Scenario,
        __doc__=f"Scenario of `{model.key}`: {model.summary}",
        model=(Literal[model.key], Field(description=model.summary)),
        params=_params_field(model.Params, f"Parameters of `{model.key}`."),
        incidents=incidents,
    )
