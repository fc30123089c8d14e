"""The fits of one column: the family AIC chooses, point masses, integers, the copula."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simsynth.baseline.copula import GaussianCopula, nearest_correlation
from simsynth.baseline.families import Empirical, best, parametric
from simsynth.baseline.marginals import CategoricalMarginal, NumericMarginal, sample

N = 3000
ALPHA = 0.01
"""Level of the KS tests: a sample of the fit is rejected as coming from the truth below it."""


def _family(values: np.ndarray) -> str:
    return best([*parametric(values), Empirical.fit(values)]).family


@pytest.mark.parametrize(
    ("draw", "family"),
    [
        (lambda rng: rng.lognormal(1.0, 0.8, N), "lognorm"),
        (lambda rng: rng.exponential(4.0, N), "expon"),
        (lambda rng: rng.normal(50.0, 5.0, N), "norm"),
        (lambda rng: rng.gamma(3.0, 2.0, N), "gamma"),
    ],
    ids=["lognorm", "expon", "norm", "gamma"],
)
def test_aic_chooses_the_family_the_data_came_from(draw, family):
    assert _family(draw(np.random.default_rng(1))) == family


def test_the_empirical_candidate_wins_where_no_family_fits():
    rng = np.random.default_rng(2)
    bimodal = np.r_[rng.normal(0.0, 1.0, N // 2), rng.normal(10.0, 1.0, N // 2)]
    assert _family(bimodal) == "empirical"
    fitted = NumericMarginal.fit(bimodal, integer=False)
    drawn = sample(fitted, N, np.random.default_rng(3))
    assert stats.ks_2samp(drawn, bimodal).pvalue > ALPHA
    assert drawn.min() >= bimodal.min() and drawn.max() <= bimodal.max()


def test_a_numeric_marginal_recovers_its_distribution_and_nulls():
    rng = np.random.default_rng(4)
    values = rng.lognormal(np.log(30.0), 0.5, N)
    values[rng.random(N) < 0.2] = np.nan
    fitted = NumericMarginal.fit(values, integer=False)
    drawn = sample(fitted, N, np.random.default_rng(5))
    present = drawn[~np.isnan(drawn)]
    truth = stats.lognorm(0.5, scale=30.0)
    assert stats.kstest(present, truth.cdf).pvalue > ALPHA
    assert np.isnan(drawn).mean() == pytest.approx(np.isnan(values).mean(), abs=4 * 0.4 / N**0.5)


def test_a_repeated_value_is_kept_as_a_point_mass():
    rng = np.random.default_rng(6)
    wait = rng.exponential(5.0, N)
    wait[rng.random(N) < 0.4] = 0.0
    fitted = NumericMarginal.fit(wait, integer=False)
    assert fitted.describe()["point_masses"] == {"0.0": pytest.approx((wait == 0).mean())}
    drawn = sample(fitted, N, np.random.default_rng(7))
    share = (wait == 0).mean()
    assert (drawn == 0).mean() == pytest.approx(share, abs=4 * (share * (1 - share) / N) ** 0.5)
    assert stats.ks_2samp(drawn[drawn > 0], wait[wait > 0]).pvalue > ALPHA


def test_uniforms_map_back_to_the_values_they_came_from():
    rng = np.random.default_rng(8)
    wait = np.round(rng.exponential(5.0, 500), 2)
    wait[:200] = 0.0
    fitted = NumericMarginal.fit(wait, integer=False)
    back = fitted.from_uniform(fitted.to_uniform(wait, rng))
    assert np.allclose(back, wait, atol=0.006)  # within rounding to 2 decimals


def test_integer_columns_draw_integers_with_their_frequencies():
    rng = np.random.default_rng(9)
    counts = rng.poisson(3.0, N).astype(float)
    fitted = NumericMarginal.fit(counts, integer=True)
    assert fitted.describe()["family"] == "empirical"  # no continuous family fits a Poisson
    drawn = sample(fitted, N, np.random.default_rng(10))
    assert (drawn == np.round(drawn)).all()
    for k in range(7):
        p = (counts == k).mean()
        assert (drawn == k).mean() == pytest.approx(p, abs=4 * (p * (1 - p) / N) ** 0.5)


def test_draws_keep_the_decimals_of_the_data():
    values = np.round(np.random.default_rng(11).lognormal(3.0, 0.5, 200), 2)
    drawn = sample(NumericMarginal.fit(values, integer=False), 200, np.random.default_rng(12))
    assert np.allclose(drawn * 100, np.round(drawn * 100), atol=1e-6)
    assert not np.allclose(drawn, np.round(drawn))


def test_category_frequencies_within_a_binomial_interval():
    probabilities = {"a": 0.6, "b": 0.3, "c": 0.1}
    rng = np.random.default_rng(13)
    values = rng.choice(list(probabilities), size=N, p=list(probabilities.values()))
    fitted = CategoricalMarginal.fit(values)
    assert list(fitted.values) == ["a", "b", "c"]  # most frequent first
    drawn = sample(fitted, N, np.random.default_rng(14))
    for category in probabilities:
        p = (values == category).mean()
        assert (drawn == category).mean() == pytest.approx(p, abs=4 * (p * (1 - p) / N) ** 0.5)


def test_category_uniforms_fall_in_their_interval():
    fitted = CategoricalMarginal.fit(np.array(["a"] * 6 + ["b"] * 3 + [None]))
    u = fitted.to_uniform(np.array(["a", "b", None], dtype=object), np.random.default_rng(0))
    assert 0 < u[0] < 0.6 < u[1] < 0.9 < u[2] < 1
    back = fitted.from_uniform(u)
    assert list(back[:2]) == ["a", "b"] and pd.isna(back[2])


def test_the_copula_keeps_a_correlation_and_independence():
    rng = np.random.default_rng(15)
    normal = rng.multivariate_normal([0, 0, 0], [[1, 0.8, 0], [0.8, 1, 0], [0, 0, 1]], N)
    copula = GaussianCopula.fit(("a", "b", "c"), stats.norm.cdf(normal))
    drawn = stats.norm.ppf(copula.sample(N, np.random.default_rng(16)))
    found = np.corrcoef(drawn, rowvar=False)
    assert found[0, 1] == pytest.approx(0.8, abs=0.05)
    assert abs(found[0, 2]) < 0.05 and abs(found[1, 2]) < 0.05


def test_a_column_without_spread_is_independent():
    uniforms = np.column_stack([np.linspace(0.1, 0.9, 10), np.full(10, 0.5)])
    copula = GaussianCopula.fit(("a", "b"), uniforms)
    assert np.array_equal(copula.correlation, np.eye(2))


def test_nearest_correlation_repairs_an_impossible_matrix():
    impossible = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    repaired = nearest_correlation(impossible)
    assert np.linalg.eigvalsh(repaired).min() > -1e-12
    assert np.allclose(np.diag(repaired), 1.0)
