"""What a detector is asked to find in an events table: any positive (`label`) or one incident
kind against everything else, and a row cap that keeps every positive and weights a sample of
the negatives so that counts (F1, precision, PR-AUC) stay those of the whole table.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

ANY = "label"
"""The target of any positive event, whatever its kind."""
NORMAL = "normal"


def kinds(events: pd.DataFrame) -> list[str]:
    """The incident kinds with at least one positive event in `events`, sorted."""
    if "label_kind" not in events:
        return []
    present = events.loc[events["label"].to_numpy() > 0, "label_kind"].astype(str).unique()
    return sorted(k for k in present if k != NORMAL)


def targets(target: str, frames: Iterable[pd.DataFrame], *, every_kind: bool = True) -> list[str]:
    """`target` first, then (if `every_kind`) each kind present in any of `frames`."""
    found = [target]
    if every_kind:
        for frame in frames:
            found += [k for k in kinds(frame) if k not in found]
    return found


def positives(events: pd.DataFrame, target: str) -> np.ndarray:
    """Boolean positives of `target`: `label` > 0, or `label_kind` == target (one-vs-rest)."""
    if target == ANY:
        return events["label"].to_numpy() > 0
    return (events["label_kind"].astype(str) == target).to_numpy()


def capped(y: np.ndarray, max_rows: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Rows to use and their weights: all rows if there are at most `max_rows`, else every
    positive and a uniform sample of negatives weighted by the inverse of its sampling rate."""
    n = len(y)
    if n <= max_rows:
        return np.arange(n), np.ones(n)
    negatives = np.flatnonzero(~y)
    keep = max(max_rows - int(y.sum()), 1)
    chosen = np.sort(rng.choice(negatives, size=min(keep, len(negatives)), replace=False))
    rows = np.sort(np.concatenate([np.flatnonzero(y), chosen]))
    weights = np.where(y[rows], 1.0, len(negatives) / len(chosen))
    return rows, weights
