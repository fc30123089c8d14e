"""Vehicles on a road network by the Nagel-Schreckenberg cellular automaton.

A networkx road graph cut into 7.5 m cells; a numba kernel moves every vehicle each second;
Mesa agents are the junctions (signals) and the incident controllers. Validated against the
exact flows of the NaSch model and its published fundamental diagram.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

import mesa
import numpy as np
import pyarrow as pa

from simsynth.calendar import Calendar
from simsynth.model import Column, ParamsModel, RunContext, RunCost, SimModel, dictionary_type
from simsynth.models.traffic.road_network.checks import site_problems, speed_warnings
from simsynth.models.traffic.road_network.controllers import CONTROLLERS
from simsynth.models.traffic.road_network.fleet import Fleet, Router, Routes
from simsynth.models.traffic.road_network.graphs import build_graph
from simsynth.models.traffic.road_network.incidents import (
    AFFECTED,
    INCIDENT_KINDS,
    INVOLVED,
    NEAR_MISS,
    ROLES,
)
from simsynth.models.traffic.road_network.kernels import FREE, NO_OVERRIDE, run
from simsynth.models.traffic.road_network.params import CELL_LENGTH, RingRoad, RoadNetworkParams
from simsynth.models.traffic.road_network.roads import build_roads, cells_per_second
from simsynth.models.traffic.road_network.signals import Junction, LoopDetector
from simsynth.units import Seconds

if TYPE_CHECKING:
    from simsynth.scenario.schema import Incident

TRIP_START, LINK_ENTER, HARD_BRAKE_EVENT, TRIP_END, DETECTOR = range(5)
KERNEL_EVENT_TYPE = np.array([LINK_ENTER, TRIP_END, HARD_BRAKE_EVENT], np.int32)
"""Event type codes of the kernel's LINK_ENTER, TRIP_END and HARD_BRAKE."""
KMH_PER_CELL_STEP = CELL_LENGTH * 3.6
NAN = float("nan")


