"""A Gaussian copula over columns already mapped to uniforms by their marginals.

Fitting takes the correlation of the normal scores Φ⁻¹(u) of the columns; sampling draws a
multivariate normal with that correlation and maps it back to uniforms, which the columns'
marginals turn into values. Hand-written with numpy/scipy (the `copulas` library is BUSL).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from simsynth.baseline.marginals import EDGE


@dataclass(frozen=True)
class GaussianCopula:
    """The correlation of the normal scores of `columns`, and a factor L with L Lᵀ = it."""

    columns: tuple[str, ...]
    correlation: np.ndarray

    @classmethod
    def fit(cls, columns: tuple[str, ...], uniforms: np.ndarray) -> GaussianCopula:
        """Fit to an (n rows x len(columns)) matrix of uniforms; a column without spread (or a
        stratum of fewer than 3 rows) is taken as independent of the others."""
        scores = stats.norm.ppf(np.clip(uniforms, EDGE, 1.0 - EDGE))
        width = len(columns)
        correlation = np.eye(width)
        if len(scores) >= 3 and width > 1:
            with np.errstate(invalid="ignore", divide="ignore"):
                found = np.corrcoef(scores, rowvar=False)
            correlation = np.where(np.isfinite(found), found, 0.0)
            np.fill_diagonal(correlation, 1.0)
        return cls(columns, nearest_correlation(correlation))

    @property
    def factor(self) -> np.ndarray:
        values, vectors = np.linalg.eigh(self.correlation)
        return vectors * np.sqrt(np.clip(values, 0.0, None))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """`n` rows of dependent uniforms, one column per copula column."""
        normal = rng.standard_normal((n, len(self.columns))) @ self.factor.T
        return stats.norm.cdf(normal)

    def describe(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "correlation": np.round(self.correlation, 4).tolist(),
        }


def nearest_correlation(matrix: np.ndarray) -> np.ndarray:
    """`matrix` made positive semi-definite (negative eigenvalues set to 0) with unit diagonal."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    if values.min() >= 0:
        return (matrix + matrix.T) / 2
    repaired = (vectors * np.clip(values, 0.0, None)) @ vectors.T
    scale = np.sqrt(np.diag(repaired))
    scale[scale == 0] = 1.0
    repaired = repaired / np.outer(scale, scale)
    np.fill_diagonal(repaired, 1.0)
    return repaired
