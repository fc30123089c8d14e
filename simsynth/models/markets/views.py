"""Panels of a market run as recorded up to a moment, for both market models (they write the
same events and `metrics` table): the price with its quotes and trades, the order book rebuilt
from the events, and the liquidity per metrics interval (see `simsynth.view.panels`)."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from simsynth.figures import kind_colors
from simsynth.models.markets.columns import METRICS
from simsynth.models.markets.figures import plot_liquidity, plot_trades
from simsynth.models.markets.params import MarketParams
from simsynth.units import Seconds, time_axis
from simsynth.view.panels import Panel, panel_figure, show_time
from simsynth.view.source import RunSource

QUOTE_SAMPLES = 800
"""Moments across the run at which the quotes are drawn."""
MOST_TRADES = 4000
"""Trades drawn at most per cloud (every k-th)."""
LADDER_LEVELS = 12
"""Price levels drawn per side of the book: the best ones."""
BID_COLOR, ASK_COLOR = "#2a7", "#c33"
ORDINARY = ""
"""`owner` of a resting order sent outside any episode's manipulation."""


def panels(source: RunSource) -> list[Panel]:
    """The market panels (the same for both market models)."""
    return [
        Panel("Price, quotes and trades", draw_price),
        Panel("Order book", draw_book),
        Panel("Spread, depth and volume", draw_liquidity),
    ]


def _tick_size(source: RunSource) -> float:
    return cast(MarketParams, source.params).tick_size


# --- price ---------------------------------------------------------------------------------


