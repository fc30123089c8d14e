"""Small events tables whose metric values are known in advance."""

from __future__ import annotations

import numpy as np
import pandas as pd

RHO = 0.8
"""Pearson correlation of `x` and `y` in `attributes`."""


def events(
    time: np.ndarray,
    *,
    entity: np.ndarray | None = None,
    event_type: np.ndarray | None = None,
    run: np.ndarray | int = 0,
    **columns: np.ndarray,
) -> pd.DataFrame:
    """An events table with the core columns (no positives) and the given attribute columns."""
    n = len(time)
    frame = pd.DataFrame(
        {
            "event_id": np.arange(n, dtype=np.int64),
            "time": np.asarray(time, np.float64),
            "event_type": pd.Categorical(["event"] * n if event_type is None else event_type),
            "entity_id": np.zeros(n, np.int64) if entity is None else np.asarray(entity),
            "label": np.zeros(n, np.int8),
            "label_kind": pd.Categorical(["normal"] * n),
            "episode_id": np.full(n, -1, np.int64),
            **columns,
        }
    )
    frame["run_id"] = pd.Categorical(np.broadcast_to(run, n))
    return frame


def attributes(n: int, seed: int, *, shift: float = 0.0, rho: float = RHO) -> pd.DataFrame:
    """`n` events at increasing times with attributes: `x` ~ N(shift, 1); `y` with correlation
    `rho` to x; `colour` (red/green/blue, 50/30/20 %) and `size`, which is `large` for red rows
    and `small` otherwise (fully associated with colour)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = rho * x + np.sqrt(1 - rho**2) * rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n, p=[0.5, 0.3, 0.2])
    return events(
        np.sort(rng.uniform(0, 1000, size=n)),
        entity=rng.integers(0, 50, size=n),
        x=x + shift,
        y=y,
        colour=pd.Categorical(colour),
        size=pd.Categorical(np.where(colour == "red", "large", "small")),
    )
