"""Detectability: same source → AUC near 0.5; a shifted column → near 1; copies → 0.5."""

from __future__ import annotations

import numpy as np
import pytest

from simsynth.column_roles import ColumnRoles
from simsynth.evaluate import detectability

from .constructed import attributes, events

TOLERANCE = 0.08
"""|AUC - 0.5| allowed for two samples of one source of 600 rows each (over seeds 0-5 the
largest seen was 0.042)."""


def _summary(reference, candidate, seed=0) -> dict:
    return detectability.section(reference, candidate, ColumnRoles.of(reference), seed=seed).summary


def test_samples_of_one_source_cannot_be_told_apart() -> None:
    summary = _summary(attributes(600, seed=0), attributes(600, seed=1))
    assert summary["auc"] == pytest.approx(0.5, abs=TOLERANCE)
    assert summary["score"] > 1 - 2 * TOLERANCE


def test_a_copy_scores_one_half_not_below() -> None:
    reference = attributes(600, seed=0)
    assert _summary(reference, reference.copy())["auc"] == pytest.approx(0.5, abs=TOLERANCE)


def test_a_shifted_column_is_detected() -> None:
    # on x alone, N(0,1) against N(3,1) are separated with AUC Φ(3/√2) ≈ 0.98
    result = detectability.section(
        attributes(600, seed=0),
        attributes(600, seed=1, shift=3.0),
        ColumnRoles.of(attributes(10, seed=0)),
    )
    assert result.summary["auc"] > 0.95
    assert result.summary["score"] < 0.1
    assert result.warnings


def test_coarse_attributes_are_still_learned() -> None:
    # one attribute, A in 90 % of reference rows and 10 % of candidate rows: the best score is
    # the category, whose AUC is 0.9·0.9 + ½(0.9·0.1 + 0.1·0.9) = 0.9
    reference = events(np.arange(1000.0), kind=np.where(np.arange(1000) < 900, "A", "B"))
    candidate = events(np.arange(1000.0), kind=np.where(np.arange(1000) < 100, "A", "B"))
    assert _summary(reference, candidate)["auc"] == pytest.approx(0.9, abs=0.03)


def test_same_seed_same_scores() -> None:
    reference, candidate = attributes(150, seed=0), attributes(150, seed=1, shift=0.3)
    assert _summary(reference, candidate, seed=4) == _summary(reference, candidate, seed=4)


def test_too_few_rows_is_a_warning_not_an_error() -> None:
    reference = attributes(30, seed=0)
    result = detectability.section(reference, reference, ColumnRoles.of(reference))
    assert result.summary["auc"] is None and result.warnings


def test_rare_twins_share_a_fold_and_folds_are_balanced() -> None:
    keys = np.concatenate([np.arange(500), np.arange(500)])  # every row copied once
    keys[:100] = keys[500:600] = 10_000  # one value shared by 200 rows
    target = np.repeat([0, 1], 500)
    folds = detectability.fold_of_rows(detectability.twin_groups(keys), target, seed=0)
    assert (folds[100:500] == folds[600:1000]).all()  # rare copies stay together
    assert len(set(folds[:100])) == detectability.FOLDS  # a frequent value is spread
    for fold in range(detectability.FOLDS):  # 100 rows of each class per fold, within 10 %
        assert abs((folds[target == 1] == fold).sum() - 100) <= 10
