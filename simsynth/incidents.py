"""Turning a scenario's incident entries into concrete, numbered occurrences.

An entry has either a fixed time (`at`) or a Poisson `rate` of episodes over the run; both are
resolved here, once, from the run's `incidents` stream, so every model handles a plain list of
occurrences sorted by start time with episode ids 0, 1, 2, ...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from simsynth.model import ParamsModel
from simsynth.units import PerSecond, Seconds

EpisodeId = int

MAX_EXPECTED_EPISODES = 100_000
"""Most incident episodes a run's entries may expect (rate x duration, summed): every
occurrence is drawn up front, and incidents are rare events."""


class RandomStart(Protocol):
    """A start time written as a distribution (`simsynth.scenario.draws.RandomTime`)."""

    def draw(self, rng: np.random.Generator) -> Seconds: ...


class IncidentEntry(Protocol):
    """What the scheduler needs of a scenario's incident entry."""

    kind: str
    at: Seconds | RandomStart | None
    rate: PerSecond | None
    params: ParamsModel


@dataclass(frozen=True)
class Occurrence:
    """One scheduled rare-event episode."""

    episode_id: EpisodeId
    kind: str
    at: Seconds
    params: ParamsModel


def schedule(
    entries: Sequence[IncidentEntry],
    duration: Seconds,
    rng: np.random.Generator,
    params_rng: np.random.Generator | None = None,
) -> tuple[Occurrence, ...]:
    """Resolve fixed and Poisson incident entries into occurrences numbered by start time;
    params written as distributions (`simsynth.scenario.draws`) are drawn per occurrence, in
    episode order, from `params_rng` (a stream of their own, so that timing and the models'
    randomness do not shift when a param becomes random)."""
    timed: list[tuple[Seconds, int, IncidentEntry]] = []
    for index, entry in enumerate(entries):
        if entry.at is not None:
            at = entry.at if isinstance(entry.at, float | int) else entry.at.draw(_need(params_rng))
            timed.append((float(at), index, entry))
        elif entry.rate:
            count = rng.poisson(entry.rate * duration)
            for at in np.sort(rng.uniform(0.0, duration, size=count)):
                timed.append((float(at), index, entry))
    timed.sort(key=lambda item: (item[0], item[1]))
    return tuple(
        Occurrence(episode_id=i, kind=entry.kind, at=at, params=_resolved(entry.params, params_rng))
        for i, (at, _, entry) in enumerate(timed)
    )


def _need(rng: np.random.Generator | None) -> np.random.Generator:
    if rng is None:
        raise ValueError("values written as distributions need a params_rng")
    return rng


def _resolved(params: ParamsModel, rng: np.random.Generator | None) -> ParamsModel:
    """An entry's params for one occurrence: drawn if written as distributions."""
    resolve = getattr(params, "resolve", None)
    if resolve is None:
        return params
    return resolve(_need(rng) if getattr(params, "forms", None) else rng)
