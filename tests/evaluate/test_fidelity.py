"""Fidelity on constructed tables: identical, shifted, decorrelated, dissociated, copied."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from simsynth.column_roles import ColumnRoles
from simsynth.evaluate import fidelity

from .constructed import RHO, attributes


def _section(reference: pd.DataFrame, candidate: pd.DataFrame):
    return fidelity.section(reference, candidate, ColumnRoles.of(reference))


def test_identical_data_scores_perfectly() -> None:
    reference = attributes(500, seed=0)
    result = _section(reference, reference.copy())
    summary = result.summary
    perfect = (
        "column_shapes",
        "column_pair_trends",
        "correlation_similarity",
        "contingency_similarity",
        "exact_copy_rate",
        "label_kind_tv_complement",
    )
    for key in perfect:
        assert summary[key] == pytest.approx(1.0), key
    assert summary["wasserstein_mean"] == 0.0
    assert set(result.details["columns"]) == {"event_type", "colour", "size", "x", "y"}
    assert result.figures and result.tables


def test_a_shifted_column_loses_the_expected_ks_complement_and_only_it() -> None:
    reference, candidate = attributes(4000, seed=0), attributes(4000, seed=1, shift=1.0)
    columns = _section(reference, candidate).details["columns"]
    expected = 1 - (2 * norm.cdf(0.5) - 1)  # KS statistic of N(0,1) vs N(1,1) ≈ 0.383
    assert columns["x"]["ks_complement"] == pytest.approx(expected, abs=0.04)
    # a shift of 1 in a column of IQR 1.349: Wasserstein ≈ 1 / 1.349
    assert columns["x"]["wasserstein"] == pytest.approx(1 / 1.349, abs=0.06)
    assert columns["y"]["ks_complement"] > 0.95
    assert columns["colour"]["tv_complement"] > 0.95


def test_correlation_similarity_sees_lost_dependence() -> None:
    reference, candidate = attributes(4000, seed=0), attributes(4000, seed=1, rho=0.0)
    pair = _section(reference, candidate).details["correlations"]["x | y"]
    assert pair["reference"] == pytest.approx(RHO, abs=0.03)
    assert pair["similarity"] == pytest.approx(1 - RHO / 2, abs=0.03)


def test_contingency_similarity_sees_a_broken_association() -> None:
    reference = attributes(4000, seed=0)
    candidate = attributes(4000, seed=1)
    candidate["size"] = candidate["size"].sample(frac=1.0, random_state=0).to_numpy()
    result = _section(reference, candidate)
    # joint (colour, size): {red-large .5, green-small .3, blue-small .2} against the product
    # of the marginals (.5/.5 size): total variation 0.5
    pair = result.details["contingency"]["colour | size"]
    assert pair["similarity"] == pytest.approx(0.5, abs=0.03)
    assert result.details["columns"]["size"]["tv_complement"] > 0.97


def test_exact_copy_rate_counts_copied_rows() -> None:
    reference = attributes(400, seed=0)
    fresh = attributes(400, seed=1)
    candidate = pd.concat([reference.iloc[:100], fresh.iloc[:300]], ignore_index=True)
    assert _section(reference, candidate).summary["exact_copy_rate"] == pytest.approx(0.25)
    assert _section(reference, fresh).summary["exact_copy_rate"] == 0.0


def test_copies_are_found_whatever_the_candidate_dtypes() -> None:
    reference = attributes(200, seed=0)
    candidate = reference.astype({"colour": str, "x": "Float64"})
    roles = ColumnRoles.of(reference)
    assert fidelity.section(reference, candidate, roles).summary["exact_copy_rate"] == 1.0
    assert np.isclose(fidelity.section(reference, candidate, roles).summary["column_shapes"], 1)
