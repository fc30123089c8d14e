"""Counterfactual twins: a run replayed with the same seed and its incidents removed.

Every model draws the randomness its incidents use from streams of their own, so a run's twin is
identical to it, row for row, up to the first incident. Comparing the two gives each incident's
causal footprint: the events whose outcome it changed (`role` = `affected`).

Rows are compared on every column except the identifiers and labels (`IGNORED`), as multisets of
64-bit row hashes, so millions of rows compare in a few vectorised passes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from simsynth.runner import run_once
from simsynth.scenario import Scenario
from simsynth.seeding import RunId

IGNORED = ("event_id", "label", "label_kind", "episode_id", "role", "run_id")
"""Columns that do not take part in comparing a factual row with its twin's."""
NORMAL, AFFECTED, INVOLVED = "normal", "affected", "involved"
ROLES = (NORMAL, AFFECTED, INVOLVED)
"""Categories of a `role` column created by `mark_affected`."""


def twin_scenario(scenario: Scenario) -> Scenario:
    """`scenario` with its incidents removed (same seed, params and duration)."""
    return scenario.model_copy(update={"incidents": []})


def run_twin(scenario: Scenario, run_id: RunId, root: Path | None = None) -> pd.DataFrame:
    """Run the twin of run `run_id` of `scenario` (grid values already applied) and return its
    events sorted by `event_id`; written under `root`, or a temporary directory if None."""
    if root is None:
        with tempfile.TemporaryDirectory(prefix="simsynth-twin-") as temporary:
            return run_twin(scenario, run_id, Path(temporary))
    run_once(twin_scenario(scenario), run_id, root)
    events = pd.read_parquet(root / "events" / f"run_id={run_id}")
    return events.sort_values("event_id", kind="stable").reset_index(drop=True)


def compared_columns(factual: pd.DataFrame, twin: pd.DataFrame) -> list[str]:
    """The columns two event tables are compared on: all but `IGNORED`, in factual's order."""
    columns = [c for c in factual.columns if c not in IGNORED]
    missing = sorted(set(columns).symmetric_difference(c for c in twin.columns if c not in IGNORED))
    if missing:
        raise ValueError(f"factual and twin events differ in their columns: {missing}")
    return columns


def row_hashes(events: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """One uint64 hash per row over `columns` (categoricals hash by value, not by code)."""
    if not len(columns):
        return np.zeros(len(events), np.uint64)
    return pd.util.hash_pandas_object(events[list(columns)], index=False).to_numpy(np.uint64)


def affected_rows(factual: pd.DataFrame, twin: pd.DataFrame) -> np.ndarray:
    """Boolean mask over `factual`'s rows: True where the row has no identical counterpart in
    `twin` (compared on `compared_columns`), matched as multisets: of k identical factual rows
    of which the twin has j < k, the last k - j (in `factual`'s order) are affected."""
    columns = compared_columns(factual, twin)
    ours = row_hashes(factual, columns)
    theirs, counts = np.unique(row_hashes(twin, columns), return_counts=True)
    slot = np.minimum(np.searchsorted(theirs, ours), max(len(theirs) - 1, 0))
    available = np.where(theirs[slot] == ours, counts[slot], 0) if len(theirs) else 0
    return _occurrence(ours) >= available


def _occurrence(hashes: np.ndarray) -> np.ndarray:
    """For each value, how many equal values come before it (a vectorised cumcount)."""
    order = np.argsort(hashes, kind="stable")
    ranked = hashes[order]
    starts = np.r_[True, ranked[1:] != ranked[:-1]] if len(ranked) else np.zeros(0, bool)
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(ranked)), 0))
    occurrence = np.empty(len(hashes), np.int64)
    occurrence[order] = np.arange(len(ranked)) - group_start
    return occurrence


def first_difference(factual: pd.DataFrame, twin: pd.DataFrame) -> float | None:
    """The time at which the two runs first part, comparing rows in `event_id` order: the
    earlier of the two rows' times at the first position where they differ (or where one run
    has ended); None if the runs are identical on `compared_columns`."""
    columns = compared_columns(factual, twin)
    ours = factual.sort_values("event_id", kind="stable")
    theirs = twin.sort_values("event_id", kind="stable")
    shared = min(len(ours), len(theirs))
    differ = row_hashes(ours.iloc[:shared], columns) != row_hashes(theirs.iloc[:shared], columns)
    if differ.any():
        position = int(np.argmax(differ))
    elif len(ours) == len(theirs):
        return None
    else:
        position = shared
    times = [frame["time"].iloc[position] for frame in (ours, theirs) if position < len(frame)]
    return float(min(times))


def mark_affected(events: pd.DataFrame, twin: pd.DataFrame) -> pd.DataFrame:
    """`events` with a categorical `role` column in which label-0 rows changed by the run's
    incidents (`affected_rows` against its `twin`) are `affected`.

    A model's own `role` values are kept except on those rows. Without a `role` column, one is
    created with the categories `normal` (label-0 rows the incidents left as they were),
    `affected` (label-0 rows they changed) and `involved` (rows of an episode, label 1).
    """
    changed = affected_rows(events, twin) & (events["label"].to_numpy() == 0)
    marked = events.copy()
    if "role" in marked.columns:
        role = marked["role"].astype("category")
        if AFFECTED not in role.cat.categories:
            role = role.cat.add_categories([AFFECTED])
    else:
        involved = marked["label"].to_numpy() != 0
        role = pd.Series(
            pd.Categorical.from_codes(np.where(involved, 2, 0), categories=list(ROLES)),
            index=marked.index,
        )
    role[changed] = AFFECTED
    marked["role"] = role
    return marked


def affected_entities(events: pd.DataFrame) -> pd.DataFrame:
    """Per entity of `events` marked by `mark_affected`: its rows, its affected rows and whether
    it is affected (any of its rows is), indexed by `entity_id`."""
    affected = (events["role"] == AFFECTED).to_numpy()
    summary = (
        pd.DataFrame({"entity_id": events["entity_id"].to_numpy(), "affected_rows": affected})
        .groupby("entity_id")["affected_rows"]
        .agg(rows="size", affected_rows="sum")
    )
    summary["affected"] = summary["affected_rows"] > 0
    return summary
