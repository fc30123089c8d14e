"""What arrives on an approach: the headways between vehicles and where each one is going.

Headways are exponential (Poisson arrivals) or follow Cowan's M3 model of bunched traffic: a
share θ of vehicles follows the one ahead at the minimum headway Δ, the others are free and
arrive Δ plus an exponential gap after it. The gap's mean (1 - Δq) / ((1 - θ) q) keeps the
mean flow at the approach's rate q. Both are drawn in numpy blocks (`simsynth.draws`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from simsynth import draws
from simsynth.models.traffic.intersection.params import PlatoonParams, TurningShares
from simsynth.units import PerSecond

MOVEMENTS = ("left", "through", "right")


def headways(
    rate: PerSecond, platoons: PlatoonParams | None, rng: np.random.Generator
) -> Callable[[], float]:
    """Successive arrival headways (seconds) of a stream of `rate` vehicles per second."""
    if rate <= 0:
        return lambda: math.inf
    if platoons is None:
        return draws.exponential(rng, 1 / rate)
    follows = platoons.share
    min_headway = platoons.min_headway
    gap_mean = (1 - min_headway * rate) / ((1 - follows) * rate)

    def block(n: int) -> np.ndarray:
        free = rng.random(n) >= follows
        return min_headway + np.where(free, rng.exponential(gap_mean, n), 0.0)

    return draws.BlockDraws(block)


def movements(shares: TurningShares, rng: np.random.Generator) -> Callable[[], int]:
    """Successive movement codes (indices into `MOVEMENTS`) drawn with the given shares."""
    p = np.array([shares.left, shares.through, shares.right])
    return draws.BlockDraws(lambda n: rng.choice(len(MOVEMENTS), size=n, p=p / p.sum()))  # type: ignore[return-value]
