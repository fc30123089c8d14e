"""Two-sample similarity scores, following SDMetrics' published definitions.

Each score is 1 when the two samples agree and falls towards 0 as they differ; `nan` when a
sample is empty (or, for correlations, constant) so that callers can skip it.

- KS complement: 1 - the Kolmogorov-Smirnov statistic (largest gap between the two CDFs).
- TV complement: 1 - ½ Σ |p_r - p_c| over the categories of both samples.
- Correlation similarity: 1 - |ρ_r - ρ_c| / 2 (Pearson coefficients of a column pair).
- Contingency similarity: the TV complement of the joint frequencies of two categoricals.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

MISSING = "<NA>"
"""The category missing values count as."""


def numbers(values: np.ndarray | pd.Series) -> np.ndarray:
    """A numeric column as float64, missing values (nullable dtypes included) as `nan`."""
    if isinstance(values, pd.Series):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.asarray(values, dtype=np.float64)


def finite(values: np.ndarray | pd.Series) -> np.ndarray:
    """The finite values of a numeric column, as float64."""
    array = numbers(values)
    return array[np.isfinite(array)]


def ks_complement(reference: np.ndarray | pd.Series, candidate: np.ndarray | pd.Series) -> float:
    """1 - the two-sample KS statistic of two numeric samples (missing values ignored)."""
    a, b = finite(reference), finite(candidate)
    if not len(a) or not len(b):
        return math.nan
    return 1.0 - float(stats.ks_2samp(a, b).statistic)


def as_labels(values: pd.Series) -> pd.Series:
    """A categorical column as plain strings, missing values as their own category."""
    return values.astype(object).where(values.notna(), MISSING).astype(str)


def frequencies(values: pd.Series | pd.DataFrame) -> pd.Series:
    """Relative frequency of each category (or combination, for a frame of columns)."""
    return values.value_counts(normalize=True, sort=False, dropna=False)


def tv_complement(reference: pd.Series, candidate: pd.Series) -> float:
    """1 - total variation distance of two frequency tables (as made by `frequencies`)."""
    if not len(reference) or not len(candidate):
        return math.nan
    p, q = reference.align(candidate, fill_value=0.0)
    return 1.0 - 0.5 * float(np.abs(p.to_numpy() - q.to_numpy()).sum())


def category_tv_complement(reference: pd.Series, candidate: pd.Series) -> float:
    """TV complement of two categorical columns' category frequencies."""
    if not len(reference) or not len(candidate):
        return math.nan
    return tv_complement(frequencies(as_labels(reference)), frequencies(as_labels(candidate)))


def pearson(x: np.ndarray | pd.Series, y: np.ndarray | pd.Series) -> float:
    """Pearson's ρ over the rows where both are finite; `nan` if either is constant."""
    x, y = numbers(x), numbers(y)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def correlation_similarity(reference_rho: float, candidate_rho: float) -> float:
    """1 - |ρ_r - ρ_c| / 2."""
    return 1.0 - abs(reference_rho - candidate_rho) / 2.0


def scaled_wasserstein(
    reference: np.ndarray | pd.Series, candidate: np.ndarray | pd.Series
) -> tuple[float, str]:
    """Wasserstein-1 distance divided by the reference's IQR (its std if the IQR is 0; the raw
    distance if both are 0), and the name of the scale used (`iqr`, `std` or `none`)."""
    a, b = finite(reference), finite(candidate)
    if not len(a) or not len(b):
        return math.nan, "none"
    distance = float(stats.wasserstein_distance(a, b))
    q1, q3 = np.percentile(a, [25, 75])
    for name, scale in (("iqr", q3 - q1), ("std", float(np.std(a)))):
        if scale > 0:
            return distance / scale, name
    return distance, "none"


def burstiness(gaps: np.ndarray) -> float:
    """Goh & Barabási's B = (σ - μ) / (σ + μ) of inter-event times: -1 periodic, 0 Poisson,
    towards 1 bursty; `nan` for fewer than two gaps."""
    gaps = finite(gaps)
    if len(gaps) < 2:
        return math.nan
    mu, sigma = float(gaps.mean()), float(gaps.std())
    return math.nan if sigma + mu == 0 else (sigma - mu) / (sigma + mu)


def mean_of(scores: list[float] | np.ndarray) -> float | None:
    """The mean of the scores that are not `nan`, `None` if there are none."""
    values = [s for s in scores if s is not None and not math.isnan(s)]
    return float(np.mean(values)) if values else None