def quotes(events: pd.DataFrame, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The best bid and ask just after the last event at or before each of `times` (NaN before
    the first event and while a side is empty)."""
    last = np.searchsorted(events["time"].to_numpy(), times, side="right") - 1
    seen = last >= 0
    bid, ask = np.full(len(times), np.nan), np.full(len(times), np.nan)
    bid[seen] = events["best_bid"].to_numpy()[last[seen]]
    ask[seen] = events["best_ask"].to_numpy()[last[seen]]
    return bid, ask


def draw_price(source: RunSource, now: Seconds) -> Figure:
    """Best bid and ask sampled across the run up to `now`, the trades as points (labelled ones
    highlighted), episodes shaded."""
    figure = panel_figure(height=3.8)
    axis = figure.add_subplot()
    scale, unit = time_axis(source.duration)
    events = source.events(now)
    moments = np.linspace(0.0, source.duration, QUOTE_SAMPLES + 1)
    times = np.append(moments[moments < now], now)
    bid, ask = quotes(events, times)
    axis.fill_between(times / scale, bid, ask, color="#9cf", alpha=0.6, lw=0, label="spread")
    axis.plot(times / scale, ask, color=ASK_COLOR, lw=0.9, label="best ask")
    axis.plot(times / scale, bid, color=BID_COLOR, lw=0.9, label="best bid")
    trades = events.loc[(events["event_type"] == "trade").to_numpy(), ["time", "price", "label"]]
    plot_trades(axis, trades, scale, MOST_TRADES)
    show_time(axis, source, now, scale)
    axis.set_xlim(0, source.duration / scale)
    axis.ticklabel_format(axis="y", useOffset=False)
    axis.set_xlabel(f"time ({unit})")
    axis.set_ylabel("price")
    axis.set_title("Best bid and ask, trades and episodes")
    axis.legend(loc="upper left", fontsize="small", ncols=4)
    return figure


# --- the order book ---------------------------------------------------------------------------


def resting_orders(events: pd.DataFrame, tick: float) -> pd.DataFrame:
    """The limit orders resting after `events`, from the rows alone: each limit order's
    quantity less its fills as taker (trade rows carry the taker's `order_id`) and as maker
    (`maker_order_id`), and less what cancels took off (a cancel row's `quantity`). Columns
    `order_id`, `side`, `ticks` (price in ticks), `quantity` and `owner` (the episode kind of a
    manipulator's order, else ORDINARY)."""
    kind = events["event_type"]
    order_id, maker = events["order_id"].to_numpy(), events["maker_order_id"].to_numpy()
    quantity = events["quantity"].to_numpy()
    trade = (kind == "trade").to_numpy()
    taken_off = trade | (kind == "cancel").to_numpy()
    size = max(order_id.max(), maker.max()) + 1 if len(order_id) else 0
    gone = np.bincount(order_id[taken_off], quantity[taken_off], size)
    gone += np.bincount(maker[trade], quantity[trade], size)
    placed = np.flatnonzero(((kind == "order") & (events["order_type"] == "limit")).to_numpy())
    left = quantity[placed] - np.rint(gone[order_id[placed]]).astype(np.int64)
    rows = placed[left > 0]
    manipulator = events["role"].iloc[rows].to_numpy() == "manipulator"
    return pd.DataFrame(
        {
            "order_id": order_id[rows],
            "side": events["side"].iloc[rows].astype(str).to_numpy(),
            "ticks": np.rint(events["price"].to_numpy()[rows] / tick).astype(np.int64),
            "quantity": left[left > 0],
            "owner": np.where(manipulator, events["label_kind"].iloc[rows].astype(str), ORDINARY),
        }
    )


def book_side(orders: pd.DataFrame, side: str) -> pd.DataFrame:
    """The resting quantity per price level (ticks, best first) of one side ("buy" or "sell")
    of `resting_orders`, by owner (columns, ORDINARY first)."""
    mine = orders[orders["side"] == side]
    table = mine.groupby(["ticks", "owner"])["quantity"].sum().unstack(fill_value=0)
    return table.sort_index(ascending=side != "buy")


def draw_book(source: RunSource, now: Seconds) -> Figure:
    """The limit order book at `now`, rebuilt from the events: resting quantity per price
    level, the best levels of each side around the mid, manipulators' orders in their
    episode's colour, best bid and ask marked."""
    figure = panel_figure(height=4.2)
    axis = figure.add_subplot()
    tick = _tick_size(source)
    orders = resting_orders(source.events(now), tick)
    colors = kind_colors(source.episodes(now))
    labelled: set[str] = set()
    shown: list[float] = []
    bests: list[float] = []
    for side, name, color in (("buy", "bids", BID_COLOR), ("sell", "asks", ASK_COLOR)):
        whole = book_side(orders, side)
        levels = whole.iloc[:LADDER_LEVELS]
        count = f"{len(whole)} level{'s' if len(whole) != 1 else ''}"
        label = f"{name}: {int(whole.to_numpy().sum()):,} units on {count}"
        _ladder(axis, levels, tick, color, label, colors, labelled)
        shown += list(levels.index * tick)
        if len(levels):
            bests.append(levels.index[0] * tick)
            axis.axhline(
                bests[-1],
                color=color,
                ls="--",
                lw=0.8,
                label=f"best {name[:-1]} {bests[-1]:.{_decimals(tick)}f}",
            )
    scale, unit = time_axis(source.duration)
    axis.set_title(
        f"Order book at {now / scale:.4g} {unit}: {len(orders):,} resting orders, "
        f"best {LADDER_LEVELS} levels a side"
    )
    axis.set_xlabel("resting quantity (units)")
    axis.set_ylabel("price")
    if orders.empty:
        axis.text(0.5, 0.5, "no resting orders yet", transform=axis.transAxes, ha="center")
        return figure
    centre, reach = float(np.mean(bests)), LADDER_LEVELS * tick
    axis.set_ylim(min(*shown, centre - reach) - tick, max(*shown, centre + reach) + tick)
    axis.yaxis.set_major_formatter(StrMethodFormatter(f"{{x:.{_decimals(tick)}f}}"))
    axis.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
    return figure


def _ladder(
    axis: Axes,
    levels: pd.DataFrame,
    tick: float,
    color: str,
    label: str,
    colors: dict[str, tuple[float, float, float]],
    labelled: set[str],
) -> None:
    """One side's levels as horizontal bars, the orders of each episode kind stacked after the
    ordinary ones in the kind's colour (each kind in the legend once)."""
    prices = levels.index.to_numpy() * tick
    axis.barh(prices, levels.sum(axis=1), 0.8 * tick, color=color, label=label)
    left = levels[ORDINARY].to_numpy() if ORDINARY in levels else np.zeros(len(levels))
    for owner in levels.columns.drop(ORDINARY, errors="ignore"):
        quantity = levels[owner].to_numpy()
        axis.barh(
            prices,
            quantity,
            0.8 * tick,
            left=left,
            color=colors.get(owner, "0.3"),
            label=f"{owner} orders" if owner not in labelled else None,
        )
        labelled.add(owner)
        left = left + quantity


def _decimals(tick: float) -> int:
    """Decimals that show a price of `tick` increments (2 for 0.01 or 0.25, 0 for 5)."""
    return max(0, -int(Decimal(repr(tick)).normalize().as_tuple().exponent))


# --- liquidity -------------------------------------------------------------------------------


def metrics_until(source: RunSource, now: Seconds) -> pd.DataFrame:
    """The `metrics` rows taken by `now` (none yet: an empty frame with its columns)."""
    if source.has("metrics"):
        return source.table("metrics", now)
    columns = ["time", *(column.name for column in METRICS)]
    return pd.DataFrame({name: pd.Series(dtype=float) for name in columns})


def draw_liquidity(source: RunSource, now: Seconds) -> Figure:
    """Spread in ticks, depth of the best five levels and traded volume per metrics interval up
    to `now`, episodes shaded."""
    figure = panel_figure(height=5.2)
    axes = figure.subplots(3, 1, sharex=True)
    scale, unit = time_axis(source.duration)
    params = cast(MarketParams, source.params)
    plot_liquidity(axes, metrics_until(source, now), params.tick_size, scale, params.metrics_every)
    episodes = source.episodes(now)
    for axis in axes:
        show_time(axis, source, now, scale)
    if len(episodes):
        axes[0].legend(loc="upper left", fontsize="small", ncols=4)
    axes[0].set_xlim(0, source.duration / scale)
    axes[-1].set_xlabel(f"time ({unit})")
    axes[0].set_title("Spread, depth and volume per metrics interval, episodes shaded")
    return figure
