"""The candidate samples of one run at each unit: events, fixed windows, or sequences.

Every builder returns a `Candidates`: one row per sample with `start_time`, `end_time` and the
three label columns (plus features for windows), and for each event the sample it belongs to
(-1 for none), so that the events behind the kept samples can be written with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simsynth.units import Seconds

from .options import Keying

LABELS = ["label", "label_kind", "episode_id"]
WORLD = -1
"""`entity_id` of a window or sequence of the whole world."""


@dataclass
class Candidates:
    """A run's candidate samples and which sample each of its events belongs to."""

    table: pd.DataFrame
    of_event: np.ndarray
    id_column: str | None


def event_samples(events: pd.DataFrame) -> Candidates:
    """Each event is a sample."""
    table = events.assign(start_time=events["time"], end_time=events["time"])
    return Candidates(table, np.arange(len(events)), None)


def window_samples(
    events: pd.DataFrame,
    *,
    width: Seconds,
    duration: Seconds,
    by: Keying,
    event_types: Sequence[str],
    numeric: Sequence[str],
) -> Candidates:
    """Fixed windows of `width` (each entity's windows that hold events, or every window of the
    world), with counts per event type, the mean and max of `numeric` columns (the model's
    numeric attributes, `ColumnRoles.numeric`), and label 1
    (kind and episode of the first positive event inside) if any event inside is positive."""
    bucket = np.floor(events["time"].to_numpy() / width).astype(np.int64)
    keyed = events.assign(window=bucket)
    keys = ["window"] if by == "world" else ["window", "entity_id"]
    grouped = keyed.groupby(keys, sort=True, observed=True)
    table = grouped.size().rename("events").to_frame()
    types = keyed.groupby([*keys, keyed["event_type"].astype(str)], observed=True).size()
    counts = types.unstack(fill_value=0).reindex(columns=list(event_types), fill_value=0)
    table = table.join(counts.add_prefix("n_"))
    if numeric:
        stats = grouped[list(numeric)].agg(["mean", "max"])
        stats.columns = [f"{column}_{stat}" for column, stat in stats.columns]
        table = table.join(stats)
    if by == "world":
        table["entities"] = grouped["entity_id"].nunique()
        whole = pd.RangeIndex(int(np.ceil(duration / width)), name="window")
        table = table.reindex(whole).fillna(
            {"events": 0, "entities": 0, **{f"n_{t}": 0 for t in event_types}}
        )
        table = table.astype(
            {"events": np.int64, "entities": np.int64, **{f"n_{t}": np.int64 for t in event_types}}
        )
    table = _first_positive(keyed, keys, table).reset_index()
    table["start_time"] = table["window"] * width
    table["end_time"] = np.minimum((table["window"] + 1) * width, duration)
    if by == "world":
        table["entity_id"] = WORLD
        of_event = bucket
    else:
        of_event = grouped.ngroup().to_numpy()
    table = table.drop(columns="window")
    table.insert(0, "window_id", np.arange(len(table), dtype=np.int64))
    return Candidates(_in_order(table, events), of_event, "window_id")


def _first_positive(keyed: pd.DataFrame, keys: list[str], table: pd.DataFrame) -> pd.DataFrame:
    positives = keyed[keyed["label"] != 0]
    first = positives.groupby(keys, sort=True, observed=True)[["label_kind", "episode_id"]].first()
    table = table.join(first.astype({"label_kind": str}))
    positive = table["episode_id"].notna()
    table["label"] = positive.astype(np.int8)
    table["label_kind"] = table["label_kind"].where(positive, "normal")
    table["episode_id"] = table["episode_id"].fillna(-1).astype(np.int64)
    return table


@dataclass(frozen=True)
class Span:
    """A positive sequence: one key's events from a lead time before an episode to its end."""

    key: int
    start: float
    end: float
    kind: str
    episode_id: int


