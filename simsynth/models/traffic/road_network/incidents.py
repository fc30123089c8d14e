"""Incident kinds of the road network: their params, label rules and roles."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from simsynth.model import IncidentKind, ParamsModel
from simsynth.units import Duration

LINK_NAMES = (
    "a link 'FROM->TO' after its junctions, e.g. 'r0->r1' (ring), '0,0->0,1' (grid), "
    "'m1->m2' (corridor); the network's params in `simsynth describe traffic.road_network` "
    "say how each kind names its junctions"
)


def _link_name(name: str) -> str:
    """`name` if it has the form 'FROM->TO', else a ValueError saying how links are named."""
    if "->" in name[1:-1]:
        return name
    hint = f"; did you mean '{name.replace('-', '->')}'?" if name.count("-") == 1 else ""
    raise ValueError(f"{name!r} is not a link name{hint} (expected {LINK_NAMES})")


LinkName = Annotated[
    str, AfterValidator(_link_name), Field(json_schema_extra={"pattern": r"^.+->.+$"})
]
"""A link of the road graph as 'FROM->TO'."""
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class AccidentParams(ParamsModel):
    """A crash blocks cells of one or more lanes of a link for a while."""

    duration: Duration = Field(1200.0, gt=0, description="Until the road is cleared.")
    link: LinkName | None = Field(
        None, description=f"Where: {LINK_NAMES}. Default: a random busy link."
    )
    position: Share | None = Field(None, description="Where along the link; default random.")
    lanes: int = Field(1, ge=1, le=8, description="Lanes blocked (at most the link's).")
    cells: int = Field(2, ge=1, le=100, description="Length blocked, in cells of 7.5 m.")


class ClosureParams(ParamsModel):
    """A link is closed: nobody enters it, traffic re-routes around it."""

    duration: Duration = Field(3600.0, gt=0)
    link: LinkName | None = Field(None, description=f"Which: {LINK_NAMES}. Default: a random link.")


class WeatherParams(ParamsModel):
    """Heavy rain or snow over a region: lower speeds, more hesitant drivers."""

    duration: Duration = Field(3600.0, gt=0)
    speed_factor: float = Field(0.6, gt=0, le=1, description="Multiplier of speed limits.")
    slowdown: Share = Field(0.45, description="Random-slowdown probability p inside.")
    center: str | None = Field(
        None, description="Junction at the centre (e.g. 'r0', '2,2', 'm1'); default: all links."
    )
    radius: float = Field(500.0, gt=0, le=1e7, description="Metres around `center`.")


class SignalFailureParams(ParamsModel):
    """A signalised junction fails: dark (all-way stop) or stuck on one phase."""

    duration: Duration = Field(1800.0, gt=0)
    junction: str | None = Field(
        None,
        description="A signalised junction (on a grid with signals, the inner ones, e.g. "
        "'1,1'); default: a random one.",
    )
    mode: Literal["all_way_stop", "stuck"] = Field(
        "all_way_stop",
        description="all_way_stop: one vehicle at a time from a standstill; "
        "stuck: the east-west phase stays green.",
    )


ROLES = ("normal", "involved", "delayed", "affected")
NORMAL, INVOLVED, DELAYED, AFFECTED = range(len(ROLES))

INCIDENT_KINDS = {
    "accident": IncidentKind(
        AccidentParams,
        "Cells of a link are blocked; the vehicles on them crash and leave the road.",
        "the crashed vehicles' trip_end rows (role involved); every later row of a vehicle that "
        "was behind the blockage on that link during the window (role delayed); detector rows "
        "of the link and the links leading into it during the window (role affected).",
    ),
    "closure": IncidentKind(
        ClosureParams,
        "A link is closed; routes through it are recomputed.",
        "every later row of a vehicle re-routed (role affected); detector rows of the link "
        "during the window (role affected).",
    ),
    "weather": IncidentKind(
        WeatherParams,
        "Speed limits drop and drivers slow down at random more often in a region.",
        "rows of vehicles on a link of the region during the window and detector rows of "
        "those links (role affected).",
    ),
    "signal_failure": IncidentKind(
        SignalFailureParams,
        "A signalised junction goes dark (all-way stop) or sticks on one phase.",
        "rows of vehicles on the links into the junction during the window and those "
        "links' detector rows (role affected).",
    ),
}

NEAR_MISS = (
    "a hard_brake row where a vehicle stopped dead within one step from near_miss_speed or "
    "faster, right behind another vehicle (a time to collision under one second before it "
    "braked); each is its own episode with both vehicles as entities; role involved."
)
