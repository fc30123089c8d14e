"""The two-sample scores against answers known from their definitions or from theory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from simsynth.evaluate.similarity import (
    burstiness,
    category_tv_complement,
    correlation_similarity,
    ks_complement,
    scaled_wasserstein,
)


def test_ks_complement_of_a_shift_matches_the_normal_cdf_gap() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=4000), rng.normal(loc=1.0, size=4000)
    # sup |Φ(t) - Φ(t - 1)| is reached at t = 1/2: 2Φ(1/2) - 1 ≈ 0.383
    assert ks_complement(a, b) == pytest.approx(1 - (2 * norm.cdf(0.5) - 1), abs=0.04)
    assert ks_complement(a, a) == 1.0
    assert np.isnan(ks_complement(a, np.array([np.nan])))


def test_tv_complement_counts_the_mass_that_moved() -> None:
    reference = pd.Series(["a"] * 50 + ["b"] * 50)
    candidate = pd.Series(["a"] * 80 + ["b"] * 20)
    assert category_tv_complement(reference, candidate) == pytest.approx(0.7)
    disjoint = pd.Series(["c"] * 10)
    assert category_tv_complement(reference, disjoint) == pytest.approx(0.0)
    with_missing = pd.Series(["a", None, None, None])
    assert category_tv_complement(pd.Series(["a"] * 4), with_missing) == pytest.approx(0.25)


def test_wasserstein_is_in_units_of_the_reference_iqr() -> None:
    a = np.random.default_rng(1).normal(size=2000)
    iqr = np.subtract(*np.percentile(a, [75, 25]))
    distance, scale = scaled_wasserstein(a, a + iqr)  # a shift by one IQR moves all mass by it
    assert (distance, scale) == (pytest.approx(1.0), "iqr")
    assert scaled_wasserstein(a, a)[0] == 0.0
    constant = np.zeros(10)
    assert scaled_wasserstein(constant, constant + 2.0) == (pytest.approx(2.0), "none")


def test_correlation_similarity_definition() -> None:
    assert correlation_similarity(0.8, 0.8) == 1.0
    assert correlation_similarity(1.0, -1.0) == 0.0
    assert correlation_similarity(0.8, 0.0) == pytest.approx(0.6)


def test_burstiness_of_periodic_poisson_and_bursty_gaps() -> None:
    rng = np.random.default_rng(2)
    assert burstiness(np.full(100, 3.0)) == pytest.approx(-1.0)
    assert burstiness(rng.exponential(size=20_000)) == pytest.approx(0.0, abs=0.03)
    # mostly tiny gaps and a few huge ones: σ >> μ
    bursty = np.where(rng.random(20_000) < 0.02, 1000.0, 1.0)
    assert burstiness(bursty) > 0.5
