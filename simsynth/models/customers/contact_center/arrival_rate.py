"""The callers' arrival rate: a base rate times an hour-of-day profile times active surges.

The rate is piecewise constant, so arrivals are drawn exactly: exponential gaps at the current
rate, redrawn (by memorylessness) whenever the rate changes at an hour boundary or a surge edge.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from simsynth.units import PerSecond, Seconds

HOUR = 3600.0


@dataclass(frozen=True)
class Surge:
    """A window in which the arrival rate is multiplied."""

    start: Seconds
    end: Seconds
    multiplier: float


class ArrivalRate:
    """Arrival rate of callers as a function of simulated time."""

    def __init__(
        self,
        base: PerSecond,
        hourly_profile: Sequence[float] | None = None,
        day_offset: Seconds = 0.0,
        surges: Sequence[Surge] = (),
    ):
        self.base = base
        self.hourly_profile = tuple(hourly_profile) if hourly_profile else None
        self.day_offset = day_offset
        self.surges = tuple(surges)
        self._edges = sorted({t for s in self.surges for t in (s.start, s.end)})

    def at(self, time: Seconds) -> tuple[PerSecond, Seconds]:
        """The rate at `time` and the next time it may change (`inf` if never)."""
        rate = self.base
        next_change = math.inf
        if self.hourly_profile is not None:
            hours = math.floor((time + self.day_offset) / HOUR)
            next_change = (hours + 1) * HOUR - self.day_offset
            if next_change <= time:  # `time` sits on a boundary, up to rounding
                hours += 1
                next_change += HOUR
            rate *= self.hourly_profile[hours % 24]
        for surge in self.surges:
            if surge.start <= time < surge.end:
                rate *= surge.multiplier
        edge = bisect.bisect_right(self._edges, time)
        if edge < len(self._edges):
            next_change = min(next_change, self._edges[edge])
        return rate, next_change