class RoadNetwork(mesa.Model, SimModel):
    """Mesa model of road traffic; one step is one second."""

    key = "traffic.road_network"
    summary = "Vehicles on a road graph (NaSch CA); accidents, closures, weather, near misses."
    reference = "the exact NaSch flows (p = 0; vmax = 1) and the NaSch fundamental diagram"
    overview = "simsynth.models.traffic.road_network.figures:overview"
    views = "simsynth.models.traffic.road_network.views:panels"

    cost = RunCost(bytes_per_event=8.0, events_per_second=300_000.0)

    @classmethod
    def expected_event_rate(cls, params: ParamsModel) -> float:
        """A ring's vehicles each write a trajectory row every `trajectory_every` steps and
        now and then an event; an open network's trips write about 4 events each plus their
        trajectory rows over a trip of about 100 s."""
        assert isinstance(params, RoadNetworkParams)
        sampled = 1.0 / params.trajectory_every if params.trajectory_every else 0.0
        network = params.network
        if isinstance(network, RingRoad):
            vehicles = network.density * network.length * network.lanes / CELL_LENGTH
            return vehicles * (sampled + 0.01)
        return params.demand.rate * (4.0 + 100.0 * sampled)

    Params = RoadNetworkParams
    incident_kinds = INCIDENT_KINDS
    emergent_kinds: ClassVar[dict[str, str]] = {"near_miss": NEAR_MISS}
    event_types = ("trip_start", "link_enter", "hard_brake", "trip_end", "detector")
    columns = (
        Column(
            "link_id",
            pa.int32(),
            "Link of the vehicle or detector: its index in the road "
            "graph's edge order (episodes name links as 'FROM->TO').",
        ),
        Column("position_m", pa.float64(), "Metres from the start of the link."),
        Column("speed_kmh", pa.float64(), "Vehicle speed after the step (km/h)."),
        Column("other_id", pa.int64(), "link_enter: link left; hard_brake: vehicle ahead; -1."),
        Column("flow_vph", pa.float64(), "detector: vehicles per hour over all lanes."),
        Column("occupancy", pa.float64(), "detector: share of lane-seconds the cell was taken."),
        Column("mean_speed_kmh", pa.float64(), "detector: mean speed of vehicles crossing."),
        Column("role", dictionary_type(), "normal, involved, delayed or affected.", ROLES),
    )
    tables: ClassVar[dict[str, tuple[Column, ...]]] = {
        "trajectories": (
            Column("vehicle_id", pa.int64(), "The vehicle (entity_id of its events)."),
            Column("link_id", pa.int32(), "Its link."),
            Column("lane", pa.int32(), "Its lane on the link (0 = first)."),
            Column("position_m", pa.float64(), "Metres from the start of the link."),
            Column("speed_kmh", pa.float64(), "Its speed (km/h)."),
        )
    }

    @classmethod
    def check_scenario(  # type: ignore[override]
        cls, params: RoadNetworkParams, incidents: Sequence[Incident]
    ) -> list[tuple[tuple[str | int, ...], str]]:
        """Incident sites and demand junctions must exist in the road graph."""
        return site_problems(params, incidents)

    @classmethod
    def scenario_warnings(  # type: ignore[override]
        cls, params: RoadNetworkParams, incidents: Sequence[Incident]
    ) -> list[tuple[tuple[str | int, ...], str]]:
        """Speeds the model rounds to whole cells per second (50 km/h runs as 54 km/h)."""
        return speed_warnings(params)

    def __init__(self, context: RunContext):
        super().__init__(rng=context.seeds.rng("agents"))
        params: RoadNetworkParams = context.params  # type: ignore[assignment]
        self.params = params
        self.duration = context.duration
        self.calendar = Calendar(context.start)
        self.events = context.recorder.events
        self.episodes = context.recorder.episodes
        self.trajectories = context.recorder.tables["trajectories"]
        self.graph = build_graph(params.network)
        roads = self.roads = build_roads(self.graph)
        self.occupant = np.full(roads.total_cells, FREE, np.int64)
        self.blocked = np.zeros(roads.total_cells, np.bool_)
        self.vmax_now = roads.vmax.copy()
        self.multilane = params.lane_changes and bool((roads.lanes > 1).any())
        """Whether vehicles can change lanes anywhere (some link has several)."""
        self.p_now = np.full(roads.links, params.slowdown)
        self.closed = np.zeros(roads.links, np.bool_)
        self.detector_cell = (
            roads.cells // 2 if params.detectors.every == "link" else np.full(roads.links, -1)
        ).astype(np.int64)
        self.detector_episode = np.full(roads.links, -1, np.int64)
        self.detector_role = np.zeros(roads.links, np.int32)
        self._reset_detectors()
        self.detectors = mesa.agent.AgentSet(
            [
                LoopDetector(self, int(link), int(self.detector_cell[link]))
                for link in np.flatnonzero(self.detector_cell >= 0)
            ],
            random=self.random,
        )
        self.fleet = Fleet(params.max_vehicles)
        self.routes = Routes(roads)
        self.router = Router(roads, self.routes)
        self.kernel_seed = int(context.seeds.rng("kernel").integers(2**63))
        self.demand_rng = context.seeds.rng("demand")
        self.incident_rng = context.seeds.rng("incident_sites")
        self.junctions = mesa.agent.AgentSet(
            [
                Junction(self, n, float(self.random.random() * params.cycle))
                for n, signal in self.graph.nodes(data="signal")
                if signal
            ],
            random=self.random,
        )
        self.signal = np.full(roads.links, NO_OVERRIDE, np.int8)
        self.signal_override = np.full(roads.links, NO_OVERRIDE, np.int8)
        self.link_offset = np.zeros(roads.links)
        for junction in self.junctions:
            self.link_offset[junction.approaches] = junction.offset
        self.controllers = mesa.agent.AgentSet([], random=self.random)
        self.upcoming = sorted(context.occurrences, key=lambda o: o.at)
        self.waiting: dict[int, deque[tuple[int, int]]] = {}
        self.next_vehicle = 0
        self.now = 0
        self.near_miss_cells = cells_per_second(params.near_miss_speed)
        self._buffers = _EventBuffers(0)
        if isinstance(params.network, RingRoad):  # a closed system: no trips in or out
            self._pairs: list[tuple[object, object]] = []
            self._fill_ring(params.network)
        else:
            self._pairs = self._od_pairs()

    # --- set-up -----------------------------------------------------------------------------

    def _fill_ring(self, ring: RingRoad) -> None:
        """Vehicles at rest on a random `density` share of the cells, circulating forever."""
        roads = self.roads
        order = list(range(roads.links))  # ring links are built in order around the ring
        loops = [self.routes.add(order[k:] + order[:k], loop=True) for k in range(roads.links)]
        count = round(ring.density * roads.total_cells)
        rng = self.demand_rng
        taken = np.sort(rng.choice(roads.total_cells, size=count, replace=False))
        segment = np.searchsorted(roads.lane_start, taken, side="right") - 1
        for cell, s in zip(taken.tolist(), segment.tolist(), strict=True):
            link = int(roads.lane_link[s])
            vehicle = self._new_vehicle_id()
            self.events.emit(0.0, TRIP_START, vehicle, -1, link, 0.0, 0.0, -1, NAN, NAN, NAN, 0)
            self.fleet.add(
                vehicle,
                loops[link],
                s,
                cell - int(roads.lane_start[s]),
                self.occupant,
                roads.lane_start,
            )

    def _od_pairs(self) -> list[tuple[object, object]]:
        demand = self.params.demand
        gateways = [n for n, g in self.graph.nodes(data="gateway") if g]
        origins = demand.origins or gateways
        destinations = demand.destinations or gateways
        for name in [*origins, *destinations]:
            if name not in self.graph:
                from simsynth.errors import SimsynthError

                raise SimsynthError(f"demand junction '{name}' is not in the network")
        return [
            (o, d)
            for o in origins
            for d in destinations
            if o != d and self.router.route(o, d) is not None
        ]

    def _new_vehicle_id(self) -> int:
        self.next_vehicle += 1
        return self.next_vehicle - 1

    # --- running ----------------------------------------------------------------------------

    def advance(self, until: Seconds) -> None:
        while self.now + 1 <= until and self.now < self.duration:
            self.tick(until)

    def finish(self) -> None:
        while self.now < self.duration:
            self.tick(self.duration)
        for controller in list(self.controllers):
            controller.end(self.now)

    def tick(self, until: Seconds | None = None) -> None:
        """One second, or as many as nothing outside the kernel needs (up to `until`)."""
        now = float(self.now)
        self._incidents(now)
        self._demand(now)
        self._enter_waiting()
        self._simulate(self._quiet_steps(until))
        if self.now % round(self.params.detectors.interval) == 0:
            self._report_detectors(float(self.now))
        every = self.params.trajectory_every
        if every and self.now % every == 0:
            self._record_trajectories(float(self.now))

    def _quiet_steps(self, until: Seconds | None) -> int:
        """Steps the kernel may run on its own: up to the next thing Python does (a trip, an
        incident, a detector report, a trajectory sample). Results do not depend on it."""
        if self._pairs or self.controllers or any(self.waiting.values()):
            return 1
        now = self.now
        end = min(self.duration, until if until is not None else self.duration)
        boundaries = [int(end), now + self._to_next(round(self.params.detectors.interval))]
        if self.params.trajectory_every:
            boundaries.append(now + self._to_next(self.params.trajectory_every))
        if self.upcoming:
            boundaries.append(int(np.ceil(self.upcoming[0].at)))
        return max(1, min(boundaries) - now)

    def _to_next(self, every: int) -> int:
        return every - self.now % every

    def _incidents(self, now: float) -> None:
        while self.upcoming and self.upcoming[0].at <= now:
            occurrence = self.upcoming.pop(0)
            controller = CONTROLLERS[occurrence.kind](self, occurrence)
            self.controllers.add(controller)
            controller.begin(now)
        for controller in list(self.controllers):
            if controller.stop <= now:
                controller.end(now)
                self.controllers.remove(controller)
                controller.remove()
            else:
                controller.act(now)

    def _demand(self, now: float) -> None:
        demand = self.params.demand
        if not self._pairs or demand.rate == 0:
            return
        rate = demand.rate
        if demand.hourly_profile is not None:
            rate *= demand.hourly_profile[self.calendar.at(now).hour]
        rng = self.demand_rng
        for pair in rng.integers(len(self._pairs), size=rng.poisson(rate)).tolist():
            origin, destination = self._pairs[pair]
            vehicle = self._new_vehicle_id()  # even if not made, so that ids do not shift
            route = self.router.route(origin, destination)
            if route is None:  # cut off by a closure: the trip is not made
                continue
            first = self.routes.link_of(route, 0)
            self.events.emit(now, TRIP_START, vehicle, -1, first, 0.0, 0.0, -1, NAN, NAN, NAN, 0)
            self.waiting.setdefault(first, deque()).append((vehicle, route))

    def _enter_waiting(self) -> None:
        """Vehicles waiting at their first link enter it where its first cell is free."""
        roads = self.roads
        for link, queue in self.waiting.items():
            if not queue or self.closed[link]:
                continue
            for k in range(int(roads.lanes[link])):
                s = int(roads.lane_first[link]) + k
                first = int(roads.lane_start[s])
                if queue and self.occupant[first] == FREE and not self.blocked[first]:
                    vehicle, route = queue.popleft()
                    self.fleet.add(vehicle, route, s, 0, self.occupant, roads.lane_start)

    def _simulate(self, steps: int) -> None:
        """Run the kernel for `steps` steps, emitting its events as its buffers fill."""
        roads, fleet = self.roads, self.fleet
        while steps > 0:
            buffers = self._buffers = self._buffers.at_least(max(4 * fleet.n + 2, 1 << 16))
            done, events, fleet.n = run(
                steps,
                self.now,
                fleet.n,
                self.kernel_seed,
                self.multilane,
                roads.phase,
                self.link_offset,
                float(self.params.cycle),
                self.signal_override,
                self.signal,
                *fleet.state(),
                *self.routes.arrays(),
                roads.cells,
                roads.lanes,
                roads.lane_first,
                roads.lane_link,
                roads.lane_start,
                roads.link_to,
                self.occupant,
                self.blocked,
                self.vmax_now,
                self.p_now,
                self.closed,
                self.detector_cell,
                self.detector_count,
                self.detector_speed,
                self.detector_occupied,
                self.params.hard_brake,
                self.near_miss_cells,
                *buffers.arrays(),
            )
            self.now += done
            steps -= done
            if events:
                self._emit_kernel_events(buffers.take(events))

    def _emit_kernel_events(self, rows: dict[str, np.ndarray]) -> None:
        episode, role = rows["episode"], rows["role"]
        for row in np.flatnonzero(rows["near"]).tolist():
            vehicle, other = int(rows["vehicle"][row]), int(rows["other"][row])
            episode[row] = self.episodes.open(
                "near_miss", float(rows["time"][row]), {"link": self.roads.name(rows["link"][row])}
            )
            self.episodes.touch(int(episode[row]), vehicle)
            self.episodes.touch(int(episode[row]), other)
            role[row] = INVOLVED
        count = len(episode)
        speed = rows["speed"] * KMH_PER_CELL_STEP
        self.events.emit_columns(
            rows["time"],
            KERNEL_EVENT_TYPE[rows["type"]],
            rows["vehicle"],
            episode,
            [
                rows["link"],
                rows["cell"] * CELL_LENGTH,
                speed,
                rows["other"],
                np.full(count, NAN),
                np.full(count, NAN),
                np.full(count, NAN),
                role,
            ],
        )
        labelled = np.flatnonzero(episode >= 0)
        for episode_id, vehicle in set(
            zip(episode[labelled].tolist(), rows["vehicle"][labelled].tolist(), strict=True)
        ):
            self.episodes.touch(episode_id, vehicle)

    # --- detectors and trajectories ---------------------------------------------------------

    def _reset_detectors(self) -> None:
        links = self.roads.links
        self.detector_count = np.zeros(links, np.int64)
        self.detector_speed = np.zeros(links, np.int64)
        self.detector_occupied = np.zeros(links, np.int64)
        self.detector_steps = 0
        self._clear_after_report: list[np.ndarray] = []

    def _report_detectors(self, time: float) -> None:
        roads = self.roads
        links = np.flatnonzero(self.detector_cell >= 0)
        if len(links):
            interval = float(self.params.detectors.interval)
            count = self.detector_count[links]
            lanes = roads.lanes[links]
            with np.errstate(invalid="ignore", divide="ignore"):
                mean_speed = self.detector_speed[links] / count * KMH_PER_CELL_STEP
            self.events.emit_columns(
                np.full(len(links), time),
                np.full(len(links), DETECTOR, np.int32),
                links,
                self.detector_episode[links],
                [
                    links,
                    self.detector_cell[links] * CELL_LENGTH,
                    np.full(len(links), NAN),
                    np.full(len(links), -1),
                    count * 3600.0 / interval,
                    self.detector_occupied[links] / (interval * lanes),
                    np.where(count > 0, mean_speed, NAN),
                    self.detector_role[links],
                ],
            )
            for episode_id in np.unique(self.detector_episode[links]).tolist():
                if episode_id >= 0:
                    for link in links[self.detector_episode[links] == episode_id].tolist():
                        self.episodes.touch(episode_id, link)
        clear = self._clear_after_report
        self._reset_detectors()
        for ended in clear:
            self.detector_episode[ended] = -1
            self.detector_role[ended] = 0

    def _record_trajectories(self, time: float) -> None:
        fleet, roads = self.fleet, self.roads
        n = fleet.n
        lane = fleet.lane[:n]
        link = roads.lane_link[lane]
        self.trajectories.append(
            np.full(n, time),
            fleet.vehicle_id[:n].copy(),
            link.astype(np.int32),
            (lane - roads.lane_first[link]).astype(np.int32),
            fleet.cell[:n] * CELL_LENGTH,
            fleet.speed[:n] * KMH_PER_CELL_STEP,
        )

    # --- what incident controllers do to the world ------------------------------------------

    def label_vehicles(self, slots: np.ndarray, episode: int, role: int) -> None:
        """Give unlabelled vehicles in `slots` this episode and role for the rest of their trip."""
        fleet = self.fleet
        fresh = slots[fleet.episode[slots] < 0]
        fleet.episode[fresh] = episode
        fleet.role[fresh] = role
        for vehicle in fleet.vehicle_id[fresh].tolist():
            self.episodes.touch(episode, vehicle)

    def label_vehicles_on(self, links: np.ndarray, episode: int, role: int) -> None:
        """`label_vehicles` for every vehicle now on one of `links`."""
        mask = np.zeros(self.roads.links, bool)
        mask[links] = True
        fleet = self.fleet
        on = mask[self.roads.lane_link[fleet.lane[: fleet.n]]]
        self.label_vehicles(np.flatnonzero(on), episode, role)

    def label_detectors(self, links: np.ndarray, episode: int, role: int) -> None:
        """Label these links' detector rows until the report after the incident ends."""
        self.detector_episode[links] = episode
        self.detector_role[links] = role

    def release_detectors(self, links: np.ndarray) -> None:
        self._clear_after_report.append(links)

    def crash(self, slots: np.ndarray, episode: int, now: float) -> None:
        """Vehicles in `slots` crash: their trips end here (role involved)."""
        fleet, roads = self.fleet, self.roads
        for i in slots.tolist():
            link = int(roads.lane_link[fleet.lane[i]])
            vehicle = int(fleet.vehicle_id[i])
            self.events.emit(
                now,
                TRIP_END,
                vehicle,
                episode,
                link,
                float(fleet.cell[i] * CELL_LENGTH),
                float(fleet.speed[i] * KMH_PER_CELL_STEP),
                -1,
                NAN,
                NAN,
                NAN,
                INVOLVED,
            )
            self.episodes.touch(episode, vehicle)
        fleet.remove(slots, self.occupant, roads.lane_start)

    def close_link(self, link: int, episode: int) -> None:
        """Close `link` and re-route every vehicle whose remaining route uses it."""
        self.closed[link] = True
        self.router.set_closed(set(np.flatnonzero(self.closed).tolist()))
        fleet, roads, routes = self.fleet, self.roads, self.routes
        for i in range(fleet.n):
            route, hop = int(fleet.route[i]), int(fleet.hop[i])
            ahead = routes.remaining(route, hop + 1)
            if link not in ahead:
                continue
            here = routes.link_of(route, hop)
            destination = roads.nodes[roads.link_to[routes.remaining(route, hop)[-1]]]
            detour = self.router.path(roads.nodes[roads.link_to[here]], destination)
            if detour is None:
                continue  # no way round: the vehicle waits for the road to open
            fleet.route[i] = routes.add([here, *detour])
            fleet.hop[i] = 0
            self.label_vehicles(np.array([i]), episode, AFFECTED)

    def open_link(self, link: int) -> None:
        self.closed[link] = False
        self.router.set_closed(set(np.flatnonzero(self.closed).tolist()))


class _EventBuffers:
    """Reusable output arrays of the kernel, grown as the fleet grows."""

    FIELDS = (
        ("time", np.float64),
        ("type", np.int64),
        ("vehicle", np.int64),
        ("link", np.int64),
        ("cell", np.int64),
        ("speed", np.int64),
        ("other", np.int64),
        ("near", np.bool_),
        ("episode", np.int64),
        ("role", np.int32),
    )

    def __init__(self, size: int):
        self.size = size
        self._arrays = {name: np.empty(size, dtype) for name, dtype in self.FIELDS}

    def at_least(self, size: int) -> _EventBuffers:
        return self if size <= self.size else _EventBuffers(max(size, 2 * self.size))

    def arrays(self) -> list[np.ndarray]:
        return [self._arrays[name] for name, _ in self.FIELDS]

    def take(self, count: int) -> dict[str, np.ndarray]:
        """The first `count` rows (views: valid until the kernel runs again)."""
        return {name: array[:count] for name, array in self._arrays.items()}
