"""Junctions and loop detectors as Mesa agents: fixed-time two-phase signals and their
failures; detectors' readings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from simsynth.models.traffic.road_network.kernels import ALL_WAY_STOP, GREEN, NO_OVERRIDE, RED
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

    def fail(self, mode: str) -> None:
        """Go dark (`all_way_stop`) or stick on the east-west phase (`stuck`)."""
        self.failure = mode
        override = self.model.signal_override
        if mode == "all_way_stop":
            override[self.approaches] = ALL_WAY_STOP
        else:
            phases = self.model.roads.phase[self.approaches]
            override[self.approaches] = np.where(phases == 0, GREEN, RED)

    def repair(self) -> None:
        """Back to the fixed-time plan."""
        self.failure = None
        self.model.signal_override[self.approaches] = NO_OVERRIDE


class LoopDetector(mesa.Agent):
    """A loop detector in the middle of a link; the kernel counts into the model's arrays and
    the model reports every `detectors.interval` (one `detector` row per detector)."""

    def __init__(self, model: RoadNetwork, link: int, cell: int):
        super().__init__(model)
        self.link = link
        self.cell = cell

    def reading(self) -> tuple[int, int, int]:
        """(vehicles crossed, sum of their speeds in cells/s, occupied lane-steps) so far in
        the current interval."""
        model = self.model
        return (
            int(model.detector_count[self.link]),
            int(model.detector_speed[self.link]),
            int(model.detector_occupied[self.link]),
        )
