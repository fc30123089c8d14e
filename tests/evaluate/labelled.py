"""Labelled events tables whose shortcuts and utility are known in advance."""

from __future__ import annotations

import numpy as np
import pandas as pd

EPISODE_LENGTH = 100.0
"""Seconds per episode block: positives in one block of time form one episode."""


def events(n: int, seed: int, *, run: int = 0) -> pd.DataFrame:
    """`n` unlabelled events over 10,000 s: numeric `x` ~ N(0, 1.5), `noise` ~ N(0, 1),
    categorical `colour` (4 values), `entity_id` among 500 entities, `card_id` (random
    12-digit numbers) and `name` (`C` + digits)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "event_id": np.arange(n, dtype=np.int64),
            "time": np.sort(rng.uniform(0, 10_000, n)),
            "event_type": pd.Categorical(["payment"] * n),
            "entity_id": rng.integers(0, 500, n).astype(np.int64),
            "label": np.zeros(n, np.int8),
            "label_kind": pd.Categorical(["normal"] * n),
            "episode_id": np.full(n, -1, np.int64),
            "card_id": rng.integers(10**11, 10**12, n).astype(np.int64),
            "name": [f"C{v}" for v in rng.integers(10**6, 10**7, n)],
            "x": rng.normal(0, 1.5, n),
            "noise": rng.normal(0, 1, n),
            "colour": pd.Categorical(rng.choice(["red", "green", "blue", "grey"], n)),
            "run_id": pd.Categorical([run] * n),
        }
    )


def label(frame: pd.DataFrame, positive: np.ndarray, kind: str = "spike") -> pd.DataFrame:
    """`frame` with `positive` rows labelled `kind`, one episode per block of time."""
    frame = frame.copy()
    labels = frame["label_kind"].astype(str).to_numpy()
    labels[positive] = kind
    frame["label_kind"] = pd.Categorical(labels)
    frame["label"] = (labels != "normal").astype(np.int8)
    block = (frame["time"] // EPISODE_LENGTH).astype(np.int64).to_numpy()
    offset = sum(map(ord, kind)) * 1_000_000  # episodes of different kinds never share ids
    frame["episode_id"] = np.where(positive, block + offset, frame["episode_id"])
    return frame


def logistic(frame: pd.DataFrame, seed: int, kind: str = "spike") -> pd.DataFrame:
    """`frame` with noisy positives: P(positive) = sigmoid(2 x - 7) (about 4 % positive;
    red rows twice as likely)."""
    rng = np.random.default_rng([seed, 99])
    logit = 2 * frame["x"].to_numpy() - 7 + np.log(2) * (frame["colour"] == "red").to_numpy()
    return label(frame, rng.random(len(frame)) < 1 / (1 + np.exp(-logit)), kind)
