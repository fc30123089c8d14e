"""Overview figures of a market run: the price path with its quotes and episodes, and the book.

Both market models write the same `metrics` table and events, so one overview serves both. The
`plot_*` helpers draw on given axes, for these figures and for the panels of `views`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simsynth.figures import RunData, shade_episodes

HOUR = 3600.0
MOST_TRADES = 20_000
"""Trades drawn at most per cloud (a readable cloud, whatever the run's length)."""


def overview(run: RunData) -> dict[str, Figure]:
    """`price`: mid, best bid and ask and trades over time, episodes shaded; `liquidity`:
    spread, depth and volume per metrics interval."""
    metrics = run.table("metrics")
    return {"price": price_path(run, metrics), "liquidity": liquidity(run, metrics)}


def price_path(run: RunData, metrics: pd.DataFrame) -> Figure:
    figure, axis = plt.subplots(figsize=(10, 4.5), dpi=100)
    trades = run.events(["time", "event_type", "price", "label"])
    plot_trades(axis, trades[trades["event_type"] == "trade"], HOUR, MOST_TRADES)
    axis.plot(
        metrics["time"] / HOUR, metrics["mid"], color="#135", lw=1, label="mid (per interval)"
    )
    shade_episodes(axis, run.episodes, HOUR)
    axis.set_xlabel("simulated time (h)")
    axis.set_ylabel("price")
    axis.set_title(f"{run.model}: price path, trades and episodes")
    axis.legend(loc="best", fontsize=8)
    figure.tight_layout()
    return figure


def liquidity(run: RunData, metrics: pd.DataFrame) -> Figure:
    figure, axes = plt.subplots(3, 1, figsize=(10, 6.5), dpi=100, sharex=True)
    interval = float(run.params.get("metrics_every", 60.0))
    plot_liquidity(axes, metrics, float(run.params.get("tick_size", 0.01)), HOUR, interval)
    for axis in axes:
        shade_episodes(axis, run.episodes, HOUR)
    if len(run.episodes):
        axes[0].legend(loc="upper left", fontsize=8)
    axes[-1].set_xlabel("simulated time (h)")
    axes[0].set_title(f"{run.model}: spread, depth and volume per interval, episodes shaded")
    figure.tight_layout()
    return figure


def plot_trades(axis: Axes, trades: pd.DataFrame, scale: float, most: int) -> None:
    """Trades (`time`, `price`, `label`) as points, at most `most` per cloud, the labelled ones
    highlighted; time divided by `scale`."""
    labelled = trades["label"].to_numpy() == 1
    _cloud(axis, trades[~labelled], scale, most, s=2, color="#bbb", label="trades")
    if labelled.any():
        _cloud(axis, trades[labelled], scale, most, s=4, color="#d62", label="labelled trades")


def _cloud(axis: Axes, points: pd.DataFrame, scale: float, most: int, **style: Any) -> None:
    """Points (`time`, `price`) as a scatter: every k-th, at most `most` of them."""
    points = points.iloc[:: max(1, -(-len(points) // most))]
    axis.scatter(points["time"] / scale, points["price"], rasterized=True, **style)


def plot_liquidity(
    axes: Sequence[Axes], metrics: pd.DataFrame, tick: float, scale: float, interval: float
) -> None:
    """The spread in ticks, the depth of the best levels and the volume per `interval` (each
    row's interval ending at its time) on three axes; time divided by `scale`."""
    spread, depth, volume = axes
    times = metrics["time"] / scale
    spread.plot(times, metrics["spread"] / tick, color="#135", lw=0.8)
    spread.set_ylabel("spread (ticks)")
    depth.plot(times, metrics["bid_depth"], color="#2a7", lw=0.8, label="bid (best 5 levels)")
    depth.plot(times, metrics["ask_depth"], color="#c33", lw=0.8, label="ask (best 5 levels)")
    depth.set_ylabel("depth (units)")
    depth.legend(loc="upper right", fontsize=8)
    if len(metrics):
        edges = np.append(times.to_numpy()[:1] - interval / scale, times)
        volume.stairs(metrics["volume"], edges, fill=True, color="#9ab")
    volume.set_ylabel("volume (units)")
