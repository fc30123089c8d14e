"""Vehicles on the roads as arrays (struct of arrays), and the routes they follow."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import networkx as nx
import numpy as np

from simsynth.models.traffic.road_network.kernels import FREE
from simsynth.models.traffic.road_network.roads import Roads, free_flow_time

STATE = ("lane", "cell", "speed", "route", "hop", "vehicle_id", "episode", "role")
"""Per-vehicle arrays, in the order the kernel takes them."""


class Fleet:
    """Vehicles in slots [0, n): lane segment, cell, speed, route and hop, id and label."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.n = 0
        self.lane = np.zeros(capacity, np.int64)
        self.cell = np.zeros(capacity, np.int64)
        self.speed = np.zeros(capacity, np.int64)
        self.route = np.zeros(capacity, np.int64)
        self.hop = np.zeros(capacity, np.int64)
        self.vehicle_id = np.zeros(capacity, np.int64)
        self.episode = np.full(capacity, -1, np.int64)
        self.role = np.zeros(capacity, np.int32)

    def state(self) -> tuple[np.ndarray, ...]:
        return tuple(getattr(self, name) for name in STATE)

    def add(
        self,
        vehicle_id: int,
        route: int,
        lane: int,
        cell: int,
        occupant: np.ndarray,
        lane_start: np.ndarray,
    ) -> None:
        """Put a vehicle (at rest) on a free cell of lane segment `lane`."""
        if self.n == self.capacity:
            raise OverflowError(f"more than max_vehicles = {self.capacity} vehicles on the roads")
        i = self.n
        self.lane[i], self.cell[i], self.speed[i] = lane, cell, 0
        self.route[i], self.hop[i], self.vehicle_id[i] = route, 0, vehicle_id
        self.episode[i], self.role[i] = -1, 0
        occupant[lane_start[lane] + cell] = i
        self.n += 1

    def remove(self, slots: np.ndarray, occupant: np.ndarray, lane_start: np.ndarray) -> None:
        """Take vehicles off the roads (their cells become free); the last ones fill the holes."""
        gone = np.zeros(self.n, bool)
        gone[slots] = True
        occupant[lane_start[self.lane[slots]] + self.cell[slots]] = FREE
        keep = np.flatnonzero(~gone)
        for name in STATE:
            array = getattr(self, name)
            array[: len(keep)] = array[keep]
        self.n = len(keep)
        occupant[lane_start[self.lane[: self.n]] + self.cell[: self.n]] = np.arange(self.n)


@dataclass
class Routes:
    """Routes as lists of link indices (CSR arrays for the kernel); loops repeat forever."""

    roads: Roads
    links: list[int] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    length: list[int] = field(default_factory=list)
    loop: list[bool] = field(default_factory=list)
    _arrays: tuple[np.ndarray, ...] | None = None

    def add(self, links: list[int], loop: bool = False) -> int:
        """A new route; returns its id."""
        self.start.append(len(self.links))
        self.length.append(len(links))
        self.loop.append(loop)
        self.links.extend(links)
        self._arrays = None
        return len(self.start) - 1

    def arrays(self) -> tuple[np.ndarray, ...]:
        """(start, length, loop, links) as numpy arrays, rebuilt only after `add`."""
        if self._arrays is None:
            self._arrays = (
                np.asarray(self.start, np.int64),
                np.asarray(self.length, np.int64),
                np.asarray(self.loop, np.bool_),
                np.asarray(self.links if self.links else [0], np.int64),
            )
        return self._arrays

    def link_of(self, route: int, hop: int) -> int:
        return self.links[self.start[route] + hop]

    def remaining(self, route: int, hop: int) -> list[int]:
        """The links of `route` from `hop` on."""
        return self.links[self.start[route] + hop : self.start[route] + self.length[route]]


class Router:
    """Shortest paths by free-flow time, avoiding closed links; cached until closures change."""

    def __init__(self, roads: Roads, routes: Routes):
        self.roads = roads
        self.routes = routes
        nx.set_edge_attributes(roads.graph, free_flow_time(roads), "free_flow_s")
        self.closed: set[int] = set()
        self._cache: dict[tuple[object, object], int | None] = {}

    def set_closed(self, closed: set[int]) -> None:
        self.closed = set(closed)
        self._cache.clear()

    def path(self, origin: object, destination: object) -> list[int] | None:
        """Links of the fastest open path, or None if there is none."""
        edges = self.roads.edges
        closed = {edges[link] for link in self.closed}
        graph = nx.restricted_view(self.roads.graph, [], closed) if closed else self.roads.graph
        try:
            nodes = nx.shortest_path(graph, origin, destination, weight="free_flow_s")
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return None
        return [self.roads.link_index[(u, v)] for u, v in pairwise(nodes)]

    def route(self, origin: object, destination: object) -> int | None:
        """A route id from `origin` to `destination` (cached), or None without a path."""
        key = (origin, destination)
        if key not in self._cache:
            links = self.path(origin, destination)
            self._cache[key] = self.routes.add(links) if links else None
        return self._cache[key]
