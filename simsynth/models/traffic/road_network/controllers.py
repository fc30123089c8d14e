"""Incident controllers: Mesa agents that change the roads for a window and label who it hits."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from simsynth.errors import SimsynthError
from simsynth.incidents import Occurrence
from simsynth.models.traffic.road_network.incidents import AFFECTED, DELAYED

if TYPE_CHECKING:
    from simsynth.models.traffic.road_network.model import RoadNetwork


class Controller(mesa.Agent):
    """One incident: `begin` at its start, `act` every step inside its window, `end`."""

    model: RoadNetwork
    role = AFFECTED
    """Role of the vehicles `act` labels."""

    def __init__(self, model: RoadNetwork, occurrence: Occurrence):
        super().__init__(model)
        self.episode = occurrence.episode_id
        self.params = occurrence.params
        self.start = occurrence.at
        self.stop = occurrence.at + occurrence.params.duration
        self.links = np.zeros(0, np.int64)
        """Links whose vehicles and detectors the incident labels."""

    def begin(self, now: float) -> None:
        raise NotImplementedError

    def act(self, now: float) -> None:
        """Label vehicles on the incident's links (from now on, until their trip ends)."""
        self.model.label_vehicles_on(self.links, self.episode, self.role)

    def detector_links(self) -> np.ndarray:
        """Links whose detector rows carry the episode (default: `links`)."""
        return self.links

    def end(self, now: float) -> None:
        self.model.release_detectors(self.detector_links())
        self.model.episodes.end(self.episode, now)

    def _link(self, name: str | None, rng: np.random.Generator) -> int:
        roads = self.model.roads
        if name is None:
            busy = np.bincount(
                roads.lane_link[self.model.fleet.lane[: self.model.fleet.n]], minlength=roads.links
            )
            weights = busy + 1.0
            return int(rng.choice(roads.links, p=weights / weights.sum()))
        link = roads.find(name)
        if link is None:
            raise SimsynthError(
                f"incident link '{name}' is not in the network (e.g. '{roads.name(0)}')"
            )
        return link


class Accident(Controller):
    role = DELAYED

    def begin(self, now: float) -> None:
        model, p = self.model, self.params
        rng = model.incident_rng
        link = self._link(p.link, rng)
        roads = model.roads
        length = int(roads.cells[link])
        span = min(p.cells, length)
        where = p.position if p.position is not None else rng.random()
        first = min(int(where * length), length - span)
        lanes = roads.lane_first[link] + np.arange(min(p.lanes, roads.lanes[link]))
        cells = (roads.lane_start[lanes][:, None] + first + np.arange(span)).ravel()
        model.blocked[cells] = True
        self.blocked_cells = cells
        self.blocked_lanes, self.first = lanes, first
        crashed = model.occupant[cells]
        model.crash(crashed[crashed >= 0], self.episode, now)
        upstream = np.flatnonzero(roads.link_to == roads.link_from[link])
        self.links = np.array([link], np.int64)
        self.watched = np.concatenate([self.links, upstream])
        model.label_detectors(self.watched, self.episode, AFFECTED)
        model.episodes.resolve(self.episode, link=roads.name(link), cell=first, lanes=len(lanes))

    def act(self, now: float) -> None:
        """Vehicles behind the blockage in a blocked lane are delayed."""
        fleet = self.model.fleet
        lane, cell = fleet.lane[: fleet.n], fleet.cell[: fleet.n]
        behind = np.isin(lane, self.blocked_lanes) & (cell < self.first)
        self.model.label_vehicles(np.flatnonzero(behind), self.episode, DELAYED)

    def end(self, now: float) -> None:
        self.model.blocked[self.blocked_cells] = False
        super().end(now)

    def detector_links(self) -> np.ndarray:
        """The accident's link and the links leading into it."""
        return self.watched


class Closure(Controller):
    def begin(self, now: float) -> None:
        model = self.model
        link = self._link(self.params.link, model.incident_rng)
        self.links = np.array([link], np.int64)
        model.close_link(link, self.episode)
        model.label_detectors(self.links, self.episode, AFFECTED)
        model.episodes.resolve(self.episode, link=model.roads.name(link))

    def act(self, now: float) -> None:
        pass  # the re-routed vehicles were labelled when their routes changed

    def end(self, now: float) -> None:
        self.model.open_link(int(self.links[0]))
        super().end(now)


class Weather(Controller):
    def begin(self, now: float) -> None:
        model, p = self.model, self.params
        roads = model.roads
        if p.center is None:
            self.links = np.arange(roads.links)
        else:
            if p.center not in model.graph:
                raise SimsynthError(f"weather center '{p.center}' is not a junction")
            cx, cy = model.graph.nodes[p.center]["pos"]
            pos = np.array([model.graph.nodes[n]["pos"] for n in roads.nodes])
            mid = (pos[roads.link_from] + pos[roads.link_to]) / 2
            self.links = np.flatnonzero(np.hypot(mid[:, 0] - cx, mid[:, 1] - cy) <= p.radius)
        model.vmax_now[self.links] = np.maximum(
            1, np.floor(roads.vmax[self.links] * p.speed_factor)
        )
        model.p_now[self.links] = p.slowdown
        model.label_detectors(self.links, self.episode, AFFECTED)
        model.episodes.resolve(self.episode, links=len(self.links))

    def end(self, now: float) -> None:
        model = self.model
        model.vmax_now[self.links] = model.roads.vmax[self.links]
        model.p_now[self.links] = model.params.slowdown
        super().end(now)


class SignalFailure(Controller):
    def begin(self, now: float) -> None:
        model = self.model
        junctions = {str(j.node): j for j in model.junctions}
        if not junctions:
            raise SimsynthError("signal_failure needs signalised junctions (e.g. grid signals)")
        name = self.params.junction
        if name is None:
            name = sorted(junctions)[int(model.incident_rng.integers(len(junctions)))]
        elif name not in junctions:
            raise SimsynthError(f"signal_failure junction '{name}' is not signalised")
        self.junction = junctions[name]
        self.junction.fail(self.params.mode)
        self.links = self.junction.approaches
        model.label_detectors(self.links, self.episode, AFFECTED)
        model.episodes.resolve(self.episode, junction=name)

    def end(self, now: float) -> None:
        self.junction.repair()
        super().end(now)


CONTROLLERS: dict[str, type[Controller]] = {
    "accident": Accident,
    "closure": Closure,
    "weather": Weather,
    "signal_failure": SignalFailure,
}
