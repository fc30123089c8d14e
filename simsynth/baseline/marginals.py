"""The distribution of one column within one stratum: numeric or categorical, nulls by rate.

Each marginal maps its values to uniforms on [0, 1) and back, which is all a Gaussian copula
needs (`to_uniform`, `from_uniform`); the marginals baseline feeds `from_uniform` independent
uniforms. A numeric marginal is a mixture of point masses (values repeated in at least
`ATOM_SHARE` of the rows, e.g. a wait of exactly 0) and a continuous part chosen by AIC (see
`families`); an integer column's candidates are the families (draws rounded) and its observed
frequencies. A categorical marginal gives each category a sub-interval of [0, 1) as long as its
frequency (the frequency-interval trick of SDV's Gaussian copula), most frequent first.
Draws stay within the observed range, as SDV's `enforce_min_max_values` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
import pandas as pd

from simsynth.baseline.families import Continuous, Empirical, best, discrete_aic, parametric

ATOM_SHARE = 0.05
"""A value of a float column repeated in this share of its rows is a point mass of its own."""
ATOM_MIN_COUNT = 5
EDGE = 1e-9
"""Uniforms are kept within [EDGE, 1 - EDGE] so that normal scores stay finite."""
FREQUENCIES_SHOWN = 20
MAX_DECIMALS = 6


class Marginal(Protocol):
    """What a stratum asks of a column's distribution."""

    null_rate: float

    @property
    def varies(self) -> bool:
        """Whether the column takes more than one value (else a copula ignores it)."""
        ...

    def to_uniform(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray: ...

    def from_uniform(self, u: np.ndarray) -> np.ndarray: ...

    def with_nulls(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray: ...

    def describe(self) -> dict[str, Any]: ...


def sample(marginal: Marginal, n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` independent draws of a marginal, nulls included."""
    return marginal.with_nulls(marginal.from_uniform(rng.random(n)), rng)


def _clip(u: np.ndarray) -> np.ndarray:
    return np.clip(u, EDGE, 1.0 - EDGE)


@dataclass(frozen=True)
class NumericMarginal:
    """Point masses `atoms` (with their `shares` of non-null rows) and a continuous part of
    weight 1 - sum(shares); `null_rate` of the rows are null."""

    null_rate: float
    atoms: np.ndarray
    shares: np.ndarray
    continuous: Continuous | None
    integer: bool
    low: float
    high: float
    candidates: dict[str, float] = field(default_factory=dict)
    decimals: int | None = None
    """Draws are rounded to this many decimals, the fewest the observed values need (if any
    up to `MAX_DECIMALS` do, e.g. amounts in cents)."""

    @classmethod
    def fit(cls, values: np.ndarray, *, integer: bool) -> NumericMarginal:
        """Fit the values of a column (floats, NaN for null); `integer` columns get rounded
        draws and their frequencies as the empirical candidate."""
        found = cls._fit(values, integer=integer)
        if integer:
            return found
        return replace(found, decimals=decimals_of(values[~np.isnan(values)]))

    @classmethod
    def _fit(cls, values: np.ndarray, *, integer: bool) -> NumericMarginal:
        present = values[~np.isnan(values)]
        null_rate = 1.0 - len(present) / len(values) if len(values) else 0.0
        if not len(present):
            return cls(null_rate, np.empty(0), np.empty(0), None, integer, np.nan, np.nan)
        distinct, counts = np.unique(present, return_counts=True)
        n = len(present)
        low, high = float(distinct[0]), float(distinct[-1])
        if len(distinct) == 1:
            return cls(null_rate, distinct, np.ones(1), None, integer, low, high)
        if integer:
            fits: list[Continuous] = list(parametric(present))
            frequencies = discrete_aic(counts)
            candidates = {fit.family: fit.aic for fit in fits} | {"empirical": frequencies}
            if not fits or frequencies <= best(fits).aic:
                return cls(null_rate, distinct, counts / n, None, True, low, high, candidates)
            return cls(null_rate, np.empty(0), np.empty(0), best(fits), True, low, high, candidates)
        heavy = counts >= max(ATOM_MIN_COUNT, ATOM_SHARE * n)
        rest = present[~np.isin(present, distinct[heavy])]
        if len(np.unique(rest)) < 2:
            return cls(null_rate, distinct, counts / n, None, False, low, high)
        fits = [*parametric(rest), Empirical.fit(rest)]
        return cls(
            null_rate,
            distinct[heavy],
            counts[heavy] / n,
            best(fits),
            False,
            low,
            high,
            {fit.family: fit.aic for fit in fits},
        )

    @property
    def varies(self) -> bool:
        return self.continuous is not None or len(self.atoms) > 1

    @property
    def weight(self) -> float:
        """Probability of the continuous part."""
        return 0.0 if self.continuous is None else float(1.0 - self.shares.sum())

    def _atom_starts(self) -> np.ndarray:
        """Where each point mass's interval of [0, 1) starts (the CDF just below it)."""
        below = np.cumsum(self.shares) - self.shares
        if self.continuous is None:
            return below
        return below + self.weight * self.continuous.cdf(self.atoms)

    def to_uniform(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """CDF of each value; a point mass's value gets a uniform within its interval, a null
        an independent uniform."""
        jitter = rng.random(len(values))
        u = jitter.copy()
        present = ~np.isnan(values)
        x = values[present]
        place = np.searchsorted(self.atoms, x)  # the point masses below x
        is_atom = np.r_[self.atoms, np.nan][place] == x
        in_atom = (
            np.r_[self._atom_starts(), 0.0][place]
            + np.r_[self.shares, 0.0][place] * (jitter[present])
        )
        below = np.r_[0.0, np.cumsum(self.shares)][place]
        if self.continuous is not None:
            below = below + self.weight * self.continuous.cdf(x)
        u[present] = np.where(is_atom, in_atom, below)
        return _clip(u)

    def from_uniform(self, u: np.ndarray) -> np.ndarray:
        """The values of the uniforms `u` (the inverse of `to_uniform`), in the observed range."""
        if not len(self.atoms) and self.continuous is None:
            return np.full(len(u), np.nan)
        if self.continuous is None:
            cumulative = np.cumsum(self.shares)
            index = np.minimum(np.searchsorted(cumulative, u, side="right"), len(self.atoms) - 1)
            return self.atoms[index]
        starts = np.r_[self._atom_starts(), np.inf]
        shares = np.r_[self.shares, 0.0]
        index = np.searchsorted(starts, u, side="right") - 1
        is_atom = (index >= 0) & (u < starts[index] + shares[index])
        below = np.r_[0.0, np.cumsum(self.shares)][index + 1]
        inner = self.continuous.ppf(_clip((u - below) / self.weight))
        values = np.where(is_atom, np.r_[self.atoms, np.nan][index], inner)
        values = np.clip(values, self.low, self.high)
        if self.integer:
            return np.round(values)
        return values if self.decimals is None else np.round(values, self.decimals)

    def with_nulls(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """`values` with a `null_rate` share of them set to NaN at random."""
        values = np.asarray(values, dtype=float).copy()
        values[rng.random(len(values)) < self.null_rate] = np.nan
        return values

    def describe(self) -> dict[str, Any]:
        """Family and AIC of the winner, the other candidates' AICs, point masses, null rate."""
        if self.continuous is not None:
            found: dict[str, Any] = self.continuous.describe()
        elif len(self.atoms) > 1:
            found = {"family": "empirical", "aic": self.candidates.get("empirical")}
        else:
            found = {"family": "constant" if len(self.atoms) else "null", "aic": None}
        if self.candidates:
            found["candidates"] = self.candidates
        if self.continuous is not None and len(self.atoms):
            found["point_masses"] = {
                repr(float(a)): float(s) for a, s in zip(self.atoms, self.shares, strict=True)
            }
        if self.integer:
            found["integer"] = True
        if self.decimals is not None:
            found["decimals"] = self.decimals
        return found | {"null_rate": self.null_rate}


@dataclass(frozen=True)
class CategoricalMarginal:
    """Observed frequencies of a column's values (null, if present, a value like the others),
    most frequent first."""

    values: np.ndarray
    probabilities: np.ndarray
    null_rate: float = 0.0
    shown: int = FREQUENCIES_SHOWN
    """How many of the most frequent values `describe` lists."""

    @classmethod
    def fit(
        cls, values: pd.Series | np.ndarray, shown: int = FREQUENCIES_SHOWN
    ) -> CategoricalMarginal:
        series = pd.Series(values)
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        codes, uniques = pd.factorize(series, use_na_sentinel=False)
        counts = np.bincount(codes, minlength=len(uniques))
        order = np.argsort(-counts, kind="stable")
        kept = np.asarray(uniques)[order]
        probabilities = counts[order] / counts.sum()
        nulls = float(probabilities[pd.isna(kept)].sum())
        return cls(kept, probabilities, nulls, shown)

    @property
    def varies(self) -> bool:
        return len(self.values) > 1

    @property
    def _ends(self) -> np.ndarray:
        return np.cumsum(self.probabilities)

    def to_uniform(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A uniform inside each value's interval."""
        index = pd.Index(self.values).get_indexer(pd.Series(values).to_numpy())
        starts = self._ends - self.probabilities
        return _clip(starts[index] + self.probabilities[index] * rng.random(len(values)))

    def from_uniform(self, u: np.ndarray) -> np.ndarray:
        index = np.minimum(np.searchsorted(self._ends, u, side="right"), len(self.values) - 1)
        return self.values[index]

    def with_nulls(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """`values` as they are: nulls are one of the values already."""
        return values

    def describe(self) -> dict[str, Any]:
        found: dict[str, Any] = {"family": "frequencies", "values": len(self.values)}
        if self.shown:
            top = zip(self.values[: self.shown], self.probabilities[: self.shown], strict=True)
            found["frequencies"] = {str(v): float(p) for v, p in top}
        return found | {"null_rate": self.null_rate}


def decimals_of(values: np.ndarray) -> int | None:
    """The fewest decimals (up to `MAX_DECIMALS`) that write every value exactly, or None."""
    for decimals in range(MAX_DECIMALS + 1):
        if np.allclose(np.round(values, decimals), values, rtol=0.0, atol=1e-9):
            return decimals
    return None
