"""Dataset tables built from arrays rather than from a simulation (baselines, imported logs).

The helpers here give such tables the types of the contract (DESIGN §3): dictionary<int32,
string> columns, the episodes schema of `EpisodeLog` (with clock times when the events have
timestamps), one partition per run, and the counts the manifest records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from simsynth.episodes import episodes_schema
from simsynth.sink import NORMAL, PARQUET_OPTIONS
from simsynth.stores import partition_file

LABEL_COLUMNS = ("label", "label_kind", "episode_id")


def dictionary_array(values: Any, categories: Sequence[str]) -> pa.DictionaryArray:
    """`values` (strings, None for null) as a dictionary<int32, string> array over
    `categories`, which keep their order (values outside them raise ValueError)."""
    text = pa.array(np.asarray(values, dtype=object), pa.string())
    dictionary = pa.array(list(categories), pa.string())
    indices = pc.index_in(text, value_set=dictionary).cast(pa.int32())
    if indices.null_count > text.null_count:
        raise ValueError("a value is not among the categories")
    return pa.DictionaryArray.from_arrays(indices, dictionary)


def label_kinds(kinds: Iterable[str]) -> list[str]:
    """The categories of a `label_kind` column: `normal` first, then the kinds sorted."""
    return [NORMAL, *sorted(set(kinds) - {NORMAL})]


def episode_ids_per_positive(label: np.ndarray) -> np.ndarray:
    """`episode_id` when every positive row is an episode of its own: 0, 1, ... along the
    positive rows, -1 elsewhere."""
    positive = label.astype(bool)
    ids = np.full(len(label), -1, dtype=np.int64)
    ids[positive] = np.arange(int(positive.sum()), dtype=np.int64)
    return ids


@dataclass(frozen=True)
class EpisodeClock:
    """The clock times of episodes' starts and ends (microseconds since the epoch) and their
    type, that of the events' `timestamp`."""

    type: pa.DataType
    start_us: np.ndarray
    end_us: np.ndarray


def episodes_table(
    kinds: Sequence[str],
    start: np.ndarray,
    end: np.ndarray,
    entities: Sequence[Sequence[int]],
    params: Sequence[Mapping[str, Any]],
    categories: Sequence[str],
    clock: EpisodeClock | None = None,
) -> pa.Table:
    """An episodes table (ids 0, 1, ... in the given order) with the schema of `EpisodeLog`
    (and its clock columns when the events have a `timestamp`, given as `clock`)."""
    arrays = [
        pa.array(np.arange(len(kinds), dtype=np.int64)),
        dictionary_array(list(kinds), categories),
        pa.array(np.asarray(start, dtype=np.float64)),
        pa.array(np.asarray(end, dtype=np.float64)),
        pa.array([sorted({int(e) for e in group}) for group in entities], pa.list_(pa.int64())),
        pa.array([json.dumps(dict(p), sort_keys=True) for p in params], pa.string()),
    ]
    if clock is not None:
        for micros in (clock.start_us, clock.end_us):
            arrays.append(pa.array(np.asarray(micros, dtype=np.int64)).cast(clock.type))
    return pa.table(arrays, schema=episodes_schema(None if clock is None else clock.type))


def write_partition(root: Path, table: str, run_id: int, data: pa.Table) -> None:
    """Write one run's part file of `table` under the dataset root `root`."""
    path = partition_file(root, table, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(data, path, **PARQUET_OPTIONS)  # type: ignore[arg-type]


def run_counts(events: pa.Table, episodes: pa.Table) -> dict[str, Any]:
    """The manifest's counts of one run: events, episodes and positive events per kind."""
    kinds = events.column("label_kind").combine_chunks()
    codes = kinds.indices.to_numpy(zero_copy_only=False)
    positive = events.column("label").to_numpy() == 1
    found = np.bincount(codes[positive], minlength=len(kinds.dictionary))
    names = kinds.dictionary.to_pylist()
    return {
        "events": events.num_rows,
        "episodes": episodes.num_rows,
        "positives": {
            names[i]: int(found[i]) for i in sorted(np.flatnonzero(found), key=names.__getitem__)
        },
    }


def total_counts(runs: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The counts of a whole dataset from those of its runs."""
    events = episodes = 0
    positives: dict[str, int] = {}
    for counts in runs:
        events += counts["events"]
        episodes += counts["episodes"]
        for kind, n in counts["positives"].items():
            positives[kind] = positives.get(kind, 0) + n
    return {"events": events, "episodes": episodes, "positives": dict(sorted(positives.items()))}
