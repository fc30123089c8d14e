"""Train/validation/test splits that never share a run (or, by time, a stretch of one run)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simsynth.units import Seconds

from .options import SPLITS

OUTSIDE = -1
"""Split code of a sample that falls in a gap or across a cut (it is dropped)."""


def runs_per_split(run_count: int, shares: Sequence[float]) -> list[int]:
    """How many runs each split gets: largest remainders of `shares * run_count`, with at least
    one run for every split whose share is above 0 when there are enough runs."""
    exact = np.asarray(shares, dtype=float) * run_count
    counts = np.floor(exact).astype(int)
    for index in np.argsort(-(exact - counts), kind="stable")[: run_count - counts.sum()]:
        counts[index] += 1
    for index in np.flatnonzero((counts == 0) & (np.asarray(shares) > 0)):
        donor = int(np.argmax(counts))
        if counts[donor] > 1:
            counts[donor] -= 1
            counts[index] += 1
    return [int(count) for count in counts]


def assign_runs(
    run_ids: Sequence[int], shares: Sequence[float], rng: np.random.Generator
) -> dict[int, str]:
    """Each run's split: runs shuffled by `rng`, then dealt out in the splits' proportions."""
    order = rng.permutation(np.asarray(run_ids, dtype=np.int64))
    bounds = np.cumsum([0, *runs_per_split(len(order), shares)])
    return {
        int(run_id): SPLITS[split]
        for split in range(len(SPLITS))
        for run_id in order[bounds[split] : bounds[split + 1]]
    }


class TimeCuts:
    """Splits by time inside a run: `[0, d)` cut at the cumulative shares, `gap` left out
    around each cut (half on either side)."""

    def __init__(self, duration: Seconds, shares: Sequence[float], gap: Seconds):
        self.cuts = np.cumsum(shares)[:-1] * duration
        self.gap = gap

    def codes(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Split index of each sample spanning [start, end], or OUTSIDE if it reaches into a gap
        or across a cut."""
        first = np.searchsorted(self.cuts, start, side="right")
        last = np.searchsorted(self.cuts, end, side="right")
        codes = np.where(first == last, first, OUTSIDE)
        half = self.gap / 2.0
        if half > 0:
            for cut in self.cuts:
                codes[(end >= cut - half) & (start < cut + half)] = OUTSIDE
        return codes
