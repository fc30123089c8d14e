"""Scalar random draws for per-event Python code, served from vectorised numpy blocks.

Calling a numpy Generator once per event costs about a microsecond; drawing blocks of a few
thousand and handing them out one by one costs a list index. Each `BlockDraws` owns its
generator, so the numbers one component draws never depend on how often another one draws.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

BLOCK_SIZE = 4096


class BlockDraws:
    """An endless source of floats, refilled `block` at a time by `fill(n)`."""

    def __init__(self, fill: Callable[[int], np.ndarray], block: int = BLOCK_SIZE):
        if block <= 0:
            raise ValueError('"block" must be > 0.')
        self._fill = fill
        self._block = block
        self._values: list[float] = []
        self._next = 0

    def __call__(self) -> float:
        """The next draw."""
        index = self._next
        if index == len(self._values):
            self._values = self._fill(self._block).tolist()
            index = 0
        self._next = index + 1
        return self._values[index]


def exponential(rng: np.random.Generator, mean: float) -> BlockDraws:
    """Exponential draws with the given mean."""
    return BlockDraws(lambda n: rng.exponential(mean, n))


def lognormal(rng: np.random.Generator, mean: float, cv: float) -> BlockDraws:
    """Lognormal draws parametrised by their mean and coefficient of variation."""
    sigma = float(np.sqrt(np.log1p(cv * cv)))
    mu = float(np.log(mean) - sigma * sigma / 2)
    return BlockDraws(lambda n: rng.lognormal(mu, sigma, n))
