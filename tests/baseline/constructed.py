"""Datasets of known distributions, written in the contract without a simulation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from simsynth.contract_tables import (
    dictionary_array,
    episode_ids_per_positive,
    episodes_table,
    label_kinds,
    run_counts,
    total_counts,
    write_partition,
)
from simsynth.dataset import DatasetWriter
from simsynth.sink import NORMAL

RHO = 0.8
"""Correlation of `x` and `z` in every stratum."""
PROBABILITIES = {"a": 0.5, "b": 0.3, "c": 0.15, "d": 0.05}
"""Frequencies of the categorical column `category`."""
STRATA = {("pay", NORMAL): 0.7, ("login", NORMAL): 0.25, ("pay", "fraud"): 0.05}
GAP_SCALE = 2.0
"""Mean of the exponential inter-event times (s)."""


def constructed_events(rows: int, rng: np.random.Generator) -> pd.DataFrame:
    """One run of events: strata by `STRATA`; `x` ~ N(10, 2) (N(20, 2) on fraud) and `z`
    correlated with it (ρ = `RHO`); `amount` lognormal(σ 0.5, median 30); `wait` exponential
    with mean 5 and a 40% point mass at 0; `category` by `PROBABILITIES`; `count` Poisson(3)."""
    keys = list(STRATA)
    which = rng.choice(len(keys), size=rows, p=list(STRATA.values()))
    normal = rng.multivariate_normal([0.0, 0.0], [[1.0, RHO], [RHO, 1.0]], size=rows)
    fraud = np.array([keys[k][1] != NORMAL for k in which])
    wait = rng.exponential(5.0, rows)
    wait[rng.random(rows) < 0.4] = 0.0
    return pd.DataFrame(
        {
            "time": np.cumsum(rng.exponential(GAP_SCALE, rows)),
            "event_type": [keys[k][0] for k in which],
            "entity_id": rng.integers(0, 50, rows),
            "label_kind": [keys[k][1] for k in which],
            "x": np.where(fraud, 20.0, 10.0) + 2.0 * normal[:, 0],
            "z": 2.0 * normal[:, 1],
            "amount": rng.lognormal(np.log(30.0), 0.5, rows),
            "wait": wait,
            "category": rng.choice(list(PROBABILITIES), size=rows, p=list(PROBABILITIES.values())),
            "count": rng.poisson(3.0, rows).astype(np.int32),
        }
    )


def write_constructed(target: Path, runs: dict[int, pd.DataFrame]) -> Path:
    """Write runs of `constructed_events` as a dataset in the contract."""
    categories = {
        "event_type": sorted({key[0] for key in STRATA}),
        "label_kind": label_kinds(key[1] for key in STRATA),
        "category": list(PROBABILITIES),
    }
    with DatasetWriter(target) as writer:
        assert writer.root is not None
        counts = []
        for run_id, frame in runs.items():
            label = (frame["label_kind"] != NORMAL).to_numpy().astype(np.int8)
            columns = {
                "event_id": pa.array(np.arange(len(frame), dtype=np.int64)),
                "time": pa.array(frame["time"].to_numpy()),
                "event_type": dictionary_array(frame["event_type"], categories["event_type"]),
                "entity_id": pa.array(frame["entity_id"].to_numpy(np.int64)),
                "label": pa.array(label),
                "label_kind": dictionary_array(frame["label_kind"], categories["label_kind"]),
                "episode_id": pa.array(episode_ids_per_positive(label)),
                "x": pa.array(frame["x"].to_numpy()),
                "z": pa.array(frame["z"].to_numpy()),
                "amount": pa.array(frame["amount"].to_numpy()),
                "wait": pa.array(frame["wait"].to_numpy()),
                "category": dictionary_array(frame["category"], categories["category"]),
                "count": pa.array(frame["count"].to_numpy()),
            }
            events = pa.table(columns)
            positive = label == 1
            time = frame["time"].to_numpy()[positive]
            episodes = episodes_table(
                frame["label_kind"].to_numpy()[positive],
                time,
                time,
                [[e] for e in frame["entity_id"].to_numpy()[positive]],
                [{}] * int(positive.sum()),
                categories["label_kind"],
            )
            write_partition(writer.root, "events", run_id, events)
            write_partition(writer.root, "episodes", run_id, episodes)
            counts.append({"run_id": run_id, "counts": run_counts(events, episodes)})
        writer.commit(
            {
                "scenario": {"name": "constructed"},
                "runs": counts,
                "counts": total_counts(run["counts"] for run in counts),
            }
        )
    return target
