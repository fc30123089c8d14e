"""The fitted baseline: strata of (`event_type`, `label_kind`), each with its frequency and its
columns' distributions (and, for `copula`, a Gaussian copula over its attributes), plus the
distribution of inter-event times of the whole stream.

Rows are drawn i.i.d.: a stratum by frequency, then its columns; times are the cumulative sum
of independently drawn gaps. Conditioning on `label_kind` is deliberate: the baseline knows what
a positive row looks like, which gives it its fairest chance in a train-on-synthetic test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from simsynth.baseline.copula import GaussianCopula
from simsynth.baseline.marginals import (
    FREQUENCIES_SHOWN,
    CategoricalMarginal,
    Marginal,
    NumericMarginal,
    sample,
)
from simsynth.column_roles import ColumnRoles
from simsynth.seeding import RunSeeds

Method = Literal["marginals", "copula"]
METHODS: tuple[Method, ...] = ("marginals", "copula")
STRATUM_KEYS = ("event_type", "label_kind")
EXTRA_LABELS = ("role",)
"""Finer label columns drawn per stratum like a categorical (outside the copula)."""


@dataclass(frozen=True)
class Stratum:
    """The rows of one (event type, label kind): their share of all rows and their columns."""

    event_type: str
    label_kind: str
    rows: int
    share: float
    columns: dict[str, Marginal]
    """Attributes, identifiers and finer labels, in output order."""
    copula: GaussianCopula | None

    @property
    def key(self) -> str:
        return f"{self.event_type}/{self.label_kind}"

    def sample(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """`n` rows of this stratum's columns (nulls as NaN or None)."""
        drawn: dict[str, np.ndarray] = {}
        if self.copula is not None:
            uniforms = self.copula.sample(n, rng)
            for index, name in enumerate(self.copula.columns):
                marginal = self.columns[name]
                drawn[name] = marginal.with_nulls(marginal.from_uniform(uniforms[:, index]), rng)
        for name, marginal in self.columns.items():
            if name not in drawn:
                drawn[name] = sample(marginal, n, rng)
        return drawn

    def describe(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "rows": self.rows,
            "share": self.share,
            "columns": {name: m.describe() for name, m in self.columns.items()},
        }
        if self.copula is not None:
            found["copula"] = self.copula.describe()
        return found


@dataclass(frozen=True)
class Baseline:
    """Strata and inter-event times fitted to a dataset's events."""

    method: Method
    strata: tuple[Stratum, ...]
    gaps: NumericMarginal

    def sample_run(self, rows: int, seeds: RunSeeds) -> dict[str, np.ndarray]:
        """`rows` events of one run: `time`, `event_type`, `label_kind` and every fitted
        column, in time order."""
        shares = np.array([stratum.share for stratum in self.strata])
        which = seeds.rng("baseline-strata").choice(len(self.strata), size=rows, p=shares)
        time = np.cumsum(sample(self.gaps, rows, seeds.rng("baseline-gaps")))
        drawn: dict[str, np.ndarray] = {
            "time": time,
            "event_type": np.empty(rows, dtype=object),
            "label_kind": np.empty(rows, dtype=object),
        }
        for number, stratum in enumerate(self.strata):
            rows_of = np.flatnonzero(which == number)
            drawn["event_type"][rows_of] = stratum.event_type
            drawn["label_kind"][rows_of] = stratum.label_kind
            columns = stratum.sample(len(rows_of), seeds.rng(f"baseline-stratum-{number}"))
            for name, values in columns.items():
                if name not in drawn:
                    numeric = values.dtype.kind == "f"
                    drawn[name] = np.full(rows, np.nan) if numeric else np.empty(rows, object)
                drawn[name][rows_of] = values
        return drawn

    def describe(self) -> dict[str, Any]:
        """The fits as the manifest records them."""
        return {
            "inter_event_time": self.gaps.describe(),
            "strata": {stratum.key: stratum.describe() for stratum in self.strata},
        }


def fitted_columns(events: pd.DataFrame) -> tuple[ColumnRoles, list[str]]:
    """The roles of the events' columns and the columns a baseline draws (attributes but the
    event type, identifiers but `event_id`, finer labels), in the events' order."""
    roles = ColumnRoles.of(events)
    drawn = set(roles.attributes) | set(roles.identifiers) | set(EXTRA_LABELS)
    drawn -= {"event_type", "event_id"}
    return roles, [name for name in events.columns if name in drawn]


def fit_baseline(
    events: pd.DataFrame, integer_columns: set[str], method: Method, rng: np.random.Generator
) -> Baseline:
    """Fit a baseline to `events` (all runs; `run_id` and `time` columns included).
    `integer_columns` are the numeric columns whose draws are rounded; `rng` jitters the
    uniforms of categorical values for the copula."""
    roles, columns = fitted_columns(events)
    numeric = set(roles.numeric)
    groups = events.groupby(list(STRATUM_KEYS), observed=True, sort=True).indices
    strata = []
    for (event_type, label_kind), index in groups.items():
        rows = events.iloc[index]
        marginals: dict[str, Marginal] = {
            name: _fit_column(
                rows[name], name in numeric, name in integer_columns, name in roles.identifiers
            )
            for name in columns
        }
        copula = None
        if method == "copula":
            copula = _fit_copula(
                rows, marginals, [c for c in roles.attributes if c in marginals], rng
            )
        strata.append(
            Stratum(
                str(event_type),
                str(label_kind),
                len(index),
                len(index) / len(events),
                marginals,
                copula,
            )
        )
    return Baseline(method, tuple(strata), NumericMarginal.fit(gaps_of(events), integer=False))


def _fit_column(values: pd.Series, numeric: bool, integer: bool, identifier: bool) -> Marginal:
    if numeric:
        return NumericMarginal.fit(values.to_numpy(dtype=float, na_value=np.nan), integer=integer)
    return CategoricalMarginal.fit(values, shown=0 if identifier else FREQUENCIES_SHOWN)


def _fit_copula(
    rows: pd.DataFrame,
    marginals: dict[str, Marginal],
    attributes: list[str],
    rng: np.random.Generator,
) -> GaussianCopula | None:
    varying = tuple(name for name in attributes if marginals[name].varies)
    if len(varying) < 2:
        return None
    uniforms = np.column_stack(
        [marginals[name].to_uniform(_values(rows[name]), rng) for name in varying]
    )
    return GaussianCopula.fit(varying, uniforms)


def _values(column: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        return column.to_numpy(dtype=float, na_value=np.nan)
    return column.astype(object).to_numpy()


def gaps_of(events: pd.DataFrame) -> np.ndarray:
    """Inter-event times of every run (its first event's time counted from 0), pooled."""
    time = events["time"].to_numpy(dtype=float)
    run = events["run_id"].to_numpy()
    previous = np.r_[0.0, time[:-1]]
    first = np.r_[True, run[1:] != run[:-1]]
    previous[first] = 0.0
    return time - previous
