"""What each column of an events table is for: time, event type, labels, identifiers, or a
categorical or numeric attribute. Baseline samplers fit the attributes; the evaluator compares
them, trains on them, and audits identifiers for shortcuts to the labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

LABELS = ("label", "label_kind", "episode_id", "role")
"""The label columns of the contract (`role` is a finer, optional one)."""
BOOKKEEPING = ("run_id", "timestamp", "split", "weight", "window_id", "sequence_id")
"""Columns about where a row sits (run, wall-clock copy of `time`, training-set fields)."""
IDENTIFIER_SUFFIX = "_id"


@dataclass(frozen=True)
class ColumnRoles:
    """The columns of an events table by role (each column in at most one role)."""

    labels: tuple[str, ...]
    identifiers: tuple[str, ...]
    """`event_id`, `entity_id` and every other `*_id` column: names, not measurements."""
    categorical: tuple[str, ...]
    """Dictionary, string and boolean attributes (`event_type` included)."""
    numeric: tuple[str, ...]
    """Integer and float attributes that are not identifiers (`time` excluded)."""

    @classmethod
    def of(cls, events: pd.DataFrame) -> ColumnRoles:
        """Sort `events`' columns into roles by name and dtype."""
        labels, identifiers, categorical, numeric = [], [], [], []
        for name in events.columns:
            dtype = events[name].dtype
            if name in LABELS:
                labels.append(name)
            elif name in BOOKKEEPING or name == "time":
                continue
            elif name.endswith(IDENTIFIER_SUFFIX):
                identifiers.append(name)
            elif (
                isinstance(dtype, pd.CategoricalDtype)
                or pd.api.types.is_bool_dtype(dtype)
                or pd.api.types.is_string_dtype(dtype)
                or pd.api.types.is_object_dtype(dtype)
            ):
                categorical.append(name)
            elif pd.api.types.is_numeric_dtype(dtype):
                numeric.append(name)
        return cls(tuple(labels), tuple(identifiers), tuple(categorical), tuple(numeric))

    @property
    def attributes(self) -> tuple[str, ...]:
        """Categorical then numeric attributes: what a sampler fits and a detector may use."""
        return self.categorical + self.numeric
