"""Overview figures of a market run: the price path with its quotes and episodes, and the book.

Both market models write the same `metrics` table and events, so one overview serves both.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from simsynth.figures import RunData, shade_episodes

HOUR = 3600.0


def overview(run: RunData) -> dict[str, Figure]:
    """`price`: mid, best bid and ask and trades over time, episodes shaded; `liquidity`:
    spread, depth and volume per metrics interval."""
    metrics = run.table("metrics")
    return {"price": price_path(run, metrics), "liquidity": liquidity(run, metrics)}


def price_path(run: RunData, metrics) -> Figure:
    figure, axis = plt.subplots(figsize=(10, 4.5), dpi=100)
    hours = metrics["time"] / HOUR
    trades = run.events(["time", "event_type", "price", "label"])
    trades = trades[trades["event_type"] == "trade"]
    step = max(1, len(trades) // 20_000)  # a readable cloud, whatever the run's length
    sample = trades.iloc[::step]
    axis.scatter(sample["time"] / HOUR, sample["price"], s=2, color="#bbb", label="trades",
                 rasterized=True)  # fmt: skip
    labelled = trades[trades["label"] == 1]
    if len(labelled):
        axis.scatter(labelled["time"] / HOUR, labelled["price"], s=4, color="#d62",
                     label="labelled trades", rasterized=True)  # fmt: skip
    axis.plot(hours, metrics["mid"], color="#135", lw=1, label="mid (per interval)")
    shade_episodes(axis, run.episodes, HOUR)
    axis.set_xlabel("simulated time (h)")
    axis.set_ylabel("price")
    axis.set_title(f"{run.model}: price path, trades and episodes")
    axis.legend(loc="best", fontsize=8)
    figure.tight_layout()
    return figure


def liquidity(run: RunData, metrics) -> Figure:
    tick = float(run.params.get("tick_size", 0.01))
    figure, (spread, depth, volume) = plt.subplots(3, 1, figsize=(10, 6.5), dpi=100, sharex=True)
    hours = metrics["time"] / HOUR
    spread.plot(hours, metrics["spread"] / tick, color="#135", lw=0.8)
    spread.set_ylabel("spread (ticks)")
    depth.plot(hours, metrics["bid_depth"], color="#2a7", lw=0.8, label="bid (best 5 levels)")
    depth.plot(hours, metrics["ask_depth"], color="#c33", lw=0.8, label="ask (best 5 levels)")
    depth.set_ylabel("depth (units)")
    depth.legend(loc="upper right", fontsize=8)
    width = float(np.median(np.diff(hours))) if len(hours) > 1 else 1.0
    volume.bar(hours - width, metrics["volume"], width=width, color="#9ab", align="edge")
    volume.set_ylabel("volume (units)")
    volume.set_xlabel("simulated time (h)")
    for axis in (spread, depth, volume):
        shade_episodes(axis, run.episodes, HOUR)
    if len(run.episodes):
        spread.legend(loc="upper left", fontsize=8)
    spread.set_title(f"{run.model}: spread, depth and volume per interval, episodes shaded")
    figure.tight_layout()
    return figure
