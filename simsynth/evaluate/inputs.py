"""The two datasets an evaluation compares: reading, checking, and the columns they share."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simsynth.column_roles import ColumnRoles
from simsynth.errors import SimsynthError

from .similarity import as_labels, numbers

REQUIRED = ("time", "event_type", "entity_id")
"""Core columns the temporal metrics need in both datasets."""


class EvaluationError(SimsynthError):
    """The evaluator's inputs cannot be compared (not datasets, nothing in common, ...)."""


@dataclass(frozen=True)
class EvaluationInput:
    """One side of the comparison: its events and where they came from."""

    name: str
    """`reference` or `candidate`."""
    events: pd.DataFrame
    path: str | None = None

    def describe(self) -> dict[str, Any]:
        """Size and shape, for `scores.json` and the report's header."""
        events = self.events
        return {
            "path": self.path,
            "rows": len(events),
            "runs": int(events["run_id"].nunique()) if "run_id" in events else 1,
            "entities": int(events["entity_id"].nunique()),
            "event_types": sorted(as_labels(events["event_type"]).unique().tolist()),
            "columns": list(map(str, events.columns)),
        }


def load_input(
    source: str | os.PathLike[str] | pd.DataFrame, name: str, *, verify: bool = True
) -> EvaluationInput:
    """Read a dataset directory's events (its files checked against its manifest unless
    `verify` is false), or take an events frame, and check it can be compared; raises
    `EvaluationError`/`DatasetError` otherwise."""
    from simsynth.dataset import read_table

    if isinstance(source, pd.DataFrame):
        events, path = source.reset_index(drop=True), None
    else:
        path = str(source)
        if not Path(source).is_dir():
            raise EvaluationError(f"{name} {source}: not a dataset directory")
        events = read_table(source, "events", verify=verify)
    where = f"{name} {path}" if path else name
    missing = [column for column in REQUIRED if column not in events.columns]
    if missing:
        raise EvaluationError(f"{where}: events lack the column(s) {', '.join(missing)}")
    if events.empty:
        raise EvaluationError(f"{where}: no events to compare")
    return EvaluationInput(name, events, path)


@dataclass(frozen=True)
class Comparison:
    """The columns both datasets have, by role, and those left out with the reason."""

    roles: ColumnRoles
    left_out: dict[str, str]

    def notes(self) -> list[str]:
        """One sentence per column left out of the comparison."""
        return [f"column {name!r} left out: {why}" for name, why in self.left_out.items()]


def shared_roles(reference: pd.DataFrame, candidate: pd.DataFrame) -> Comparison:
    """Roles of the columns present in both frames with the same role in each; raises
    `EvaluationError` when they share no attribute at all."""
    ref_roles, cand_roles = ColumnRoles.of(reference), ColumnRoles.of(candidate)
    left_out: dict[str, str] = {}
    for name in reference.columns.difference(candidate.columns):
        left_out[str(name)] = "only in the reference"
    for name in candidate.columns.difference(reference.columns):
        left_out[str(name)] = "only in the candidate"

    def kept(role: str) -> tuple[str, ...]:
        names = []
        for name in getattr(ref_roles, role):
            if name not in candidate.columns:
                continue
            if name in getattr(cand_roles, role):
                names.append(name)
            else:
                left_out[name] = f"{role} in the reference but not in the candidate"
        return tuple(names)

    roles = ColumnRoles(kept("labels"), kept("identifiers"), kept("categorical"), kept("numeric"))
    if not roles.attributes:
        raise EvaluationError(
            "reference and candidate share no attribute column (categorical or numeric, with "
            "the same type in both): nothing to compare"
        )
    return Comparison(roles, left_out)


def sample_rows(frame: pd.DataFrame, limit: int, seed: int) -> pd.DataFrame:
    """At most `limit` rows of `frame`, drawn without replacement (seeded), in their order."""
    if len(frame) <= limit:
        return frame
    rows = np.sort(np.random.default_rng(seed).choice(len(frame), size=limit, replace=False))
    return frame.iloc[rows].reset_index(drop=True)


def row_keys(frame: pd.DataFrame, roles: ColumnRoles) -> np.ndarray:
    """A 64-bit hash of each row's attributes (categoricals as text, numbers as float64),
    equal for rows with equal attributes whatever the frames' dtypes."""
    columns = {name: as_labels(frame[name]) for name in roles.categorical}
    columns |= {name: numbers(frame[name]) for name in roles.numeric}
    normal = pd.DataFrame(columns, index=frame.index)
    return pd.util.hash_pandas_object(normal, index=False).to_numpy()


def copy_rate(candidate: pd.DataFrame, reference: pd.DataFrame, roles: ColumnRoles) -> float:
    """Share of `candidate` rows whose attributes equal those of some `reference` row."""
    if candidate.empty:
        return float("nan")
    return float(np.isin(row_keys(candidate, roles), row_keys(reference, roles)).mean())
