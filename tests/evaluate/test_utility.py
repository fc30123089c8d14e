"""Utility (TSTR against TRTR) on tables whose answers are known: a fresh sample of the same
process is as useful as real data; shuffled labels teach nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simsynth.column_roles import ColumnRoles
from simsynth.evaluate import utility
from tests.evaluate.labelled import events, label, logistic

N = 10_000


def scored(reference: pd.DataFrame, candidate: pd.DataFrame, **options) -> dict:
    section = utility.section(reference, candidate, ColumnRoles.of(reference), **options)
    return section.details


def test_a_fresh_sample_of_the_same_process_is_as_useful_as_real_data():
    reference, candidate = logistic(events(N, 1), 1), logistic(events(N, 2), 2)
    spike = scored(reference, candidate)["label"]
    # both find the positives far better than chance (base rate about 4 %) ...
    assert spike["trtr_pr_auc"] > 3 * spike["base_rate"]
    # ... and equally well: the candidate trains as well as the reference's own training part
    # (the gap is sampling noise of two 7,000- and 10,000-row training sets)
    assert abs(spike["tstr_pr_auc"] - spike["trtr_pr_auc"]) < 0.08
    assert abs(spike["ratio"] - 1) < 0.25


def test_shuffled_labels_teach_nothing():
    reference = logistic(events(N, 3), 3)
    candidate = logistic(events(N, 4), 4)
    shuffled = np.random.default_rng(0).permutation(len(candidate))
    for column in ("label", "label_kind", "episode_id"):
        candidate[column] = candidate[column].to_numpy()[shuffled]
    spike = scored(reference, candidate)["label"]
    # average precision of an uninformed score is the base rate (about 0.04); allow 0.03
    assert abs(spike["tstr_pr_auc"] - spike["base_rate"]) < 0.03
    assert spike["trtr_pr_auc"] > 3 * spike["base_rate"]
    assert spike["ratio"] < 0.5


def test_every_kind_is_scored_one_against_the_rest_and_absent_kinds_get_a_note():
    reference = logistic(events(N, 5), 5)
    reference = label(
        reference,
        (reference["colour"] == "grey").to_numpy() & (reference["noise"].to_numpy() > 1),
        "grey_spike",
    )
    candidate = logistic(events(N, 6), 6)
    section = utility.section(reference, candidate, ColumnRoles.of(reference))
    assert list(section.details) == ["label", "grey_spike", "spike"]
    grey = section.details["grey_spike"]
    assert grey["tstr_pr_auc"] is None and grey["trtr_pr_auc"] is not None
    assert grey["positives"]["candidate"] == 0
    assert any("grey_spike" in note and "candidate has no" in note for note in section.notes)
    assert grey["trtr_pr_auc"] > 5 * grey["base_rate"]  # two columns define it exactly
    assert section.summary == {"label": section.details["label"]}
    table = section.tables[0][1]
    assert list(table["target"]) == ["label", "grey_spike", "spike"]
    only = utility.section(reference, candidate, ColumnRoles.of(reference), every_kind=False)
    assert list(only.details) == ["label"]


def test_kind_absent_from_the_held_out_part_is_not_scored():
    reference = logistic(events(N, 7), 7)
    early = (reference["time"] < 2000).to_numpy() & (reference["x"].to_numpy() > 2.5)
    reference = label(reference, early, "early")
    details = scored(reference, logistic(events(N, 8), 8))["early"]
    assert details["tstr_pr_auc"] is None and details["trtr_pr_auc"] is None
    assert "held-out part" in details["note"]


def test_several_runs_are_split_by_run_and_one_run_by_time():
    runs = [logistic(events(4000, 10 + k, run=k), 10 + k) for k in range(4)]
    reference = pd.concat(runs, ignore_index=True)
    reference["run_id"] = pd.Categorical(reference["run_id"].astype(int))
    train, how = utility.reference_split(reference, seed=0)
    assert how.startswith("by run: 3 of 4")
    by_run = pd.Series(train).groupby(reference["run_id"].to_numpy()).agg(["min", "max"])
    assert (by_run["min"] == by_run["max"]).all()  # whole runs on one side
    assert by_run["min"].sum() == 3
    single = runs[0]
    train, how = utility.reference_split(single, seed=0)
    assert how.startswith("by time") and train.mean() == 0.7
    assert single["time"][train].max() <= single["time"][~train].min()


def test_same_seed_same_scores_and_identifiers_are_never_features():
    reference, candidate = logistic(events(N, 11), 11), logistic(events(N, 12), 12)
    roles = ColumnRoles.of(reference)
    first = utility.section(reference, candidate, roles, seed=4)
    assert first.details == utility.section(reference, candidate, roles, seed=4).details
    (features,) = [note for note in first.notes if note.startswith("Reference split")]
    assert "colour" in features and "x" in features
    assert not any(name in features for name in ("entity_id", "card_id", "label", "episode"))
