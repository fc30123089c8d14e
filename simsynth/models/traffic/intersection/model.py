"""A signalised intersection: vehicles queue at a fixed-time signal, which may fail, on
approaches that may lose lanes. Validated against Webster's delay formula.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

import pyarrow as pa
import simpy

from simsynth.errors import SimsynthError
from simsynth.incidents import Occurrence
from simsynth.model import (
    Column,
    IncidentKind,
    ParamsModel,
    RunContext,
    RunCost,
    SimModel,
    dictionary_type,
    with_categories,
)
from simsynth.models.traffic.intersection.arrivals import MOVEMENTS, headways, movements
from simsynth.models.traffic.intersection.controller import SignalController
from simsynth.models.traffic.intersection.incidents import (
    INCIDENT_KINDS,
    LaneClosureParams,
    SignalFailureParams,
)
from simsynth.models.traffic.intersection.params import IntersectionParams
from simsynth.models.traffic.intersection.processes import ROLES, Approach, Junction
from simsynth.models.traffic.intersection.signal_plan import SignalPlan
from simsynth.units import Seconds

if TYPE_CHECKING:
    from simsynth.scenario.schema import Incident


class Intersection(SimModel):
    """SimPy signalised intersection emitting an `arrival` and a `depart` row per vehicle."""

    key = "traffic.intersection"
    summary = "Vehicles queue at a fixed-time signalised junction; signal failures, lane closures."
    reference = "Webster's delay formula (Webster 1958), Poisson arrivals"
    overview = "simsynth.models.traffic.intersection.figures:overview"
    views = "simsynth.models.traffic.intersection.views:panels"

    cost = RunCost(bytes_per_event=15.0, events_per_second=200_000.0)

    @classmethod
    def scenario_warnings(
        cls, params: ParamsModel, incidents: Sequence[Incident]
    ) -> list[tuple[tuple[str | int, ...], str]]:
        """Approaches whose arrivals exceed what their green can discharge (x >= 1)."""
        assert isinstance(params, IntersectionParams)
        plan = SignalPlan.from_params(params)
        warnings = []
        for name, approach in params.approaches.items():
            capacity = plan.capacity(name, approach.lanes, approach.saturation_flow)
            saturation = approach.arrival_rate / capacity if capacity > 0 else math.inf
            if saturation >= 1:
                message = (
                    f"degree of saturation {saturation:.2f} (arrivals / what its green "
                    "discharges), at least 1: its queue grows without bound"
                )
                warnings.append((("params", "approaches", name, "arrival_rate"), message))
        return warnings

    @classmethod
    def expected_event_rate(cls, params: ParamsModel) -> float:
        """Two events a vehicle: its arrival and its departure."""
        assert isinstance(params, IntersectionParams)
        return 2.0 * sum(approach.arrival_rate for approach in params.approaches.values())

    Params = IntersectionParams
    incident_kinds: ClassVar[dict[str, IncidentKind]] = INCIDENT_KINDS
    event_types = ("arrival", "depart")
    columns = (
        Column("approach", dictionary_type(), "Approach of the vehicle (params.approaches)."),
        Column("lane", pa.int32(), "Lane at the stop line, 0-based; closures take the highest."),
        Column("movement", dictionary_type(), "left, through or right.", MOVEMENTS),
        Column("delay_s", pa.float64(), "Seconds from arrival to crossing (null on arrival)."),
        Column(
            "queue_len",
            pa.int32(),
            "Vehicles waiting on the approach just after the event, this one excluded.",
        ),
        Column(
            "role",
            dictionary_type(),
            "normal, or affected: arrived on an approach an episode affected, in its window.",
            ROLES,
        ),
    )

    @classmethod
    def event_columns(cls, params: IntersectionParams) -> tuple[Column, ...]:  # type: ignore[override]
        return with_categories(cls.columns, "approach", list(params.approaches))

    def __init__(self, context: RunContext):
        params: IntersectionParams = context.params  # type: ignore[assignment]
        closed = [_closed_approach(o, params) for o in context.occurrences]
        self.env = env = simpy.Environment()
        plan = SignalPlan.from_params(params)
        self.signal = SignalController(env, plan)
        self.approaches = {
            name: Approach(env, code, plan.phase_of[name], spec.lanes, 1 / spec.saturation_flow)
            for code, (name, spec) in enumerate(params.approaches.items())
        }
        self.junction = Junction(
            env,
            self.signal,
            list(self.approaches.values()),
            events=context.recorder.events,
            episodes=context.recorder.episodes,
        )
        seeds = context.seeds
        for name, approach in self.approaches.items():
            spec = params.approaches[name]
            arrivals = self.junction.arrivals(
                approach,
                headways(spec.arrival_rate, spec.platoons, seeds.rng(f"arrivals.{name}")),
                movements(spec.turning, seeds.rng(f"movements.{name}")),
            )
            env.process(arrivals)
            for lane in approach.lanes:
                env.process(self.junction.discharge(approach, lane))
        for occurrence, closed_approach in zip(context.occurrences, closed, strict=True):
            self._inject(occurrence, closed_approach)

    def _inject(self, occurrence: Occurrence, closed: str | None) -> None:
        """Start the processes of one incident: its effect and its labelling window."""
        incident = occurrence.params
        start = occurrence.at
        if isinstance(incident, SignalFailureParams):
            end = start + incident.duration
            affected = list(self.approaches.values())
            failure = self.signal.failure(
                occurrence.episode_id, incident.mode, incident.stop_headway, start, end
            )
            self.env.process(failure)
        else:
            assert isinstance(incident, LaneClosureParams) and closed is not None
            end = start + incident.duration
            affected = [self.approaches[closed]]
            self.junction.episodes.resolve(occurrence.episode_id, approach=closed)
            self.env.process(self.junction.lane_closure(affected[0], incident.lanes, start, end))
        self.env.process(self.junction.episode(occurrence.episode_id, affected, start, end))

    @classmethod
    def check_scenario(  # type: ignore[override]
        cls, params: IntersectionParams, incidents: Sequence[Incident]
    ) -> list[tuple[tuple[str | int, ...], str]]:
        """Lane closures must name an approach and leave one of its lanes open."""
        problems = []
        for index, incident in enumerate(incidents):
            if isinstance(incident.params, LaneClosureParams):
                problem = closure_problem(incident.params, params)
                if problem is not None:
                    problems.append((("incidents", index, "params"), problem))
        return problems

    def advance(self, until: Seconds) -> None:
        if until > self.env.now:
            self.env.run(until=until)


def closure_problem(closure: LaneClosureParams, params: IntersectionParams) -> str | None:
    """What is wrong with a lane closure for these approaches, or None."""
    names = list(params.approaches)
    name = closure.approach if closure.approach is not None else names[0]
    if name not in params.approaches:
        return f"'{name}' is not an approach of this intersection (allowed: {', '.join(names)})"
    lanes = params.approaches[name].lanes
    if closure.lanes >= lanes:
        return (
            f"cannot close {closure.lanes} of the {lanes} lanes of '{name}' "
            f"(allowed: 1 to {lanes - 1}; one lane must stay open)"
        )
    return None


def _closed_approach(occurrence: Occurrence, params: IntersectionParams) -> str | None:
    """The approach a lane closure closes (None for other kinds), checked against `params`."""
    closure = occurrence.params
    if not isinstance(closure, LaneClosureParams):
        return None
    problem = closure_problem(closure, params)
    if problem is not None:
        raise SimsynthError(f"incidents: lane_closure: {problem}")
    return closure.approach if closure.approach is not None else next(iter(params.approaches))
