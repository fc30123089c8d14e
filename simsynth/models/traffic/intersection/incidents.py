"""The intersection's incident kinds, their parameters and which vehicles their episodes label."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from simsynth.model import IncidentKind, ParamsModel
from simsynth.models.traffic.intersection.params import NAME_PATTERN
from simsynth.units import Duration


class SignalFailureParams(ParamsModel):
    """The signal controller fails for a while."""

    duration: Duration = Field(1800.0, gt=0, description="How long the signal is out.")
    mode: Literal["flashing_red", "stuck_phase"] = Field(
        "flashing_red",
        description="flashing_red: an all-way stop, one vehicle at a time through the junction; "
        "stuck_phase: the phase showing green (or next to) keeps it, the others wait.",
    )
    stop_headway: Duration = Field(
        4.0,
        gt=0,
        le=60,
        description="flashing_red: seconds between vehicles entering the junction, from any "
        "approach (all-way-stop departure headways are about 4-6 s).",
    )


class LaneClosureParams(ParamsModel):
    """Lanes of one approach closed for a while (works, a breakdown)."""

    duration: Duration = Field(3600.0, gt=0, description="How long the lanes are closed.")
    approach: str | None = Field(
        None,
        pattern=NAME_PATTERN,
        description="The approach losing lanes; empty = the first in params.approaches.",
    )
    lanes: int = Field(
        1, ge=1, le=7, description="Lanes closed (the highest-numbered); one must stay open."
    )


SIGNAL_FAILURE_LABELS = (
    "vehicles arriving on any approach during [at, at + duration) carry the episode's label "
    "and role `affected` on their arrival and depart rows; when windows overlap, the episode "
    "that started last wins. The episode's entities are those vehicles."
)
LANE_CLOSURE_LABELS = (
    "vehicles arriving on the closed approach during [at, at + duration) carry the episode's "
    "label and role `affected` on their arrival and depart rows; other approaches are not "
    "labelled. When windows overlap, the episode that started last wins. The episode's "
    "entities are those vehicles."
)

INCIDENT_KINDS: dict[str, IncidentKind] = {
    "signal_failure": IncidentKind(
        SignalFailureParams,
        "The signal fails: an all-way stop (flashing red) or a phase stuck on green.",
        SIGNAL_FAILURE_LABELS,
    ),
    "lane_closure": IncidentKind(
        LaneClosureParams,
        "An approach loses lanes to new arrivals, so its saturation flow drops.",
        LANE_CLOSURE_LABELS,
    ),
}
