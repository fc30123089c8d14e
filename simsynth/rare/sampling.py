"""Reaching a prevalence by sampling negatives (never duplicating positives), with weights.

The negatives kept are a simple random sample without replacement of all negative samples of
the set: their count per run is drawn from a multivariate hypergeometric distribution, then
which ones from each run's own stream. Every negative thus has the same inclusion probability
`kept / available`, and its weight is the inverse; positives are all kept with weight 1, so
weighted counts give back the natural prevalence exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NegativePlan:
    """How many negatives there are, how many are kept, and each run's share of them."""

    available: int
    kept: int
    per_run: dict[int, int]

    @property
    def weight(self) -> float:
        """The inverse inclusion probability of a kept negative."""
        return self.available / self.kept if self.kept else 1.0


def negatives_wanted(positives: int, negatives: int, prevalence: float | None) -> int:
    """Negatives to keep so that positives make up `prevalence` of the set (all of them when
    `prevalence` is None or at or below the natural one)."""
    if prevalence is None:
        return negatives
    return min(negatives, round(positives * (1.0 - prevalence) / prevalence))


def plan_negatives(available: dict[int, int], keep: int, rng: np.random.Generator) -> NegativePlan:
    """Deal `keep` negatives among runs holding `available[run]` each, as a simple random
    sample of them all would."""
    runs = sorted(available)
    counts = np.array([available[run] for run in runs], dtype=np.int64)
    total = int(counts.sum())
    if keep >= total:
        taken = counts
    else:
        taken = rng.multivariate_hypergeometric(counts, keep, method="marginals")
    return NegativePlan(total, int(np.sum(taken)), dict(zip(runs, map(int, taken), strict=True)))


def chosen(candidates: int, keep: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of `keep` of `candidates` items, drawn without replacement."""
    if keep >= candidates:
        return np.arange(candidates)
    return np.sort(rng.choice(candidates, size=keep, replace=False))


def sample_rows(
    labels: np.ndarray, keep: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices to keep (every positive, `keep` of the negatives) in their original order."""
    negatives = np.flatnonzero(labels == 0)
    kept = negatives[chosen(len(negatives), keep, rng)]
    return np.sort(np.concatenate([np.flatnonzero(labels != 0), kept])), kept


def weights_of(labels: np.ndarray, negative_weight: float) -> np.ndarray:
    """1 for positives, the inverse inclusion probability for negatives."""
    return np.where(labels != 0, 1.0, negative_weight)
