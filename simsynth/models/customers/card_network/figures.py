"""Overview figures of a card-network run: hourly transaction volume with the share labelled
positive, and the amounts of normal and fraudulent payments (see `simsynth.figures`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simsynth.figures import RunData, shade_episodes

EVENT_COLUMNS = ["time", "label", "amount", "role"]
HOUR = 3600.0


def overview(run: RunData) -> dict[str, Figure]:
    """`hourly_volume` and `amounts` figures of one run."""
    events = run.events(EVENT_COLUMNS)
    return {
        "hourly_volume": hourly_volume(events, run.episodes, run.duration),
        "amounts": amounts(events),
    }


def hourly_counts(
    events: pd.DataFrame, duration: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hour edges (h) of the run, transactions per hour and labelled transactions per hour."""
    hours = max(1, int(np.ceil(duration / HOUR)))
    edges = np.arange(hours + 1, dtype=float)
    time = events["time"].to_numpy() / HOUR
    # the last edge is inclusive, so a payment at exactly `duration` is counted
    total = np.histogram(time, edges)[0]
    labelled = np.histogram(time[events["label"].to_numpy() == 1], edges)[0]
    return edges, total, labelled


def hourly_volume(events: pd.DataFrame, episodes: pd.DataFrame, duration: float) -> Figure:
    """Bars of transactions per hour of the run, the share labelled positive on a second axis,
    episodes shaded."""
    figure, axis = plt.subplots(figsize=(10, 5), dpi=100)
    total, labelled = plot_hourly_volume(axis, events, episodes, duration, (HOUR, "h"))
    axis.set_title(
        f"Hourly transaction volume ({total} payments) and share labelled positive "
        f"({labelled}), episodes shaded",
        fontsize=10,
    )
    figure.tight_layout()
    return figure


def plot_hourly_volume(
    axis: Axes,
    events: pd.DataFrame,
    episodes: pd.DataFrame,
    duration: float,
    time_unit: tuple[float, str],
    bars: bool = True,
) -> tuple[int, int]:
    """Draw `hourly_volume` on `axis` (time in units of (seconds, name); a bar per hour, or one
    filled step line) with the share on a twin axis; return the numbers of transactions and of
    those labelled positive."""
    scale, unit = time_unit
    edges, total, labelled = hourly_counts(events, duration)
    starts = edges[:-1] * HOUR / scale
    shade_episodes(axis, episodes, scale)
    style = {"color": "#8899aa", "lw": 0, "label": "transactions per hour"}
    if bars:
        axis.bar(starts, total, width=HOUR / scale, align="edge", **style)
    else:  # one patch, much faster to draw than a bar per hour
        axis.stairs(total, edges * HOUR / scale, fill=True, **style)
    axis.set_xlabel(f"time since the start of the run ({unit})")
    axis.set_ylabel("transactions per hour")
    axis.set_xlim(0, edges[-1] * HOUR / scale)
    share_axis = axis.twinx()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, labelled / np.maximum(total, 1), np.nan) * 100
    share_axis.plot(
        starts + HOUR / scale / 2,
        share,
        color="#d62728",
        lw=1.2,
        marker=".",
        ms=3,
        label="share labelled positive (%)",
    )
    share_axis.set_ylabel("share of the hour's transactions labelled positive (%)", color="#d62728")
    share_axis.set_ylim(bottom=0, top=max(1.0, float(np.nanmax(share, initial=0.0)) * 1.15))
    handles, names = axis.get_legend_handles_labels()
    more, more_names = share_axis.get_legend_handles_labels()
    axis.legend(handles + more, names + more_names, loc="upper left", fontsize=8)
    return int(total.sum()), int(labelled.sum())


def amounts(events: pd.DataFrame) -> Figure:
    """Histograms of payment amounts on a log scale: normal payments against fraud (role
    fraudster), each as shares of its own count so the rare fraud stays visible."""
    figure, axis = plt.subplots(figsize=(10, 5), dpi=100)
    plot_amounts(axis, events)
    axis.set_title(
        "Amounts of normal vs fraudulent payments (60 bins equal in log amount; "
        "victims' and churners' payments left out)",
        fontsize=10,
    )
    figure.tight_layout()
    return figure


def plot_amounts(axis: Axes, events: pd.DataFrame) -> None:
    """Draw the histograms of `amounts` on `axis` (without a title)."""
    role = events["role"].astype(str)
    amount = events["amount"].to_numpy(float)
    positive = amount[amount > 0]
    low, high = (positive.min(), positive.max()) if len(positive) else (0.01, 1.0)
    bins = np.geomspace(low, max(high, low * 1.01), 60)
    groups = (
        ("normal", "normal payments", "#1f77b4"),
        ("fraudster", "fraud (role fraudster)", "#d62728"),
    )
    for value, name, color in groups:
        values = amount[(role == value).to_numpy() & (amount > 0)]
        if len(values):
            weights = np.full(len(values), 100.0 / len(values))
            label = f"{name}: n = {len(values)}, median {np.median(values):.2f}"
            axis.hist(
                values,
                bins=bins,
                weights=weights,
                histtype="step",
                lw=1.5,
                color=color,
                label=label,
            )
    axis.set_xscale("log")
    axis.set_xlabel("amount (currency units, log scale)")
    axis.set_ylabel("share of the group's payments per bin (%)")
    if axis.get_legend_handles_labels()[0]:
        axis.legend(loc="upper right", fontsize=8)
    axis.grid(alpha=0.3)
