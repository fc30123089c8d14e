"""The shortcut audit on tables whose shortcuts are known: a threshold on one column, a set of
identifiers, an id range, a name prefix, or nothing at all."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simsynth.column_roles import ColumnRoles
from simsynth.evaluate import shortcuts
from tests.evaluate.labelled import events, label

N = 20_000


def best(found: pd.DataFrame, kind: str = "spike") -> pd.DataFrame:
    """The single-column rows of one kind, best first, indexed by column."""
    rows = found[(found["kind"] == kind) & (found["source"] != "tree")]
    return rows.sort_values("f1", ascending=False).set_index("column")


def test_a_threshold_on_one_column_is_found_exactly_and_warned_about():
    frame = events(N, 1)
    frame = label(frame, frame["x"].to_numpy() > 3)
    found = shortcuts.audit(frame, seed=0)
    rows = best(found)
    assert rows.index[0] == "x"
    assert rows.loc["x", "f1"] >= 0.99  # 1 but for held-out rows closer to 3 than any fitted
    assert rows.loc["x", "rule"].startswith("x > ")
    assert rows.loc["noise", "f1"] < 0.1  # a column unrelated to the label finds nothing
    assert (found["split"] == "episodes").all()
    section = shortcuts.section(frame, frame, ColumnRoles.of(frame))
    assert any(
        "one-column rule recovers" in w and "candidate, spike" in w for w in section.warnings
    )
    assert section.details["candidate"]["spike"]["best_column"] == "x"


def test_identifiers_that_name_the_positives_are_warned_about():
    frame = events(N, 2)
    bad = np.arange(0, 500, 50)  # 10 of 500 entities; every row of theirs is positive
    frame = label(frame, np.isin(frame["entity_id"], bad))
    rows = best(shortcuts.audit(frame, seed=0))
    assert rows.loc["entity_id", "f1"] > 0.9
    assert rows.loc["entity_id", "source"] == "identifier"
    assert rows.loc["x", "f1"] < 0.1
    section = shortcuts.section(frame, frame, ColumnRoles.of(frame))
    assert any("identifier `entity_id` predicts the label" in w for w in section.warnings)


def test_an_id_range_and_a_name_prefix_are_shortcuts_too():
    frame = events(N, 3)
    rng = np.random.default_rng(0)
    fraud = rng.random(N) < 0.02
    frame.loc[fraud, "card_id"] = rng.integers(10**12, 2 * 10**12, fraud.sum())
    frame.loc[fraud, "name"] = [f"M{v}" for v in rng.integers(10**6, 10**7, fraud.sum())]
    frame = label(frame, fraud)
    roles = ColumnRoles.of(frame.rename(columns={"name": "name_id"}))
    rows = best(shortcuts.audit(frame.rename(columns={"name": "name_id"}), roles, seed=0))
    assert rows.loc["card_id", "f1"] >= 0.99 and ">" in rows.loc["card_id", "rule"]
    assert rows.loc["prefix(name_id)", "f1"] == 1.0
    assert rows.loc["prefix(name_id)", "rule"] == "prefix(name_id) in {M}"
    assert rows.loc["name_id", "f1"] == 0.0  # whole names never repeat: nothing to memorise


def test_labels_independent_of_every_column_give_nothing_away():
    frame = events(N, 4)
    frame = label(frame, np.random.default_rng(5).random(N) < 0.03)
    found = shortcuts.audit(frame, seed=0)
    assert found["f1"].max() < 0.15  # random guessing at 3 % prevalence scores about 0.06
    section = shortcuts.section(frame, frame, ColumnRoles.of(frame))
    assert section.warnings == []


def test_ids_used_only_by_held_out_episodes_are_not_shortcuts():
    # Ordinary entities have even ids; each episode's actor an odd id of its own, in the same
    # range. Rows split at random would let a value rule memorise the actors (F1 ~ 1); split
    # by episode, the held-out episodes' actors are new and no threshold separates them.
    frame = events(N, 6)
    frame["entity_id"] *= 2
    frame = label(frame, frame["x"].to_numpy() > 2.5)
    episodes = frame["episode_id"].to_numpy()
    actors = np.random.default_rng(0).permutation(500)[: len(np.unique(episodes[episodes >= 0]))]
    actor_of = dict(zip(np.unique(episodes[episodes >= 0]), 2 * actors + 1, strict=True))
    positive = episodes >= 0
    frame.loc[positive, "entity_id"] = [actor_of[e] for e in episodes[positive]]
    rows = best(shortcuts.audit(frame, seed=0))
    assert rows.loc["entity_id", "f1"] < 0.2
    assert rows.loc["x", "f1"] >= 0.99


def test_one_episode_is_split_by_entity_and_warnings_say_what_that_means():
    frame = events(N, 7)
    frame = label(frame, frame["x"].to_numpy() > 3)
    frame.loc[frame["label"] > 0, "episode_id"] = 0
    found = shortcuts.audit(frame, seed=0)
    assert set(found["split"]) == {"entities"}
    section = shortcuts.section(frame, frame, ColumnRoles.of(frame))
    assert section.warnings and all("one episode only" in w for w in section.warnings)
    assert any("one-column rule recovers" in w for w in section.warnings)


def test_overlapping_episodes_count_as_one_when_split():
    where = pd.DataFrame(
        {
            "run_id": [0, 0, 0, 0, 1, 1],
            "episode_id": [1, 1, 2, 3, 1, 1],
            "time": [0.0, 10.0, 5.0, 20.0, 0.0, 10.0],
        }
    )
    clusters = shortcuts.episode_clusters(where)
    assert clusters[0] == clusters[1] == clusters[2]  # episode 2 starts inside episode 1
    assert len({clusters[0], clusters[3], clusters[4]}) == 3  # later, and another run


def test_same_seed_same_audit_and_the_section_sees_both_datasets():
    reference = events(N, 8)
    reference = label(reference, reference["x"].to_numpy() > 3.5, "spike")
    candidate = events(N, 9)
    candidate = label(candidate, np.isin(candidate["entity_id"], [3, 7, 11]), "ring")
    assert shortcuts.audit(candidate, seed=3).equals(shortcuts.audit(candidate, seed=3))
    section = shortcuts.section(reference, candidate, ColumnRoles.of(reference), seed=1)
    table = section.tables[0][1].set_index("kind")
    assert list(table.index) == ["label", "ring", "spike"]
    assert pd.isna(table.loc["spike", "candidate F1"])  # not in the candidate
    assert section.details["candidate"]["spike"] is None
    assert table.loc["spike", "reference F1"] >= 0.99
    assert table.loc["ring", "candidate F1"] > 0.9
    assert section.summary["candidate"]["max_identifier_f1"] > 0.9
    assert section.summary["reference"]["max_single_column_f1"] >= 0.99


@pytest.mark.parametrize("rows", [1, 0])
def test_kinds_with_too_few_positive_rows_are_left_out(rows):
    frame = events(1000, 10)
    frame = label(frame, np.arange(1000) < rows)
    assert shortcuts.audit(frame, seed=0).empty
