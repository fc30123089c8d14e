"""Junctions as Mesa agents: fixed-time two-phase signals, and their failures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from simsynth.models.traffic.road_network.kernels import ALL_WAY_STOP, GREEN, RED
from simsynth.models.traffic.road_network.roads import NO_SIGNAL

if TYPE_CHECKING:
    from simsynth.models.traffic.road_network.model import RoadNetwork


class Junction(mesa.Agent):
    """A signalised junction: phase 0 (east-west) then phase 1 (north-south), equal greens,
    from a random offset; a failure makes it dark (all-way stop) or stuck on phase 0."""

    def __init__(self, model: RoadNetwork, node: object, offset: float):
        super().__init__(model)
        self.node = node
        self.offset = offset
        roads = model.roads
        index = roads.nodes.index(node)
        self.approaches = np.flatnonzero((roads.link_to == index) & (roads.phase != NO_SIGNAL))
        self.failure: str | None = None

    def override(self, signal: np.ndarray) -> None:
        """Replace the plan's lights on this junction's approaches while it has failed."""
        if self.failure == "all_way_stop":
            signal[self.approaches] = ALL_WAY_STOP
        elif self.failure == "stuck":
            phases = self.model.roads.phase[self.approaches]
            signal[self.approaches] = np.where(phases == 0, GREEN, RED)


def plan_lights(phase: np.ndarray, offset: np.ndarray, now: float, cycle: float) -> np.ndarray:
    """Lights per link from the fixed-time plans: green for unsignalised links and for links
    whose phase is the one running at `now` at their junction (offset per link)."""
    running = ((now + offset) // (cycle / 2)).astype(np.int64) % 2
    return np.where((phase == NO_SIGNAL) | (phase == running), GREEN, RED).astype(np.int8)