def positive_spans(
    events: pd.DataFrame, episodes: pd.DataFrame, *, lead: Seconds, by: Keying
) -> list[Span]:
    """Each episode's span (from `lead` before it starts to its end or last positive event),
    per entity with positive events in it or for the world; overlapping spans of one key are
    merged, keeping the first episode's kind and id."""
    positives = events[events["label"] != 0]
    last = positives.groupby("episode_id")["time"].max()
    spans: list[Span] = []
    for episode in episodes.itertuples(index=False):
        if episode.episode_id not in last.index:
            continue
        start = max(float(episode.start_time) - lead, 0.0)
        end = max(float(episode.end_time), float(last[episode.episode_id]))
        keys = (
            [WORLD]
            if by == "world"
            else np.unique(
                positives.loc[positives["episode_id"] == episode.episode_id, "entity_id"]
            )
        )
        spans.extend(
            Span(int(k), start, end, str(episode.kind), int(episode.episode_id)) for k in keys
        )
    return _merged(spans)


def _merged(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.key, s.start)):
        if merged and merged[-1].key == span.key and span.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Span(
                last.key, last.start, max(last.end, span.end), last.kind, last.episode_id
            )
        else:
            merged.append(span)
    return merged


def sequence_samples(
    events: pd.DataFrame, spans: list[Span], *, tile: Seconds, by: Keying
) -> Candidates:
    """Positive sequences (the `spans`) and negative ones: each key's tiles of length `tile`
    (where it has events) that overlap none of its spans."""
    time = events["time"].to_numpy()
    key = np.full(len(events), WORLD, np.int64) if by == "world" else events["entity_id"].to_numpy()
    of_event = np.full(len(events), -1, np.int64)
    rows = []
    blocked = np.zeros(len(events), bool)
    tile_index = np.floor(time / tile).astype(np.int64)
    for number, span in enumerate(spans):
        same = key == span.key
        of_event[same & (time >= span.start) & (time <= span.end)] = number
        first, last = int(np.floor(span.start / tile)), int(np.floor(span.end / tile))
        blocked |= same & (tile_index >= first) & (tile_index <= last)
        rows.append((span.key, span.start, span.end, 1, span.kind, span.episode_id))
    free = ~blocked
    tiles = pd.DataFrame({"key": key[free], "tile": tile_index[free]})
    groups = tiles.groupby(["tile", "key"], sort=True).ngroup().to_numpy()
    of_event[np.flatnonzero(free)] = len(spans) + groups
    unique = tiles.drop_duplicates().sort_values(["tile", "key"])
    rows.extend(
        (k, t * tile, (t + 1) * tile, 0, "normal", -1)
        for t, k in zip(unique["tile"], unique["key"], strict=True)
    )
    table = pd.DataFrame(rows, columns=["entity_id", "start_time", "end_time", *LABELS])
    table = table.astype({"entity_id": np.int64, "label": np.int8, "episode_id": np.int64})
    table.insert(0, "sequence_id", np.arange(len(table), dtype=np.int64))
    table["events"] = np.bincount(of_event[of_event >= 0], minlength=len(table))
    return Candidates(_in_order(table, events), of_event, "sequence_id")


def _in_order(table: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """A sample table's columns in reading order (id, whose, when, features, labels), with
    `label_kind` a categorical of the events' kinds."""
    first = [table.columns[0], "entity_id", "start_time", "end_time"]
    features = [c for c in table.columns if c not in first and c not in LABELS]
    ordered = table[[*first, *features, *LABELS]]
    kinds = events["label_kind"]
    categories = (
        list(kinds.cat.categories) if isinstance(kinds.dtype, pd.CategoricalDtype) else None
    )
    return ordered.astype({"label_kind": pd.CategoricalDtype(categories)})


def tile_length(episode_lengths: Sequence[float], lead: Seconds) -> Seconds:
    """Length of negative sequences: the median positive one (lead included)."""
    return float(np.median(episode_lengths)) + lead if len(episode_lengths) else lead
