"""The fixed-time signal plan as numbers: each phase's effective green and who it serves.

Kept apart from the SimPy controller that runs it so that the timings (and the quantities
Webster's formula needs: green ratio, capacity) can be computed and checked without a
simulation.
"""

from __future__ import annotations

from dataclasses import dataclass

from simsynth.models.traffic.intersection.params import IntersectionParams
from simsynth.units import PerSecond, Seconds


@dataclass(frozen=True)
class SignalPlan:
    """Phases run in order; each is an effective green followed by `lost_time` of red."""

    cycle: Seconds
    lost_time: Seconds
    greens: tuple[Seconds, ...]
    """Effective green of each phase."""
    phase_of: dict[str, int]
    """The phase serving each approach."""

    @classmethod
    def from_params(cls, params: IntersectionParams) -> SignalPlan:
        """The plan of validated params (splits rescaled to sum exactly 1)."""
        total_split = sum(phase.split for phase in params.phases)
        green_time = params.cycle - len(params.phases) * params.lost_time
        return cls(
            cycle=params.cycle,
            lost_time=params.lost_time,
            greens=tuple(green_time * phase.split / total_split for phase in params.phases),
            phase_of={
                name: index
                for index, phase in enumerate(params.phases)
                for name in phase.approaches
            },
        )

    def green_ratio(self, approach: str) -> float:
        """Effective green over cycle (Webster's lambda) of an approach."""
        return self.greens[self.phase_of[approach]] / self.cycle

    def capacity(self, approach: str, lanes: int, saturation_flow: PerSecond) -> PerSecond:
        """Vehicles per second the approach can discharge: lambda x s x lanes."""
        return self.green_ratio(approach) * saturation_flow * lanes

    def webster_delay(
        self, approach: str, flow: PerSecond, lanes: int, saturation_flow: PerSecond
    ) -> Seconds | None:
        """Webster's (1958) mean delay per vehicle of an approach with Poisson arrivals at
        `flow`: uniform + random terms minus his empirical correction; None when the approach
        is at or over capacity (x >= 1), where the formula does not hold."""
        green = self.green_ratio(approach)
        saturation = saturation_flow * lanes
        x = flow / (green * saturation)
        if flow <= 0 or x >= 1:
            return None
        uniform = self.cycle * (1 - green) ** 2 / (2 * (1 - green * x))
        random = x * x / (2 * flow * (1 - x))
        correction = 0.65 * (self.cycle / flow**2) ** (1 / 3) * x ** (2 + 5 * green)
        return uniform + random - correction
