"""The customers models' panels (contact centre, card network) show what the events say up to
`now`, and nothing recorded after it, on a finished dataset and on a live run."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle, StepPatch

from simsynth.models.customers.card_network import views as card_views
from simsynth.models.customers.contact_center import views as call_views
from simsynth.models.customers.contact_center.figures import erlang_c_theory
from simsynth.runner import run
from simsynth.scenario import load_scenario
from simsynth.units import time_axis
from simsynth.view.live import start_live
from simsynth.view.panels import model_panels
from simsynth.view.source import ReplaySource
from tests.view.runs import events_until

REPO = Path(__file__).resolve().parents[2]
HOUR, DAY = 3600.0, 86400.0
SMALL_PORTFOLIO = {"card_holders": 500, "merchants": 80}
MIXED = [{"kind": "card_testing", "rate": "4/d"}, {"kind": "churn", "at": "2h"}]


def scenario_from(tmp: Path, name: str, **changes: Any):
    """A repository scenario with top-level keys replaced (`params` merged), loaded again."""
    data = yaml.safe_load((REPO / "scenarios" / f"{name}.yaml").read_text())
    params = {**(data.get("params") or {}), **changes.pop("params", {})}
    data.update(changes, params=params, output={"dir": str(tmp / name)})
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_scenario(path)


def replay(tmp: Path, name: str, **changes: Any) -> ReplaySource:
    """A short run of a repository scenario, as a finished dataset."""
    manifest = run(scenario_from(tmp, name, **changes), out=tmp / name)
    return ReplaySource(tmp / name, 0, manifest["scenario"])


@pytest.fixture(scope="module")
def outage(tmp_path_factory) -> ReplaySource:
    """Half a day of the outage scenario: the big outage is at 10:00 for 45 minutes."""
    return replay(tmp_path_factory.mktemp("calls"), "contact_center_outage", duration="12h")


@pytest.fixture(scope="module")
def compromise(tmp_path_factory) -> ReplaySource:
    """A merchant compromise whose cards are cashed out within the run."""
    incident = {
        "kind": "merchant_compromise",
        "at": "1d",
        "params": {"merchants": 3, "window": "2d", "cash_out_delay": "1d", "cash_out_share": 0.5},
    }
    return replay(
        tmp_path_factory.mktemp("cards"),
        "card_merchant_compromise",
        duration="6d",
        params={"card_holders": 1000, "merchants": 150},
        incidents=[incident],
    )


def spans(axis) -> list[tuple[float, float]]:
    """(start, end) of the shaded windows (axvspan rectangles) on a time axis."""
    return [
        (patch.get_x(), patch.get_x() + patch.get_width())
        for patch in axis.patches
        if isinstance(patch, Rectangle)
    ]


def test_every_panel_draws_with_nothing_recorded(outage, compromise, tmp_path):
    calm = replay(tmp_path, "card_normal_month", duration="1d")
    for source in (outage, compromise, calm):
        for panel in model_panels(source):
            assert isinstance(panel.draw(source, 0.0), Figure), panel.title
    graph = card_views.draw_episode_graph(calm, calm.duration).axes[0]
    assert "No episode" in graph.texts[0].get_text()


def test_queue_and_busy_agents_follow_the_events_up_to_now(outage):
    now = 10.5 * HOUR  # half an hour into the outage that takes 60% of the 25 agents
    figure = call_views.draw_queue_and_agents(outage, now)
    queue_axis, agent_axis = figure.axes
    scale, _ = time_axis(outage.duration)
    events = events_until(outage, now)
    queue = queue_axis.lines[0]
    assert np.allclose(np.asarray(queue.get_xdata()) * scale, events["time"])
    assert np.array_equal(queue.get_ydata(), events["queue_len"])
    assert max(queue.get_xdata()) * scale <= now < outage.events()["time"].max()
    # agents on a call: +1 on each answer, -1 on each completion
    change = events["event_type"].astype(str).map({"call_answered": 1, "call_completed": -1})
    busy, on_line = agent_axis.lines[:2]
    assert np.array_equal(busy.get_ydata()[1:], change.dropna().cumsum().to_numpy())
    assert busy.get_label() == "agents on a call" and max(busy.get_ydata()) <= 25
    # the outage takes ceil(0.6 * 25) = 15 agents off the line from 10:00 (nothing clipped)
    times, agents = on_line.get_xdata(), on_line.get_ydata()
    assert agents[np.searchsorted(times, 10.25, side="right") - 1] == 25 - math.ceil(0.6 * 25)
    assert agents[0] == 25 and times[-1] == pytest.approx(now / scale)
    # the outage is shaded up to now only, and a line marks now
    assert pytest.approx((10.0, 10.5)) in spans(agent_axis)
    assert any(list(line.get_xdata()) == [now / scale] * 2 for line in queue_axis.lines)


def test_waits_are_the_answered_calls_so_far_against_erlang_c(tmp_path):
    stationary = {"hourly_profile": None, "patience": None, "service_distribution": "exponential"}
    source = replay(tmp_path, "contact_center_calm_day", duration="6h", params=stationary)
    now = 2 * HOUR
    axis = call_views.draw_waits(source, now).axes[0]
    answered = events_until(source, now).query("event_type == 'call_answered'")
    empirical = [line for line in axis.lines if "n = " in line.get_label()]
    counts = [int(line.get_label().split("n = ")[1].rstrip(")")) for line in empirical]
    assert (
        sum(counts) == len(answered) < len(source.events().query("event_type == 'call_answered'"))
    )
    p_wait, decay = erlang_c_theory(source.params.model_dump(mode="json"))
    theory = next(line for line in axis.lines if line.get_label().startswith("Erlang C"))
    t = theory.get_xdata()
    assert np.allclose(theory.get_ydata(), 1 - p_wait * np.exp(-decay * t))


def test_hourly_volume_and_share_are_a_groupby_of_the_events(compromise):
    now = 2.5 * DAY + 1000.0
    axis, share_axis = card_views.draw_volume(compromise, now).axes
    events = events_until(compromise, now)
    hour = (events["time"] // HOUR).astype(int)
    expected = hour.value_counts().reindex(range(6 * 24), fill_value=0).to_numpy()
    (stairs,) = [patch for patch in axis.patches if isinstance(patch, StepPatch)]
    values, edges, _ = stairs.get_data()
    assert np.array_equal(values, expected) and values[int(now // HOUR) + 1 :].sum() == 0
    assert np.allclose(edges, np.arange(6 * 24 + 1) / 24)  # in days
    labelled = events[events["label"] == 1].groupby(hour).size()
    share = pd.Series(share_axis.lines[0].get_ydata())
    assert np.allclose(share[labelled.index], labelled / expected[labelled.index] * 100)
    assert share.iloc[int(now // HOUR) + 1 :].isna().all()
    assert spans(axis) == [pytest.approx((1.0, now / DAY))]


def expected_graph(events: pd.DataFrame, episode_id: int) -> tuple[set, set, pd.Series]:
    """Holders, merchants and edge roles of the episode graph, computed here independently."""
    own = events[events["episode_id"] == episode_id]
    per_holder = own.groupby("entity_id").size().reset_index(name="n")
    per_holder = per_holder.sort_values(["n", "entity_id"], ascending=[False, True])
    holders = set(per_holder["entity_id"].head(card_views.HOLDER_CAP))
    paid = events[events["entity_id"].isin(holders)]
    merchants = paid.groupby("merchant_id").size().reset_index(name="n")
    merchants["own"] = merchants["merchant_id"].isin(own["merchant_id"])
    merchants = merchants.sort_values(["own", "n", "merchant_id"], ascending=[False, False, True])
    chosen = set(merchants["merchant_id"].head(card_views.MERCHANT_CAP))
    drawn = paid[paid["merchant_id"].isin(chosen)]
    rank = {"normal": 0, "churner": 1, "victim": 2, "fraudster": 3}
    severity = drawn["role"].astype(str).map(rank)
    roles = severity.groupby([drawn["entity_id"], drawn["merchant_id"]]).max()
    return holders, chosen, roles.map({v: k for k, v in rank.items()})


@pytest.mark.parametrize("now_days", [3.0, 5.5])
def test_episode_graph_is_the_episodes_holders_and_their_merchants(compromise, now_days):
    now = now_days * DAY
    events = events_until(compromise, now)
    holders, merchants, roles = expected_graph(events, 0)
    found = card_views.episode_graph(events, compromise.episodes(now))
    assert found is not None and found.episode["episode_id"] == 0
    graph = found.graph()
    assert {n for side, n in graph if side == "holder"} == holders
    assert {n for side, n in graph if side == "merchant"} == merchants
    assert found.holders_total == events.loc[events["episode_id"] == 0, "entity_id"].nunique()
    assert (
        found.edges["transactions"].sum()
        == events["entity_id"].isin(holders).sum()
        - (~events.loc[events["entity_id"].isin(holders), "merchant_id"].isin(merchants)).sum()
    )
    assert {(h, m): r for (h, m), r in roles.items()} == {
        (h, m): graph.edges[("holder", h), ("merchant", m)]["role"] for h, m in roles.index
    }
    # the figure: one node per holder and merchant, one segment per pair in its role's colour
    axis = card_views.draw_episode_graph(compromise, now).axes[0]
    sizes = [len(c.get_offsets()) for c in axis.collections if isinstance(c, PathCollection)]
    assert sizes == [len(holders), len(merchants)]
    drawn = {c.get_label(): c for c in axis.collections if isinstance(c, LineCollection)}
    counts = roles.value_counts()
    assert sorted(drawn) == sorted(f"{role} ({n})" for role, n in counts.items())
    for role, n in counts.items():
        lines = drawn[f"{role} ({n})"]
        assert len(lines.get_segments()) == n
        assert np.allclose(lines.get_colors()[0], to_rgba(card_views.ROLE_COLORS[role]))
    assert "Episode 0 (merchant_compromise" in axis.get_title()
    if now_days > 4:  # the cash-out has begun: fraud edges besides the victims'
        assert {"victim", "fraudster"} <= set(counts.index)
    else:
        assert "fraudster" not in set(counts.index) and len(holders) == card_views.HOLDER_CAP


def test_amounts_count_the_payments_so_far(compromise):
    now = 5.5 * DAY
    axis = card_views.draw_amounts(compromise, now).axes[0]
    fraud = (events_until(compromise, now)["role"] == "fraudster").sum()
    assert 0 < fraud < (compromise.events()["role"] == "fraudster").sum()
    assert any(f"n = {fraud}," in text.get_text() for text in axis.get_legend().get_texts())


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("contact_center_surge", {"duration": "1d"}),
        ("card_mixed_month", {"duration": "2d", "incidents": MIXED, "params": SMALL_PORTFOLIO}),
    ],
)
def test_panels_draw_a_live_run(tmp_path, name, changes):
    model = start_live(scenario_from(tmp_path, name, **changes), steps=20)
    for _ in range(12):
        model.step()
    source, now = model.live.source, model.live.time
    events = source.events(now)
    assert len(events) and events["time"].max() <= now
    figures = {panel.title: panel.draw(source, now) for panel in model_panels(source)}
    if name.startswith("card"):
        (stairs,) = [p for p in figures["Transactions"].axes[0].patches if isinstance(p, StepPatch)]
        assert stairs.get_data()[0].sum() == len(events)
        assert "Episode" in figures["Episode graph"].axes[0].get_title()
    else:
        queue = figures["Queue and agents"].axes[0].lines[0]
        assert np.array_equal(queue.get_ydata(), events["queue_len"])
