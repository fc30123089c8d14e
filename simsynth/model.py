"""The shape every simsynth model has (DESIGN §4).

A model class declares its `Params`, its incident kinds, its event types and the extra event
columns it writes, and runs forward in time with `advance(until)`. It receives everything it
needs in a `RunContext` and emits events to the context's sink; it never touches files.
"""

from __future__ import annotations

import types
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Union, get_args, get_origin

import pyarrow as pa
from pydantic import (
    BaseModel,
    ConfigDict,
    ModelWrapValidatorHandler,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from simsynth.units import Seconds

if TYPE_CHECKING:
    from simsynth.incidents import Occurrence
    from simsynth.scenario.schema import Incident
    from simsynth.seeding import RunSeeds
    from simsynth.sink import RunRecorder


def dictionary_type() -> pa.DataType:
    """The Arrow type of categorical string columns (`event_type`, `label_kind`, ...)."""
    return pa.dictionary(pa.int32(), pa.string())


def _takes_numbers(annotation: Any) -> bool:
    """Whether a field's annotation is a number (int, float), an optional one or a list of them."""
    if annotation in (int, float):
        return True
    if get_origin(annotation) in (Union, types.UnionType, Annotated, tuple, list):
        return any(_takes_numbers(arg) for arg in get_args(annotation) if arg is not Ellipsis)
    return False


NOT_A_NUMBER = PydanticCustomError("bool_number", "true/false is not a number")


def _same_error(error: ErrorDetails) -> PydanticCustomError:
    """A pydantic error raised again as it was (type, message, context)."""
    context = error.get("ctx") if "{" not in error["msg"] else None
    return PydanticCustomError(error["type"], error["msg"], context)


class UserInput(BaseModel):
    """Base of what is read from a user's file: unknown keys are errors, values are immutable,
    and `true`/`false` is never taken for a number (pydantic would read `seed: true` as 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="wrap")
    @classmethod
    def _no_booleans_for_numbers(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        if not isinstance(data, dict):
            return handler(data)
        flagged = {
            name: value
            for name, value in data.items()
            if name in cls.model_fields
            and any(isinstance(v, bool) for v in (value if isinstance(value, list) else [value]))
            and _takes_numbers(cls.model_fields[name].annotation)
        }
        if not flagged:
            return handler(data)
        errors = [
            InitErrorDetails(type=NOT_A_NUMBER, loc=(name,), input=value)
            for name, value in flagged.items()
        ]
        try:  # the other keys' problems too, every one reported at once
            handler({name: value for name, value in data.items() if name not in flagged})
        except ValidationError as error:
            errors += [
                InitErrorDetails(type=_same_error(e), loc=e["loc"], input=e["input"])
                for e in error.errors()
                if not (e["type"] == "missing" and e["loc"][:1] in {(n,) for n in flagged})
            ]
        raise ValidationError.from_exception_data(cls.__name__, errors)


class ParamsModel(UserInput):
    """Base of every params class: unknown keys are errors, values are immutable."""


@dataclass(frozen=True)
class Column:
    """An extra event column a model writes; float NaN is written as null."""

    name: str
    type: pa.DataType
    doc: str
    categories: tuple[str, ...] = ()
    """For dictionary columns: the category names; the model emits their integer codes."""


def with_categories(
    columns: tuple[Column, ...], name: str, categories: Sequence[str]
) -> tuple[Column, ...]:
    """`columns` with the dictionary column `name` given these category names (for columns
    whose categories come from a run's params, e.g. merchant categories or approaches)."""
    names = tuple(categories)
    return tuple(replace(c, categories=names) if c.name == name else c for c in columns)


@dataclass(frozen=True)
class IncidentKind:
    """A rare-event kind a model can inject, and which events its episodes label."""

    params: type[ParamsModel]
    doc: str
    labels: str


@dataclass(frozen=True)
class RunCost:
    """What an event of a model costs, measured on its shipped scenarios (see
    `simsynth.estimate`): Parquet bytes, and events written per second of wall time."""

    bytes_per_event: float = 20.0
    events_per_second: float = 200_000.0


@dataclass(frozen=True)
class RunContext:
    """What a model gets to run: validated params, scheduled incidents, seeds and a sink."""

    params: ParamsModel
    duration: Seconds
    occurrences: tuple[Occurrence, ...]
    seeds: RunSeeds
    recorder: RunRecorder
    start: datetime | None = None


class SimModel(ABC):
    """Mixin declaring a simsynth model; Mesa models also subclass `mesa.Model`.

    Mesa models leave `step()` undefined and call their own time step something else (`tick`):
    the live view derives a class whose `step()` advances one view step for Mesa's
    `SolaraViz` (`simsynth.view.live`), and `advance` must not call back into it."""

    key: ClassVar[str]
    """Registry key, `<domain>.<name>`."""
    summary: ClassVar[str]
    """One line: what the model simulates."""
    Params: ClassVar[type[ParamsModel]]
    incident_kinds: ClassVar[dict[str, IncidentKind]]
    event_types: ClassVar[tuple[str, ...]]
    columns: ClassVar[tuple[Column, ...]]
    reference: ClassVar[str] = ""
    """The published result the model is validated against."""
    emergent_kinds: ClassVar[dict[str, str]] = {}
    """Label kinds the model detects in its own dynamics rather than being told to inject
    (e.g. a near miss), with how it detects them; scenarios cannot schedule them."""
    tables: ClassVar[dict[str, tuple[Column, ...]]] = {}
    """Auxiliary tables streamed beside the events (name -> columns after `time`)."""
    overview: ClassVar[str] = ""
    """"module:function" drawing the model's overview figures of a finished run (see
    `simsynth.figures`); empty for none. Kept apart so that running never imports matplotlib."""
    views: ClassVar[str] = ""
    """"module:function" returning the model's panels for the browser views (see
    `simsynth.view.panels`); empty for none."""

    cost: ClassVar[RunCost] = RunCost()
    """What an event costs in bytes and time, for size estimates before a run."""

    @classmethod
    def expected_event_rate(cls, params: ParamsModel) -> float | None:
        """Events a run with these params writes per simulated second, roughly (None: the
        model cannot tell); with `cost` it estimates a run's size before it runs."""
        return None

    @classmethod
    def event_columns(cls, params: ParamsModel) -> tuple[Column, ...]:
        """The extra columns of a run with these params (default: `columns`)."""
        return cls.columns

    @classmethod
    def check_scenario(
        cls, params: ParamsModel, incidents: Sequence[Incident]
    ) -> list[tuple[tuple[str | int, ...], str]]:
        """Problems that need the model's knowledge of its world (e.g. an incident naming a
        road that does not exist), as (key path in the scenario, message); default none."""
        return []

    @classmethod
    def scenario_warnings(
        cls, params: ParamsModel, incidents: Sequence[Incident]
    ) -> list[tuple[tuple[str | int, ...], str]]:
        """What will run but may not do what the scenario's author expects (e.g. a queue
        offered more work than it can serve), as (key path, message); default none.
        `validate` and `run` print them; they never stop a run."""
        return []

    @abstractmethod
    def advance(self, until: Seconds) -> None:
        """Run the simulation forward to simulated time `until` (seconds)."""

    def finish(self) -> None:  # noqa: B027 - optional hook
        """Called once after the last `advance`: close open episodes, emit final rows."""

    def flush(self) -> None:  # noqa: B027 - optional hook
        """Hand every row the model buffers itself to the recorder (the live view calls it
        after each step, to show what happened so far)."""

    def entities(self) -> pa.Table | None:
        """Static attributes of the run's entities, one row per `entity_id` (optional)."""
        return None
