"""The shape every simsynth model has (DESIGN §4).

A model class declares its `Params`, its incident kinds, its event types and the extra event
columns it writes, and runs forward in time with `advance(until)`. It receives everything it
needs in a `RunContext` and emits events to the context's sink; it never touches files.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from simsynth.units import Seconds

if TYPE_CHECKING:
    from simsynth.incidents import Occurrence
    from simsynth.scenario.schema import Incident
    from simsynth.seeding import RunSeeds
    from simsynth.sink import RunRecorder


def dictionary_type() -> pa.DataType:
    """The Arrow type of categorical string columns (`event_type`, `label_kind`, ...)."""
    return pa.dictionary(pa.int32(), pa.string())


class ParamsModel(BaseModel):
    """Base of every params class: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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
