"""A contact centre: callers queue for agents, may hang up, and are hit by outages and surges.

An M/M/c queue (M/M/c+M with abandonment) in SimPy, validated against Erlang C and Erlang A.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

import numpy as np
import pyarrow as pa
import simpy
from pydantic import Field

from simsynth import draws
from simsynth.calendar import Calendar
from simsynth.model import Column, IncidentKind, ParamsModel, RunContext, RunCost, SimModel
from simsynth.models.customers.contact_center.arrival_rate import ArrivalRate, Surge
from simsynth.models.customers.contact_center.processes import Switchboard
from simsynth.units import Duration, Rate, Seconds

if TYPE_CHECKING:
    from simsynth.scenario.schema import Incident

Multiplier = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]


class ContactCenterParams(ParamsModel):
    """Staffing, demand and caller behaviour."""

    agents: int = Field(12, ge=1, le=100_000, description="Agents answering calls.")
    arrival_rate: Rate = Field(
        100 / 3600, gt=0, le=10_000, description="Mean calls per time before the hourly profile."
    )
    hourly_profile: tuple[Multiplier, ...] | None = Field(
        None,
        min_length=24,
        max_length=24,
        description="24 multipliers of arrival_rate, one per hour of day (from `start`'s clock).",
    )
    service_time: Duration = Field(240.0, gt=0, description="Mean talk time of a call.")
    service_distribution: Literal["exponential", "lognormal"] = Field(
        "exponential", description="Distribution of talk times."
    )
    service_cv: float = Field(
        1.0, gt=0, le=10, description="Coefficient of variation of lognormal talk times."
    )
    patience: Duration | None = Field(
        None,
        gt=0,
        description="Mean (exponential) time callers wait before hanging up; "
        "empty = they never do.",
    )
    queue_capacity: int = Field(
        10_000,
        ge=1,
        le=1_000_000,
        description="Callers the line holds waiting at once; one more hears a busy tone "
        "(call_blocked). Bounds the memory of an overloaded line.",
    )

    @property
    def daily_arrival_rate(self) -> float:
        """Calls per second over a whole day: `arrival_rate` times the profile's mean."""
        profile = self.hourly_profile
        return self.arrival_rate * (sum(profile) / len(profile) if profile else 1.0)


class OutageParams(ParamsModel):
    """A share of the agents (or all of them) unavailable for a while."""

    duration: Duration = Field(1800.0, gt=0, description="How long the agents are down.")
    share: float = Field(
        1.0, gt=0, le=1, description="Share of agents taken down (rounded up); 1 = the whole line."
    )


class CallSurgeParams(ParamsModel):
    """A window in which callers arrive faster."""

    duration: Duration = Field(3600.0, gt=0, description="How long the surge lasts.")
    multiplier: float = Field(3.0, ge=1, le=1000, description="Arrival-rate multiplier.")


LABELS = (
    "calls that arrive during the window [at, at + duration) carry the episode's label on all "
    "their events (arrival, answer or abandonment, completion); when windows overlap, the "
    "episode that started last wins. The episode's entities are those callers."
)


class ContactCenter(SimModel):
    """SimPy contact centre emitting one row per call step."""

    key = "customers.contact_center"
    summary = "Callers queue for agents (M/M/c+M); outages and call surges."
    reference = "Erlang C (no abandonment) and Erlang A (exponential patience)"
    overview = "simsynth.models.customers.contact_center.figures:overview"

    cost = RunCost(bytes_per_event=15.0, events_per_second=150_000.0)

    @classmethod
    def scenario_warnings(
        cls, params: ParamsModel, incidents: Sequence[Incident]
    ) -> list[tuple[tuple[str | int, ...], str]]:
        """A line offered more work than its agents can do (over the day, before surges)."""
        assert isinstance(params, ContactCenterParams)
        load = params.daily_arrival_rate * params.service_time / params.agents
        if load < 1:
            return []
        then = (
            "callers wait until they hang up (patience)"
            if params.patience is not None
            else f"the queue fills to queue_capacity ({params.queue_capacity:,}) and further "
            "callers are blocked"
        )
        message = (
            f"the offered load is {load:.2f} Erlang per agent (arrival rate x service time / "
            f"agents), at least 1: the agents cannot keep up, so {then}"
        )
        return [(("params", "arrival_rate"), message)]

    @classmethod
    def expected_event_rate(cls, params: ParamsModel) -> float:
        """About three events a call: its arrival, then answered and completed (or abandoned)."""
        assert isinstance(params, ContactCenterParams)
        return 3.0 * params.daily_arrival_rate

    views = "simsynth.models.customers.contact_center.views:panels"
    Params = ContactCenterParams
    incident_kinds: ClassVar[dict[str, IncidentKind]] = {
        "outage": IncidentKind(
            OutageParams,
            "Agents go off the line as they finish their current call, until the end.",
            LABELS,
        ),
        "call_surge": IncidentKind(CallSurgeParams, "Arrival rate multiplied.", LABELS),
    }
    event_types = (
        "call_arrival",
        "call_answered",
        "call_abandoned",
        "call_completed",
        "call_blocked",
    )
    columns = (
        Column("agent_id", pa.int32(), "Agent who took the call; -1 before and if never answered."),
        Column("queue_len", pa.int32(), "Callers waiting just after the event, this one excluded."),
        Column("wait_s", pa.float64(), "Seconds waited in queue (null on arrival)."),
        Column("service_s", pa.float64(), "Talk time in seconds (only on call_completed)."),
    )

    def __init__(self, context: RunContext):
        params: ContactCenterParams = context.params  # type: ignore[assignment]
        seeds = context.seeds
        self.env = simpy.Environment()
        surges = [
            Surge(o.at, o.at + o.params.duration, o.params.multiplier)
            for o in context.occurrences
            if o.kind == "call_surge"
        ]
        day_offset = Calendar(context.start).clock_offset()
        self.switchboard = Switchboard(
            self.env,
            params.agents,
            ArrivalRate(params.arrival_rate, params.hourly_profile, day_offset, surges),
            unit_exponential=draws.exponential(seeds.rng("arrivals"), 1.0),
            service_time=_service_draws(params, seeds.rng("service")),
            patience=None
            if params.patience is None
            else draws.exponential(seeds.rng("patience"), params.patience),
            events=context.recorder.events,
            episodes=context.recorder.episodes,
            queue_capacity=params.queue_capacity,
        )
        self.env.process(self.switchboard.arrivals())
        for occurrence in context.occurrences:
            end = occurrence.at + occurrence.params.duration
            self.env.process(self.switchboard.episode(occurrence.episode_id, occurrence.at, end))
            if occurrence.kind == "outage":
                for _ in range(math.ceil(occurrence.params.share * params.agents)):
                    self.env.process(self.switchboard.agent_down(occurrence.at, end))

    def advance(self, until: Seconds) -> None:
        if until > self.env.now:
            self.env.run(until=until)


def _service_draws(params: ContactCenterParams, rng: np.random.Generator) -> draws.BlockDraws:
    if params.service_distribution == "lognormal":
        return draws.lognormal(rng, params.service_time, params.service_cv)
    return draws.exponential(rng, params.service_time)
