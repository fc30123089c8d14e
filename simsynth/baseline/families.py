"""Continuous distributions a baseline fits to a numeric column, and the choice among them.

Candidates: scipy's `norm`, `lognorm`, `gamma` and `expon` (the last three with location 0,
only where the data are positive, or non-negative for `expon`) fitted by maximum likelihood,
and the data's own distribution as a smoothed-quantile sampler (`Empirical`). The one of least
AIC (2k - 2 log-likelihood) wins, so the empirical candidate, with many parameters, wins only
where no family fits.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy import stats

MIN_BINS, MAX_BINS = 5, 100


class Continuous(Protocol):
    """A fitted continuous distribution: its CDF, its quantile function and its AIC."""

    family: str
    aic: float

    def cdf(self, x: np.ndarray) -> np.ndarray: ...

    def ppf(self, u: np.ndarray) -> np.ndarray: ...

    def describe(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Parametric:
    """A scipy family with its fitted parameters (shape(s), loc, scale)."""

    family: str
    params: tuple[float, ...]
    aic: float

    @property
    def distribution(self) -> Any:
        return getattr(stats, self.family)(*self.params)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return self.distribution.cdf(x)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.distribution.ppf(u)

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "aic": self.aic, "params": [float(p) for p in self.params]}


@dataclass(frozen=True)
class Empirical:
    """The smoothed-quantile sampler: the quantile function interpolated linearly between knots
    (data values at equally spaced probabilities), i.e. a histogram of equal-probability bins.
    Its draws stay within the data's range."""

    knots: np.ndarray
    probabilities: np.ndarray
    aic: float
    family: str = "empirical"

    @classmethod
    def fit(cls, values: np.ndarray) -> Empirical:
        ordered = np.sort(values)
        n = len(ordered)
        bins = int(np.clip(round(np.sqrt(n)), MIN_BINS, MAX_BINS))
        grid = np.linspace(0.0, 1.0, bins + 1)
        knots = np.unique(np.quantile(ordered, grid, method="inverted_cdf"))
        probabilities = np.searchsorted(ordered, knots, side="right") / n
        probabilities[0] = 0.0
        density = np.diff(probabilities) / np.diff(knots)
        segment = np.clip(np.searchsorted(knots, ordered, side="left"), 1, len(knots) - 1)
        log_likelihood = float(np.log(density[segment - 1]).sum())
        parameters = 2 * len(knots) - 2  # knot positions, and the masses between them
        return cls(knots, probabilities, 2 * parameters - 2 * log_likelihood)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return np.interp(x, self.knots, self.probabilities)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.interp(u, self.probabilities, self.knots)

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "aic": self.aic, "knots": len(self.knots)}


def _norm(x: np.ndarray) -> tuple[float, ...] | None:
    return float(x.mean()), float(x.std())


def _expon(x: np.ndarray) -> tuple[float, ...] | None:
    return (0.0, float(x.mean())) if x.min() >= 0 else None


def _lognorm(x: np.ndarray) -> tuple[float, ...] | None:
    if x.min() <= 0:
        return None
    logs = np.log(x)
    return float(logs.std()), 0.0, float(np.exp(logs.mean()))


def _gamma(x: np.ndarray) -> tuple[float, ...] | None:
    if x.min() <= 0:
        return None
    return tuple(float(p) for p in stats.gamma.fit(x, floc=0))


FAMILIES: dict[str, Callable[[np.ndarray], tuple[float, ...] | None]] = {
    "norm": _norm,
    "lognorm": _lognorm,
    "gamma": _gamma,
    "expon": _expon,
}
"""Maximum-likelihood parameters of each family, or None where its support excludes the data."""
FREE_PARAMETERS = {"norm": 2, "lognorm": 2, "gamma": 2, "expon": 1}


def fit_family(family: str, values: np.ndarray) -> Parametric | None:
    """`family` fitted to `values`, or None if it cannot describe them."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        params = FAMILIES[family](values)
        if params is None or not all(np.isfinite(params)) or params[-1] <= 0:
            return None
        log_likelihood = float(getattr(stats, family)(*params).logpdf(values).sum())
    if not np.isfinite(log_likelihood):
        return None
    return Parametric(family, params, 2 * FREE_PARAMETERS[family] - 2 * log_likelihood)


def parametric(values: np.ndarray) -> list[Parametric]:
    """Every family that can describe `values` (at least two distinct values), fitted."""
    return [fit for family in FAMILIES if (fit := fit_family(family, values)) is not None]


def discrete_aic(counts: np.ndarray) -> float:
    """AIC of the observed frequencies of an integer column as its distribution (one parameter
    per value but one). On integers a density is comparable with these probabilities: it is
    the density of the values spread uniformly over [k - 1/2, k + 1/2)."""
    probabilities = counts / counts.sum()
    return float(2 * (len(counts) - 1) - 2 * (counts * np.log(probabilities)).sum())


def best(fits: list[Continuous]) -> Continuous:
    """The candidate of least AIC (the first listed on ties)."""
    return min(fits, key=lambda fit: fit.aic)
