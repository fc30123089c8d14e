"""Counterfactual twins: every built-in model's run without its incidents is identical to it up
to the first incident and differs after it; the comparison helpers on frames with known answers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from simsynth.rare.twins import (
    affected_entities,
    affected_rows,
    first_difference,
    mark_affected,
    run_twin,
    twin_scenario,
)
from simsynth.runner import run_once
from simsynth.scenario import Scenario, load_scenario

CONTACT_CENTER = {"agents": 4, "arrival_rate": "60/h", "service_time": "3min", "patience": "4min"}
CARDS = {"card_holders": 2000, "merchants": 100}
GRID = {"demand": {"rate": "1800/h"}}
CORRIDOR = {
    "network": {"kind": "corridor", "length": 3000, "ramp_spacing": 1000, "lanes": 1},
    "demand": {"rate": "600/h", "origins": ["m0"], "destinations": ["m3"]},
    "trajectory_every": 0,
}
JUNCTION = {
    "approaches": {
        n: {"arrival_rate": "0.1/s", "lanes": 2} for n in ("north", "south", "east", "west")
    },
    "phases": [
        {"approaches": ["north", "south"], "split": 0.5},
        {"approaches": ["east", "west"], "split": 0.5},
    ],
}


def one(kind: str, at: str, **params: object) -> list[dict]:
    return [{"kind": kind, "at": at, "params": params}]


CASES: dict[str, tuple[str, dict]] = {
    "contact_center": (
        "customers.contact_center",
        {
            "seed": 5,
            "duration": "2h",
            "params": CONTACT_CENTER,
            "incidents": one("outage", "30min", duration="20min", share=0.5),
        },
    ),
    "card_network": (
        "customers.card_network",
        {"seed": 4, "duration": "5d", "params": CARDS, "incidents": one("card_testing", "2d")},
    ),
    "card_network_churn": (
        "customers.card_network",
        {"seed": 4, "duration": "5d", "params": CARDS, "incidents": one("churn", "1d")},
    ),
    "order_flow": (
        "markets.order_flow",
        {"seed": 2, "duration": "20min", "incidents": one("spoofing", "10min")},
    ),
    "traders": (
        "markets.traders",
        {"seed": 4, "duration": "30min", "incidents": one("flash_crash", "15min")},
    ),
    "road_network": (
        "traffic.road_network",
        {
            "seed": 5,
            "duration": "25min",
            "params": GRID,
            "incidents": one(
                "signal_failure", "10min", duration="10min", junction="2,2", mode="stuck"
            ),
        },
    ),
    "road_network_accident": (
        "traffic.road_network",
        {
            "seed": 5,
            "duration": "25min",
            "params": CORRIDOR,
            "incidents": one("accident", "10min", duration="10min", link="m1->m2", position=0.9),
        },
    ),
    "intersection": (
        "traffic.intersection",
        {
            "seed": 7,
            "duration": "1h",
            "params": JUNCTION,
            "incidents": one("signal_failure", "30min", duration="10min", mode="flashing_red"),
        },
    ),
}
"""One small scenario per built-in model, each with one incident at a fixed time."""


@dataclass(frozen=True)
class Pair:
    """A factual run and its twin (events sorted by event_id), and its one episode."""

    scenario: Scenario
    factual: pd.DataFrame
    twin: pd.DataFrame
    episode: pd.Series

    @property
    def at(self) -> float:
        """When the incident was scheduled to start (a script may first act a little later)."""
        return float(self.scenario.incidents[0].at)

    @property
    def entities(self) -> set[int]:
        return set(self.episode["entities"].tolist())


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory):
    """Runs each case (factual and twin) once for the module."""
    done: dict[str, Pair] = {}

    def get(name: str) -> Pair:
        if name not in done:
            model, body = CASES[name]
            root = tmp_path_factory.mktemp(name)
            path = root / "scenario.yaml"
            path.write_text(yaml.safe_dump({"name": name, "model": model, **body}))
            scenario = load_scenario(path)
            run_once(scenario, 0, root / "factual")
            episodes = read(root / "factual", "episodes")  # emergent ones (near misses) too
            kind = body["incidents"][0]["kind"]
            (episode,) = (row for _, row in episodes.iterrows() if row["kind"] == kind)
            done[name] = Pair(
                scenario,
                read(root / "factual", "events"),
                run_twin(scenario, 0, root / "twin"),
                episode,
            )
        return done[name]

    return get


def read(root: Path, table: str) -> pd.DataFrame:
    frame = pd.read_parquet(root / table / "run_id=0")
    order = "event_id" if table == "events" else frame.columns[0]
    return frame.sort_values(order, ignore_index=True)


# --- every model: identical before the incident, different after it ---------------------------


@pytest.mark.parametrize("name", list(CASES))
def test_twin_is_identical_row_for_row_before_the_first_incident(pairs, name):
    pair = pairs(name)
    factual, twin = pair.factual, pair.twin
    before = factual[factual["time"] < pair.at].reset_index(drop=True)
    assert len(before) >= 50, "the case needs events before its incident"
    twin_before = twin[twin["time"] < pair.at].reset_index(drop=True)
    # every column, event_id included; label_kind by value, as the twin schedules no incident
    # and so lists none of their kinds
    text = {"label_kind": str}
    pd.testing.assert_frame_equal(before.astype(text), twin_before.astype(text))
    assert not affected_rows(factual, twin)[: len(before)].any()
    changed_at = first_difference(factual, twin)
    assert changed_at is not None and changed_at >= pair.at


@pytest.mark.parametrize("name", list(CASES))
def test_twin_differs_after_the_incident_and_marks_affected_rows(pairs, name):
    pair = pairs(name)
    factual, twin = pair.factual, pair.twin
    affected = affected_rows(factual, twin)
    after = factual["time"].to_numpy() >= pair.at
    missing = affected_rows(twin, factual)  # twin rows the incident took away (e.g. churn)
    assert affected[after].any() or missing.any()
    marked = mark_affected(factual, twin)
    roles = marked["role"].astype(str).to_numpy()
    normal = marked["label"].to_numpy() == 0
    assert ((roles[normal] == "affected") == affected[normal]).all()
    if "role" in factual.columns:  # a model's own roles stay on the incident's rows
        assert (roles[~normal] == factual["role"].astype(str).to_numpy()[~normal]).all()
    else:
        assert (roles[~normal] == "involved").all()


def normal_rows_after(pair: Pair) -> tuple[np.ndarray, np.ndarray]:
    """(label-0 rows after the incident, which of all rows are affected)."""
    factual = pair.factual
    after = (factual["time"].to_numpy() >= pair.at) & (factual["label"].to_numpy() == 0)
    return after, affected_rows(factual, pair.twin)


# --- how far each footprint reaches --------------------------------------------------------------


def test_card_fraud_changes_only_its_victim(pairs):
    pair = pairs("card_network")
    affected = affected_rows(pair.factual, pair.twin)
    touched = set(pair.factual.loc[affected, "entity_id"].tolist())
    assert touched == pair.entities, "only the victim's payments change (fraud, new card)"
    # the victim's everyday payments after the fraud carry the reissued card: affected, label 0
    after, _ = normal_rows_after(pair)
    assert (affected & after).any()
    others = ~pair.factual["entity_id"].isin(pair.entities)
    twin_others = ~pair.twin["entity_id"].isin(pair.entities)
    assert others.sum() == twin_others.sum()


def test_a_churner_fading_away_leaves_every_other_holder_as_in_the_twin(pairs):
    pair = pairs("card_network_churn")
    (churner,) = pair.entities
    factual, twin = pair.factual, pair.twin
    gone = affected_rows(twin, factual)  # the twin's payments the churner no longer makes
    assert gone.any()
    assert set(twin.loc[gone, "entity_id"].tolist()) == {churner}
    assert not affected_rows(factual, twin).any(), "the churner's remaining payments are kept"


def test_road_network_signal_failure_leaves_most_traffic_as_in_the_twin(pairs):
    # measured: 2.8 % of the label-0 rows after the failure differ (vehicles through or behind
    # the stuck junction); before vehicle-keyed dice every vehicle moved in another slot's dice
    # and more than half differed.
    pair = pairs("road_network")
    after, affected = normal_rows_after(pair)
    assert affected[after].any()
    assert affected[after].mean() < 0.10


def test_road_network_accident_affects_the_traffic_behind_it(pairs):
    pair = pairs("road_network_accident")
    factual = pair.factual
    after, affected = normal_rows_after(pair)
    # the only main-line link is blocked: the vehicles behind it are delayed, though not labelled
    delayed = set(factual.loc[affected & after, "entity_id"].tolist())
    assert len(delayed) >= 10
    involved = factual["episode_id"].to_numpy() == pair.episode["episode_id"]
    assert affected[involved].any(), "the crashed vehicles' trips end differently"


def by_caller(events: pd.DataFrame, event_type: str, column: str) -> pd.Series:
    return events[events["event_type"] == event_type].set_index("entity_id")[column]


def test_contact_center_outage_keeps_arrivals_and_talk_times(pairs):
    pair = pairs("contact_center")
    runs = (pair.factual, pair.twin)
    arrived = [by_caller(e, "call_arrival", "time") for e in runs]
    pd.testing.assert_series_equal(*arrived)  # the same callers, at the same times
    # each caller's talk time is its own draw: callers completed in both runs talk as long
    talks = [by_caller(e, "call_completed", "service_s") for e in runs]
    both = talks[0].index.intersection(talks[1].index)
    assert len(both) >= 50
    pd.testing.assert_series_equal(talks[0][both], talks[1][both])
    waits = [by_caller(e, "call_answered", "wait_s").reindex(both) for e in runs]
    assert (waits[0] > waits[1] + 1e-9).any(), "the outage made callers wait longer"


def test_intersection_failure_changes_departures_not_arrivals(pairs):
    pair = pairs("intersection")
    columns = ["time", "entity_id", "approach", "movement"]
    arrivals = [
        e.loc[e["event_type"] == "arrival", columns].reset_index(drop=True)
        for e in (pair.factual, pair.twin)
    ]
    pd.testing.assert_frame_equal(*arrivals)
    after, affected = normal_rows_after(pair)
    departs = (pair.factual["event_type"] == "depart").to_numpy()
    assert (affected & after & departs).any()


def test_twin_scenario_drops_incidents_only(pairs):
    scenario = pairs("contact_center").scenario
    twin = twin_scenario(scenario)
    assert twin.incidents == [] and scenario.incidents
    assert twin.model_dump(exclude={"incidents"}) == scenario.model_dump(exclude={"incidents"})


# --- the comparison helpers on frames whose answer is known --------------------------------------


def frame(rows: list[tuple], **extra: list) -> pd.DataFrame:
    """Events (event_id, time, entity_id, amount) with label columns and `extra` ones."""
    data = pd.DataFrame(rows, columns=["event_id", "time", "entity_id", "amount"])
    data["label"] = np.zeros(len(data), np.int8)
    data["label_kind"] = pd.Categorical(["normal"] * len(data))
    data["episode_id"] = -1
    for name, values in extra.items():
        data[name] = values
    return data


BASE = [(0, 1.0, 7, 2.5), (1, 2.0, 8, 3.0), (2, 3.0, 7, 2.5), (3, 4.0, 9, 1.0)]


def test_identical_frames_have_no_affected_rows_and_no_difference():
    assert not affected_rows(frame(BASE), frame(BASE)).any()
    assert first_difference(frame(BASE), frame(BASE)) is None


def test_reordered_identical_rows_are_not_affected_but_a_changed_value_is():
    reordered = frame([(0, 2.0, 8, 3.0), (1, 1.0, 7, 2.5), (2, 3.0, 7, 2.5), (3, 4.0, 9, 1.0)])
    assert not affected_rows(frame(BASE), reordered).any()
    changed = frame([*BASE[:2], (2, 3.0, 7, 2.75), BASE[3]])
    assert affected_rows(changed, frame(BASE)).tolist() == [False, False, True, False]
    assert first_difference(changed, frame(BASE)) == 3.0


def test_labels_ids_and_roles_do_not_count_as_differences():
    twin = frame([(10 + i, *row[1:]) for i, row in enumerate(BASE)])
    factual = frame(BASE, role=pd.Categorical(["normal", "victim", "normal", "normal"]))
    factual.loc[1, ["label", "episode_id"]] = (1, 0)
    factual["label_kind"] = pd.Categorical(["normal", "fraud", "normal", "normal"])
    assert not affected_rows(factual, twin).any()
    assert first_difference(factual, twin) is None


def test_duplicates_match_as_a_multiset():
    # factual holds the (7, 2.5) row at t=1 twice, the twin once: one of the two is affected
    factual = frame([BASE[0], (1, 1.0, 7, 2.5), *((i + 1, *r[1:]) for i, r in enumerate(BASE[1:]))])
    twin = frame(BASE)
    assert affected_rows(factual, twin).tolist() == [False, True, False, False, False]
    assert first_difference(factual, twin) == 1.0
    # and the other way round: every twin row has a factual counterpart
    assert not affected_rows(twin, factual).any()


def test_first_difference_when_one_run_stops_early_or_skips_an_event():
    shorter = frame(BASE[:3])
    assert first_difference(shorter, frame(BASE)) == 4.0
    skipped = frame([BASE[0], (1, 3.0, 7, 2.5), (2, 4.0, 9, 1.0)])
    assert first_difference(skipped, frame(BASE)) == 2.0, "the earlier of the two rows' times"


def test_columns_must_agree():
    with pytest.raises(ValueError, match="amount"):
        affected_rows(frame(BASE), frame(BASE).drop(columns="amount"))


def test_mark_affected_creates_roles_and_keeps_a_models_own():
    factual = frame([*BASE[:2], (2, 3.0, 7, 2.75), (3, 4.0, 9, 9.0)])
    factual.loc[3, ["label", "episode_id"]] = (1, 0)
    marked = mark_affected(factual, frame(BASE))
    assert marked["role"].dtype == "category"
    assert marked["role"].astype(str).tolist() == ["normal", "normal", "affected", "involved"]
    assert "role" not in factual.columns, "the input is left alone"

    own = factual.assign(role=pd.Categorical(["victim", "normal", "victim", "fraudster"]))
    marked = mark_affected(own, frame(BASE).assign(role="normal"))
    assert marked["role"].dtype == "category"
    assert marked["role"].astype(str).tolist() == ["victim", "normal", "affected", "fraudster"]


def test_affected_entities_summarises_per_entity():
    factual = frame([*BASE[:2], (2, 3.0, 7, 2.75), BASE[3]])
    summary = affected_entities(mark_affected(factual, frame(BASE)))
    assert summary.loc[7].tolist() == [2, 1, True]
    assert summary.loc[8, "affected"] == False  # noqa: E712 - numpy bool
    assert summary["affected"].sum() == 1
