"""The market models' panels show what the events say up to `now`: the quotes and trades, the
order book rebuilt from the events (equal to the real book of a live run, order by order), and
the metrics; on a finished dataset and on a live run of both models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle, StepPatch

from simsynth.figures import kind_colors
from simsynth.models.markets import views
from simsynth.models.markets.book import BUY, SELL
from simsynth.models.markets.columns import DEPTH_LEVELS
from simsynth.units import time_axis
from simsynth.view.live import start_live
from simsynth.view.panels import model_panels
from simsynth.view.source import ReplaySource
from tests.view.runs import REPO, events_until, replay, scenario

SCENARIOS = sorted(path.stem for path in (REPO / "scenarios").glob("market_*.yaml"))
HOUR = 3600.0
TICK = 0.01


@pytest.fixture(scope="module")
def spoofing(tmp_path_factory) -> ReplaySource:
    """Order flow with a spoofing episode (1h to 1h10) and a fat finger (2h30)."""
    return replay(tmp_path_factory.mktemp("flow"), "market_order_flow_spoofing", 2.75 * HOUR)


@pytest.fixture(scope="module")
def pump(tmp_path_factory) -> ReplaySource:
    """Heterogeneous traders with a pump and dump from 2h (to about 2h35)."""
    return replay(tmp_path_factory.mktemp("traders"), "market_traders_pump_and_dump", 2.75 * HOUR)


def book_frame(book) -> pd.DataFrame:
    """The resting orders of a real `OrderBook`, in the columns of `views.resting_orders`."""
    snapshot = book.snapshot()
    rows = [
        (order_id, side, level.price, quantity)
        for side, levels in (("buy", snapshot.bids), ("sell", snapshot.asks))
        for level in levels
        for order_id, quantity in level.orders
    ]
    frame = pd.DataFrame(rows, columns=["order_id", "side", "ticks", "quantity"])
    return frame.sort_values("order_id", ignore_index=True)


def bars(axis, color) -> dict[float, float]:
    """Price and length of the horizontal bars of one colour."""
    return {
        round(patch.get_y() + patch.get_height() / 2, 6): patch.get_width()
        for patch in axis.patches
        if isinstance(patch, Rectangle) and patch.get_facecolor() == to_rgba(color)
    }


def spans(axis) -> dict[str, tuple[float, float]]:
    """Kind and (start, end) of the shaded episode windows of a time axis (first of a kind)."""
    found: dict[str, tuple[float, float]] = {}
    for patch in axis.patches:
        if isinstance(patch, Rectangle) and not patch.get_label().startswith("_"):
            found[patch.get_label()] = (patch.get_x(), patch.get_x() + patch.get_width())
    return found


def now_marked(axis, now: float, scale: float) -> bool:
    return any(list(line.get_xdata()) == [now / scale] * 2 for line in axis.lines)


# --- the book -------------------------------------------------------------------------------


def live_exchange(model):
    """The exchange of a live run (a Mesa model is the run; a SimPy model is inside it)."""
    return getattr(model, "model", model).exchange


@pytest.mark.parametrize(
    ("name", "minutes", "steps"),
    [("market_order_flow_spoofing", 70, 35), ("market_traders_flash_crash", 12, 12)],
)
def test_book_rebuilt_from_the_events_is_the_live_book_order_by_order(name, minutes, steps):
    model = start_live(scenario(name, minutes * 60.0), steps=steps)
    exchange = live_exchange(model)
    owners = set()
    for _ in range(steps):
        model.step()
        source, now = model.live.source, model.live.time
        rebuilt = views.resting_orders(source.events(now), TICK)
        real = book_frame(exchange.book)
        assert len(real) > 0
        pd.testing.assert_frame_equal(rebuilt.drop(columns="owner"), real)
        # the owner is the episode kind the venue registered the order under
        episode = exchange.registry.episode[real["order_id"]]
        kinds = source.episodes()["kind"].astype(str).to_numpy()
        expected = np.where(episode >= 0, kinds[np.maximum(episode, 0)], views.ORDINARY)
        assert list(rebuilt["owner"]) == list(expected)
        owners |= set(rebuilt["owner"])
        for side, book_side in ((BUY, "buy"), (SELL, "sell")):
            depth = exchange.book.depth(side, 10_000)
            levels = views.book_side(rebuilt, book_side).sum(axis=1)
            assert list(levels.index) == list(depth.price)
            assert list(levels) == list(depth.quantity)
    if name == "market_order_flow_spoofing":  # the spoofer's layers rested at some step
        assert "spoofing" in owners
    # the panel: the best levels of each side as bars, the real book's, best prices marked
    axis = views.draw_book(model.live.source, model.live.time).axes[0]
    for side, color in ((BUY, views.BID_COLOR), (SELL, views.ASK_COLOR)):
        depth = exchange.book.depth(side, views.LADDER_LEVELS)
        expected = dict(zip(np.round(depth.price * TICK, 6), depth.quantity, strict=True))
        assert bars(axis, color) == expected
    legend = [text.get_text() for text in axis.get_legend().get_texts()]
    assert f"best bid {exchange.book.best_bid() * TICK:.2f}" in legend
    assert f"best ask {exchange.book.best_ask() * TICK:.2f}" in legend
    for panel in model_panels(model.live.source):
        assert isinstance(panel.draw(model.live.source, model.live.time), Figure)


@pytest.mark.parametrize("fixture", ["spoofing", "pump"])
def test_book_rebuilt_from_the_events_has_the_metrics_depth_and_spread(fixture, request):
    source: ReplaySource = request.getfixturevalue(fixture)
    events, metrics = source.events(), source.table("metrics")
    samples = metrics.iloc[::5][["time", "spread", "bid_depth", "ask_depth"]]
    for time, spread, bid_depth, ask_depth in samples.itertuples(index=False):
        # a sample is taken after the events before its time
        before = np.searchsorted(events["time"].to_numpy(), time, side="left")
        orders = views.resting_orders(events.iloc[:before], TICK)
        bids, asks = views.book_side(orders, "buy"), views.book_side(orders, "sell")
        assert bids.iloc[:DEPTH_LEVELS].to_numpy().sum() == bid_depth
        assert asks.iloc[:DEPTH_LEVELS].to_numpy().sum() == ask_depth
        assert (asks.index[0] - bids.index[0]) * TICK == pytest.approx(spread)


def test_book_panel_colours_a_spoofers_resting_orders(spoofing):
    events = spoofing.events()
    episode = spoofing.episodes().iloc[0]
    assert episode["kind"] == "spoofing"
    # a moment when some spoofing order rests: after it was placed and before its cancel
    own = events[(events["episode_id"] == 0) & (events["role"] == "manipulator")]
    placed = own[(own["event_type"] == "order") & (own["order_type"] == "limit")]
    cancelled = own[own["event_type"] == "cancel"].set_index("order_id")["time"]
    order = placed[placed["order_id"].isin(cancelled.index)].iloc[3]
    now = (order["time"] + cancelled[order["order_id"]]) / 2
    orders = views.resting_orders(events[events["time"] <= now], TICK)
    spoof = orders[orders["owner"] == "spoofing"]
    assert order["order_id"] in set(spoof["order_id"])
    axis = views.draw_book(spoofing, now).axes[0]
    color = kind_colors(spoofing.episodes())["spoofing"]
    shown = bars(axis, color)
    per_level = spoof.groupby("ticks")["quantity"].sum()
    assert shown and all(
        shown[round(t * TICK, 6)] == q for t, q in per_level.items() if round(t * TICK, 6) in shown
    )
    assert order["price"] in shown
    assert "spoofing orders" in [text.get_text() for text in axis.get_legend().get_texts()]


# --- price and liquidity --------------------------------------------------------------------


def test_price_panel_draws_the_quotes_and_trades_up_to_now(spoofing):
    now = 1.5 * HOUR
    axis = views.draw_price(spoofing, now).axes[0]
    scale, _ = time_axis(spoofing.duration)
    events = events_until(spoofing, now)
    lines = {line.get_label(): line for line in axis.lines}
    bid, ask = lines["best bid"], lines["best ask"]
    times = np.asarray(bid.get_xdata()) * scale
    assert times[-1] == pytest.approx(now) and len(times) > 300
    # the quotes of the last event at or before each moment, found here with merge_asof
    moments = pd.DataFrame({"time": times})
    quotes = pd.merge_asof(moments, events[["time", "best_bid", "best_ask"]], on="time")
    assert np.allclose(bid.get_ydata(), quotes["best_bid"], equal_nan=True)
    assert np.allclose(ask.get_ydata(), quotes["best_ask"], equal_nan=True)
    # every labelled trade so far, and a thinned cloud of the others, none after now
    trades = events[events["event_type"] == "trade"]
    clouds = {
        c.get_label(): c.get_offsets() for c in axis.collections if isinstance(c, PathCollection)
    }
    labelled = trades[trades["label"] == 1]
    assert len(clouds["labelled trades"]) == len(labelled) > 0
    assert 0.5 * views.MOST_TRADES < len(clouds["trades"]) <= views.MOST_TRADES
    assert clouds["trades"][:, 0].max() * scale <= now
    assert set(np.round(clouds["trades"][:, 1], 6)) <= set(np.round(trades["price"], 6))
    # the spoofing episode (from 1h) shaded; the fat finger (2h30) not yet
    start, end = spoofing.episodes().loc[0, ["start_time", "end_time"]]
    assert start == HOUR and end < now
    assert spans(axis) == {"spoofing": pytest.approx((start / scale, end / scale))}
    assert now_marked(axis, now, scale)
    assert axis.get_xlabel() == "time (min)" and axis.get_ylabel() == "price"


def test_liquidity_panel_is_the_metrics_up_to_now(pump):
    now = 2.2 * HOUR  # in the pump and dump, which started at 2h
    spread, depth, volume = views.draw_liquidity(pump, now).axes
    scale, unit = time_axis(pump.duration)
    metrics = pump.table("metrics")
    so_far = metrics[metrics["time"] <= now]
    assert 0 < len(so_far) < len(metrics)
    line = spread.lines[0]
    assert np.allclose(np.asarray(line.get_xdata()) * scale, so_far["time"])
    assert np.allclose(line.get_ydata(), so_far["spread"] / TICK, equal_nan=True)
    assert [list(line.get_ydata()) for line in depth.lines[:2]] == [
        list(so_far["bid_depth"]),
        list(so_far["ask_depth"]),
    ]
    (stairs,) = [patch for patch in volume.patches if isinstance(patch, StepPatch)]
    values, edges, _ = stairs.get_data()
    assert np.array_equal(values, so_far["volume"])
    assert np.allclose(edges[1:] * scale, so_far["time"]) and edges[0] * scale == pytest.approx(0)
    for axis in (spread, depth, volume):
        assert spans(axis) == {"pump_and_dump": pytest.approx((2 * HOUR / scale, now / scale))}
        assert now_marked(axis, now, scale)
    assert volume.get_xlabel() == f"time ({unit})" and "ticks" in spread.get_ylabel()


# --- every scenario ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_panel_draws_for_every_market_scenario(name, tmp_path):
    source = replay(tmp_path, name, 20 * 60.0)
    panels = model_panels(source)
    assert [panel.title for panel in panels] == [panel.title for panel in views.panels(source)]
    for now in (0.0, 7 * 60.0, source.duration):
        for panel in panels:
            figure = panel.draw(source, now)
            assert isinstance(figure, Figure), panel.title
            for axis in figure.axes:
                assert axis.get_ylabel(), panel.title
    empty = views.draw_book(source, -1.0).axes[0]
    assert empty.texts[0].get_text() == "no resting orders yet"
