"""Parameters of a signalised intersection: its approaches, their demand and its signal plan.

Defaults describe a four-arm junction of two-lane approaches under a two-phase fixed-time plan
(north-south, then east-west) in moderate traffic; every part can be replaced in a scenario.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from simsynth.model import ParamsModel
from simsynth.units import Duration, Rate, duration_text

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
"""An approach name: lower-case letters, digits and underscores (`north`, `main_st_east`)."""
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]

SPLIT_SUM_TOLERANCE = 1e-3
"""How far the phases' splits may sum from 1 (rounding in hand-written files); they are
rescaled to sum exactly 1."""


class TurningShares(ParamsModel):
    """Shares of an approach's vehicles turning left, going straight on and turning right."""

    left: Share = Field(0.15, description="Share turning left.")
    through: Share = Field(0.7, description="Share going straight on.")
    right: Share = Field(0.15, description="Share turning right.")

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> TurningShares:
        total = self.left + self.through + self.right
        if abs(total - 1) > 1e-6:
            raise ValueError(f"left + through + right must be 1 (got {total:g})")
        return self


class PlatoonParams(ParamsModel):
    """Bunched arrivals (Cowan's M3 headways): some vehicles follow the one ahead closely."""

    share: float = Field(
        0.5,
        gt=0,
        lt=1,
        description="Share of vehicles that follow the one ahead at min_headway (in a platoon).",
    )
    min_headway: Duration = Field(
        1.0, gt=0, le=10, description="Headway of a vehicle following in a platoon."
    )


class ApproachParams(ParamsModel):
    """One arm of the junction: its lanes, its demand and how fast its queue discharges."""

    arrival_rate: Rate = Field(
        600 / 3600, ge=0, le=10, description="Mean vehicles per time arriving (all lanes)."
    )
    lanes: int = Field(2, ge=1, le=8, description="Lanes at the stop line.")
    saturation_flow: Rate = Field(
        1800 / 3600,
        gt=0,
        le=1,
        description="Vehicles per time one lane discharges from a standing queue on green "
        "(1 / saturation headway).",
    )
    turning: TurningShares = Field(
        default_factory=TurningShares, description="Shares turning left, through and right."
    )
    platoons: PlatoonParams | None = Field(
        None, description="Bunched arrivals (Cowan's M3); empty = Poisson arrivals."
    )

    @model_validator(mode="after")
    def _platoons_fit_the_flow(self) -> ApproachParams:
        if self.platoons is not None and self.arrival_rate * self.platoons.min_headway >= 1:
            raise ValueError(
                f"arrival_rate x platoons.min_headway must be < 1 (got "
                f"{self.arrival_rate * self.platoons.min_headway:g}): vehicles cannot arrive "
                "faster than one per min_headway"
            )
        return self


class Phase(ParamsModel):
    """A stage of the signal plan: the approaches that get green together."""

    approaches: list[Name] = Field(min_length=1, description="Approaches green in this phase.")
    split: float = Field(
        gt=0, le=1, allow_inf_nan=False, description="Share of the cycle's effective green."
    )


def _default_approaches() -> dict[str, ApproachParams]:
    main = ApproachParams(arrival_rate=700 / 3600)
    side = ApproachParams(arrival_rate=500 / 3600)
    return {"north": main, "south": main, "east": side, "west": side}


def _default_phases() -> tuple[Phase, ...]:
    return (
        Phase(approaches=["north", "south"], split=0.55),
        Phase(approaches=["east", "west"], split=0.45),
    )


class IntersectionParams(ParamsModel):
    """Approaches and a fixed-time signal plan.

    The plan repeats every `cycle`: each phase in turn gets its effective green,
    `split` x (cycle - phases x lost_time), followed by `lost_time` in which nobody moves.
    """

    approaches: dict[Name, ApproachParams] = Field(
        default_factory=_default_approaches,
        min_length=1,
        max_length=16,
        description="The junction's arms by name (order kept in the `approach` column).",
    )
    phases: tuple[Phase, ...] = Field(
        default_factory=_default_phases,
        min_length=1,
        max_length=8,
        description="Phases in the order they run; each approach is in exactly one.",
    )
    cycle: Duration = Field(90.0, ge=10, le=600, description="Cycle length of the signal plan.")
    lost_time: Duration = Field(
        5.0,
        ge=0,
        le=60,
        description="Lost time per phase: start-up loss plus the part of amber and all-red "
        "nobody uses.",
    )

    @model_validator(mode="after")
    def _plan_is_consistent(self) -> IntersectionParams:
        served = [name for phase in self.phases for name in phase.approaches]
        unknown = sorted(set(served) - set(self.approaches))
        if unknown:
            raise ValueError(
                f"phases name unknown approaches {unknown} (allowed: {', '.join(self.approaches)})"
            )
        twice = sorted({name for name in served if served.count(name) > 1})
        missing = [name for name in self.approaches if name not in served]
        if twice or missing:
            raise ValueError(
                "each approach must be in exactly one phase "
                f"(in several: {twice or 'none'}; in none: {missing or 'none'})"
            )
        total = sum(phase.split for phase in self.phases)
        if abs(total - 1) > SPLIT_SUM_TOLERANCE:
            raise ValueError(f"the phases' splits must sum to 1 (got {total:g})")
        lost = len(self.phases) * self.lost_time
        if lost >= self.cycle:
            raise ValueError(
                f"cycle ({duration_text(self.cycle)}) must be longer than the lost time of "
                f"its {len(self.phases)} phases ({duration_text(lost)})"
            )
        return self
