"""Poisson activation of traders: each acts at the events of its own Poisson process.

A heap holds every trader's next activation time. A trader whose rate changes gets a fresh
exponential wait from the time of the change (exact, the process being memoryless); its old
entry is skipped when it comes up.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

import numpy as np

from simsynth import draws
from simsynth.units import Seconds


class Activations:
    """When each of `rates` (per second, indexed 0..n-1) traders acts next."""

    def __init__(self, rates: list[float], rng: np.random.Generator, start: Seconds = 0.0):
        self._wait = draws.BlockDraws(lambda n: rng.exponential(1.0, n))
        self._rates = list(rates)
        self._due = [start + self._wait() / rate for rate in self._rates]
        self._heap = [(due, index) for index, due in enumerate(self._due)]
        heapq.heapify(self._heap)

    def until(self, end: Seconds) -> Iterator[tuple[Seconds, int]]:
        """(time, trader index) of every activation before `end`, in time order; each
        trader's next one is scheduled as it is handed out."""
        heap, due = self._heap, self._due
        while heap and heap[0][0] < end:
            time, index = heapq.heappop(heap)
            if time != due[index]:
                continue  # superseded by a change of rate
            due[index] = time + self._wait() / self._rates[index]
            heapq.heappush(heap, (due[index], index))
            yield time, index

    def change_rate(self, index: int, rate: float, now: Seconds) -> None:
        """Trader `index` acts at `rate` from `now` on."""
        self._rates[index] = rate
        self._due[index] = now + self._wait() / rate
        heapq.heappush(self._heap, (self._due[index], index))
