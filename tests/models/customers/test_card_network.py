"""`customers.card_network` recovers what it is configured with, and its labels mean what they say.

References are the configuration itself: lognormal amounts per category (KS test), the hour-of-
day and weekday profiles (chi-square), Poisson incident rates (counts of the episodes the model
wrote and carried out, within 3.29 Poisson standard deviations), the preferential-attachment
graph's heavy tail against uniform choice.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import simsynth
from simsynth.models.customers.card_network.kernels import guide_table, guided_choice
from simsynth.models.customers.card_network.params import (
    DEFAULT_CATEGORIES,
    DEFAULT_HOURLY_PROFILE,
    DEFAULT_WEEKLY_PROFILE,
    CardNetworkParams,
)
from simsynth.models.customers.card_network.world import (
    DAY,
    EpisodeLabels,
    build_world,
    everyday_payments,
)
from tests.conftest import run_model

MODEL = "customers.card_network"
FRAUD_KINDS = ("card_testing", "account_takeover", "merchant_compromise", "bust_out")
ONE_SEGMENT = {
    "everyone": {"share": 1, "transactions_per_day": 3, "amount_multiplier": 1, "credit_limit": 1e6}
}
LEVEL = 0.001
"""Significance level of the statistical tests: each fails wrongly once in a thousand seeds."""


def run(tmp_path: Path, scenario: dict, name: str = "run") -> Path:
    return run_model(tmp_path, MODEL, scenario, name)


def load(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    events = pd.read_parquet(out / "events")
    episodes = pd.read_parquet(out / "episodes")
    episodes["params"] = episodes["params"].map(json.loads)
    return events, episodes


def test_amounts_per_category_follow_their_lognormal(tmp_path):
    out = run(
        tmp_path,
        {
            "seed": 1,
            "duration": "4d",
            "params": {"card_holders": 3000, "merchants": 300, "segments": ONE_SEGMENT},
        },
    )
    events, _ = load(out)
    tested = 0
    for name, category in DEFAULT_CATEGORIES.items():
        amounts = events.loc[events["mcc"] == name, "amount"].to_numpy()
        if len(amounts) < 200:
            continue
        reference = stats.lognorm(s=category.amount_sigma, scale=category.amount_median)
        assert stats.kstest(amounts, reference.cdf).pvalue > LEVEL, name
        tested += 1
    assert tested >= 6


def test_hour_of_day_and_weekday_shares_follow_the_profiles(tmp_path):
    out = run(
        tmp_path,
        {
            "seed": 2,
            "duration": "14d",
            "start": "2026-03-02T00:00:00",
            "params": {"card_holders": 2000, "merchants": 200, "payday": None},
        },
    )
    moments = pd.Timestamp("2026-03-02") + pd.to_timedelta(load(out)[0]["time"], unit="s")
    hours = np.bincount(moments.dt.hour, minlength=24)
    expected = np.array(DEFAULT_HOURLY_PROFILE) / sum(DEFAULT_HOURLY_PROFILE) * hours.sum()
    assert stats.chisquare(hours, expected).pvalue > LEVEL
    days = np.bincount(moments.dt.day_of_week, minlength=7)
    expected = np.array(DEFAULT_WEEKLY_PROFILE) / sum(DEFAULT_WEEKLY_PROFILE) * days.sum()
    assert stats.chisquare(days, expected).pvalue > LEVEL


def test_incident_rates_are_recovered_and_every_episode_acts(tmp_path):
    """Rate-driven incidents happen at their rate, as the model writes them, and every fraud
    episode acts.

    A rate is episodes per unit of time ("400/d": 400 per 86,400 s). Four kinds at 400/d each
    over 10 days in one run: per kind, the written dataset's episodes table holds N ~ Poisson(m)
    episodes, m = rate x duration = 4000, checked within z = 3.29 standard deviations (sqrt(m)
    = 63, i.e. 5.2 %; two-sided level 0.001 per kind). Power: a rate 10 % too high gives N ~
    4400 +- 66, which stays inside the band (N <= 4208) with probability Phi(-2.9) = 0.2 %; 10 %
    too low (3600 +- 60) with Phi(-3.2) = 0.07 %: a 10 % error in any one kind's rate fails with
    probability > 99.7 %. The same band, at m = rate x (duration - 1 h), holds for the episodes
    the model carried out, i.e. that have labelled events in the events table (so a model that
    drops plans fails even though the schedule is right): every fraud episode that starts an
    hour or more before the end has acted (a card test's burst lasts 30 min, the takeover and
    bust-out windows are set to 1 h here). Start times are uniform over the run
    (Kolmogorov-Smirnov, level 0.001), as a homogeneous Poisson process's are.
    """
    rates = dict.fromkeys(("card_testing", "account_takeover", "bust_out", "churn"), 400.0)
    days, window = 10, 3600.0
    duration = days * DAY
    one_hour = {"account_takeover": {"duration": "1h"}, "bust_out": {"duration": "1h"}}
    out = run(
        tmp_path,
        {
            "seed": 3,
            "duration": f"{days}d",
            "params": {
                "card_holders": 2000,
                "merchants": 200,
                "segments": {"everyone": {**ONE_SEGMENT["everyone"], "transactions_per_day": 0.5}},
            },
            "incidents": [
                {"kind": kind, "rate": f"{rate}/d", "params": one_hour.get(kind, {})}
                for kind, rate in rates.items()
            ],
        },
    )
    events, episodes = load(out)
    z = stats.norm.isf(LEVEL / 2)
    acted = events.loc[events["episode_id"] >= 0, ["episode_id", "label_kind"]].drop_duplicates()
    for kind, rate in rates.items():
        mine = episodes[episodes["kind"] == kind]
        expected = rate * days
        assert abs(len(mine) - expected) <= z * math.sqrt(expected), (kind, len(mine), expected)
        starts = mine["start_time"].to_numpy()
        assert stats.kstest(starts / duration, "uniform").pvalue > LEVEL, kind
        if kind == "churn":
            assert (mine["entities"].map(len) == 1).all(), "a churner is one holder"
            continue
        early = set(mine.loc[mine["start_time"] < duration - window, "episode_id"])
        did = set(acted.loc[acted["label_kind"] == kind, "episode_id"])
        assert early <= did, (kind, len(early - did), "episodes that never acted")
        expected = rate * (duration - window) / DAY
        acting = len(did & early)
        assert abs(acting - expected) <= z * math.sqrt(expected), (kind, acting, expected)


def test_episode_entities_are_the_holders_in_its_events(tmp_path):
    incidents = [{"kind": kind, "at": f"{1 + i}d"} for i, kind in enumerate(FRAUD_KINDS)]
    incidents[2]["params"] = {"window": "2d", "cash_out_delay": "1d", "cash_out_share": 0.5}
    out = run(
        tmp_path,
        {
            "seed": 4,
            "duration": "10d",
            "incidents": incidents,
            "params": {"card_holders": 2000, "merchants": 100},
        },
    )
    events, episodes = load(out)
    for episode in episodes.itertuples():
        holders = set(events.loc[events["episode_id"] == episode.episode_id, "entity_id"])
        assert holders == set(episode.entities), episode.kind
        assert holders, episode.kind


def test_merchant_compromise_is_a_common_point_of_purchase(tmp_path):
    compromise = {
        "kind": "merchant_compromise",
        "at": "2d",
        "params": {"merchants": 2, "window": "3d", "cash_out_delay": "2d", "cash_out_share": 0.5},
    }
    out = run(
        tmp_path,
        {
            "seed": 5,
            "duration": "14d",
            "incidents": [compromise],
            "params": {"card_holders": 3000, "merchants": 100},
        },
    )
    events, episodes = load(out)
    (episode,) = episodes.itertuples()
    merchants = set(episode.params["compromised_merchants"])
    start, end = episode.start_time, episode.start_time + 3 * 86400
    at_merchants = events[events["merchant_id"].isin(merchants)]
    in_window = at_merchants["time"].between(start, end, inclusive="left")
    assert (at_merchants.loc[in_window, "role"] == "victim").all()
    assert (at_merchants.loc[~in_window & (at_merchants["time"] < end), "label"] == 0).all()
    fraud = events[events["role"] == "fraudster"]
    assert len(fraud) > 0 and (fraud["time"] >= end).all()
    victims = set(events.loc[events["role"] == "victim", "entity_id"])
    assert set(fraud["entity_id"]) <= victims, "cards used fraudulently were exposed first"
    assert (fraud["episode_id"] == episode.episode_id).all()


def test_card_testing_has_small_tests_then_a_large_purchase_without_shortcuts(tmp_path):
    incidents = [{"kind": "card_testing", "rate": "2/d"}]
    out = run(
        tmp_path,
        {
            "seed": 6,
            "duration": "5d",
            "incidents": incidents,
            "params": {"card_holders": 2000, "merchants": 200},
        },
    )
    events, episodes = load(out)
    normal = events[events["label"] == 0]
    finished = episodes[episodes["start_time"] < 4 * 86400]  # bursts cut by the run's end aside
    assert len(finished) >= 4
    for episode in finished.itertuples():
        rows = events[events["episode_id"] == episode.episode_id].sort_values("time")
        tests, purchase = rows.iloc[:-1], rows.iloc[-1]
        assert len(tests) == episode.params["tests"]
        assert (tests["amount"] <= episode.params["test_amount_max"]).all()
        assert purchase["amount"] > tests["amount"].max()
        assert (rows["channel"] == "online").all()
        holder_devices = set(normal.loc[normal["entity_id"] == episode.entities[0], "device_id"])
        assert not set(rows["device_id"]) & holder_devices, "the fraudster's own device"
    small_online = normal[(normal["channel"] == "online") & (normal["amount"] <= 5)]
    tests = events[(events["label"] == 1) & (events["amount"] <= 5)]
    # even at this (high) rate of card testing, a small online amount is a weak clue alone
    assert len(tests) / (len(tests) + len(small_online)) < 0.25
    for column in ("card_id", "device_id"):
        fraud_ids = events.loc[events["label"] == 1, column]
        online_normal = normal.loc[normal["device_id"] >= 0, column]
        assert online_normal.min() < fraud_ids.min() and fraud_ids.max() < online_normal.max()


def test_churner_stops_and_bust_out_hits_the_limit(tmp_path):
    incidents = [
        {"kind": "churn", "at": "1d", "params": {"decay": "12h"}},
        {"kind": "bust_out", "at": "2d", "params": {"limit_multiple": 3}},
    ]
    out = run(
        tmp_path,
        {
            "seed": 7,
            "duration": "8d",
            "incidents": incidents,
            "params": {"card_holders": 500, "merchants": 50},
        },
    )
    events, episodes = load(out)
    churn = episodes[episodes["kind"] == "churn"].iloc[0]
    holder_events = events[events["entity_id"] == churn.entities[0]]
    assert not (holder_events["time"] > churn.end_time).any()
    assert (holder_events.loc[holder_events["time"] >= churn.start_time, "role"] == "churner").all()
    spree = events[events["label_kind"] == "bust_out"]
    assert len(spree) == 12 and not spree["approved"].all(), "three times the credit left"


def test_preferential_attachment_makes_popular_merchants():
    params = CardNetworkParams(card_holders=20000, merchants=1000, regions=1)
    world = build_world(params, np.random.default_rng(8))
    degree = np.sort(np.bincount(world.habits.ravel(), minlength=world.merchants))[::-1]
    top_share = degree[:100].sum() / degree.sum()
    # A Pólya urn started with one ball per merchant gives Dirichlet(1, ..., 1) shares, i.e.
    # normalised exponentials, whose top 10% hold 0.1 (1 + ln 10) = 33% of the links; uniform
    # choice would give them about 12%.
    assert top_share == pytest.approx(0.1 * (1 + math.log(10)), abs=0.03)
    assert all(len(set(row)) == len(row) for row in world.habits[:1000])


def test_habitual_merchants_are_mostly_local():
    params = CardNetworkParams(card_holders=5000, merchants=500, regions=5, local_share=0.85)
    world = build_world(params, np.random.default_rng(9))
    local = world.merchant_region[world.habits] == world.region[:, None]
    # a non-local pick is in the home region by chance one time in five
    assert local.mean() == pytest.approx(0.85 + 0.15 / 5, abs=0.02)


PIECES = (np.array([0.0, 3600.0]), np.array([3600.0, 3600.0]), np.array([1.0, 3.0]))
"""Two hours of a step, the second three times as busy."""


def test_kernel_counts_pieces_order_and_credit_limits():
    params = CardNetworkParams(card_holders=3000, merchants=100)
    world = build_world(params, np.random.default_rng(10))
    # holder h makes rate_h * sum(weights) / DAY payments per step: 0.25 or 0.75 here
    world.transactions_per_day = np.where(np.arange(world.holders) % 2, 0.75, 0.25) * DAY / 4
    limit = world.credit_limit = np.full(world.holders, 60.0)
    balance = world.balance
    episodes = 1
    labels = EpisodeLabels(
        holder_episode=np.full(world.holders, -1),
        merchant_episode=np.full(world.merchants, -1),
        label_from=np.full(episodes, np.inf),
        label_until=np.full(episodes, np.inf),
        role=np.zeros(episodes, np.int32),
    )
    rng = np.random.default_rng(11)
    totals, late, holders = [], [], []
    for _ in range(20):
        out = everyday_payments(
            world, rng, PIECES, habit_share=0.8, decline_rate=0.0, labels=labels
        )
        assert ((out.time >= 0) & (out.time < 7200)).all()
        assert (np.diff(out.time) >= 0).all()
        totals.append(len(out.time))
        late.append((out.time >= 3600).mean())
        holders.append(out.holder)
        approved = out.approved
        assert (out.card_id == world.card_id[out.holder]).all()
        assert (out.category == world.merchant_category[out.merchant]).all()
    mean = 0.5 * world.holders
    assert abs(np.mean(totals) - mean) < 4 * np.sqrt(mean / len(totals))
    assert np.mean(late) == pytest.approx(0.75, abs=4 * np.sqrt(0.75 * 0.25 / sum(totals)))
    counts = np.bincount(np.concatenate(holders), minlength=world.holders) / len(totals)
    for parity, rate in ((0, 0.25), (1, 0.75)):
        share = counts[parity::2].mean()
        assert share == pytest.approx(rate, abs=4 * np.sqrt(rate / (len(totals) * 1500)))
    assert (balance <= limit + 1e-9).all() and (balance > 0).any()
    spent = np.bincount(out.holder[approved], out.amount[approved], minlength=world.holders)
    assert (spent <= limit + 1e-9).all()


@given(
    weights=st.lists(st.floats(0.0, 100.0), min_size=1, max_size=40).filter(lambda w: sum(w) > 0),
    uniforms=st.lists(st.floats(0.0, 1.0, exclude_max=True), min_size=1, max_size=20),
)
def testguided_choice_is_the_weighted_choice_of_a_binary_search(weights, uniforms):
    cumulative = np.cumsum(weights)
    guide = guide_table(cumulative)
    for u in uniforms:
        expected = min(
            np.searchsorted(cumulative, u * cumulative[-1], side="right"), len(weights) - 1
        )
        assert guided_choice(cumulative, guide, u) == expected


def test_mixed_month_has_every_typology_at_low_prevalence(tmp_path):
    from tests.conftest import REPO

    out = tmp_path / "mixed"
    simsynth.run(REPO / "scenarios" / "card_mixed_month.yaml", out=out)
    kinds = pd.read_parquet(out / "events", columns=["label_kind"])["label_kind"].astype(str)
    assert set(kinds) == {"normal", "churn", *FRAUD_KINDS}
    fraud_share = kinds.isin(FRAUD_KINDS).mean()
    assert 0.001 <= fraud_share <= 0.01


def test_payday_and_holidays_raise_spending_by_their_boosts(tmp_path):
    # March 2026: the 2nd is a Monday; payday on the 16th (Mon) lifts the 16th-18th (Mon-Wed);
    # the 26th (Thu) is a holiday.
    out = run(
        tmp_path,
        {
            "seed": 11,
            "duration": "28d",
            "start": "2026-03-02T00:00:00",
            "params": {
                "card_holders": 2000,
                "merchants": 200,
                "payday": 16,
                "payday_boost": 2.0,
                "holidays": ["2026-03-26"],
                "holiday_boost": 3.0,
            },
        },
    )
    moments = pd.Timestamp("2026-03-02") + pd.to_timedelta(load(out)[0]["time"], unit="s")
    per_day = moments.dt.day.value_counts()
    boosted = {16: 2.0, 17: 2.0, 18: 2.0, 26: 3.0}
    for day, boost in boosted.items():
        weekday = pd.Timestamp(2026, 3, day).day_of_week
        ordinary = [
            d
            for d in range(2, 30)
            if pd.Timestamp(2026, 3, d).day_of_week == weekday and d not in boosted
        ]
        ratio = per_day[day] / per_day[ordinary].mean()
        assert ratio == pytest.approx(boost, rel=0.1), (day, ratio)


def test_travellers_pay_in_store_away_from_home(tmp_path):
    def away_share(trips_per_year: float, name: str) -> float:
        out = run(
            tmp_path,
            {
                "seed": 12,
                "duration": "20d",
                "params": {
                    "card_holders": 1000,
                    "merchants": 200,
                    "trips_per_year": trips_per_year,
                },
            },
            name,
        )
        events = load(out)[0]
        in_store = events[events["channel"] != "online"]
        return float((in_store["region"] != in_store["home_region"]).mean())

    # 52 trips of about 4 days a year keep holders away a third of the time once trips are
    # under way (a quarter over these 20 days from an all-at-home start); all of their
    # in-store payments then happen outside the home region, instead of a quarter of them.
    assert away_share(52, "travellers") > away_share(0, "homebodies") + 0.15


def test_shopping_graph_is_the_bipartite_habit_graph():
    import networkx as nx

    from simsynth.models.customers.card_network.world import shopping_graph

    params = CardNetworkParams(card_holders=300, merchants=40, habitual_merchants=4)
    world = build_world(params, np.random.default_rng(13))
    graph = shopping_graph(world)
    holders = {node for node, side in graph.nodes(data="bipartite") if side == 0}
    assert nx.is_bipartite(graph) and len(holders) == 300
    assert graph.number_of_edges() == 300 * 4
    degree = [graph.degree(("merchant", j)) for j in range(world.merchants)]
    assert np.array_equal(np.cumsum(np.array(degree) + 1.0), world.popularity_cumsum)
