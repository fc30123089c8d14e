"""Privacy: a copy of the reference sits on it; fresh data sits where the holdout does."""

from __future__ import annotations

import pandas as pd
import pytest

from simsynth.column_roles import ColumnRoles
from simsynth.evaluate import privacy

from .constructed import attributes


def _summary(reference: pd.DataFrame, candidate: pd.DataFrame) -> dict:
    return privacy.section(reference, candidate, ColumnRoles.of(reference)).summary


def test_a_copy_of_the_reference_is_flagged() -> None:
    reference = attributes(800, seed=0)
    result = privacy.section(reference, reference.copy(), ColumnRoles.of(reference))
    summary = result.summary
    # half the copy is the training half itself (distance 0), so the median sits at the edge
    assert summary["dcr_ratio"] < 0.1
    assert summary["dcr_p5_ratio"] == 0.0
    # x and y are continuous: only the training half's own rows match it exactly
    assert summary["exact_match_rate"] == pytest.approx(0.5)
    assert summary["holdout_exact_match_rate"] == 0.0
    assert result.warnings


def test_fresh_data_sits_as_far_as_the_holdout() -> None:
    # over seeds 0-7 (600 rows) the ratio ranged 0.89-1.14
    summary = _summary(attributes(800, seed=0), attributes(800, seed=1))
    assert 0.8 < summary["dcr_ratio"] < 1.25
    assert summary["exact_match_rate"] == 0.0


def test_partial_copying_shows_in_the_low_quantile() -> None:
    reference = attributes(800, seed=0)
    candidate = pd.concat([reference.sample(160, random_state=0), attributes(640, seed=1)])
    summary = _summary(reference, candidate)
    assert summary["dcr_p5_ratio"] == 0.0  # ~10% of the candidate copies training rows
    assert summary["dcr_ratio"] > 0.7  # while the median barely moves


def test_several_runs_are_split_whole() -> None:
    reference = pd.concat(
        [attributes(100, seed=run).assign(run_id=run) for run in range(4)], ignore_index=True
    )
    train, holdout, split = privacy.split_reference(reference, seed=0)
    assert split == "runs"
    assert set(train["run_id"]).isdisjoint(holdout["run_id"])
    assert train["run_id"].nunique() == holdout["run_id"].nunique() == 2
    one_run = attributes(101, seed=0)
    train, holdout, split = privacy.split_reference(one_run, seed=0)
    assert (split, len(train), len(holdout)) == ("rows", 50, 51)
