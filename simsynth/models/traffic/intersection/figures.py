"""Overview figures of an intersection run: the queue on every approach over time and the mean
delay per approach (see `simsynth.figures`)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simsynth.figures import RunData, shade_episodes
from simsynth.models.traffic.intersection.params import IntersectionParams
from simsynth.models.traffic.intersection.signal_plan import SignalPlan
from simsynth.units import time_axis

EVENT_COLUMNS = ["time", "event_type", "approach", "delay_s", "queue_len", "label"]


def overview(run: RunData) -> dict[str, Figure]:
    """`queues` and `delays` figures of one run."""
    events = run.events(EVENT_COLUMNS)
    return {
        "queues": queues(events, run.episodes, run.duration),
        "delays": delays(events, webster_delays(run.params)),
    }


def approaches(events: pd.DataFrame) -> list[str]:
    """The approaches in the order of the params (the column's categories), used ones only."""
    column = events["approach"]
    names = list(column.cat.categories) if hasattr(column, "cat") else sorted(column.unique())
    used = set(column.astype(str))
    return [str(name) for name in names if str(name) in used]


def approach_colors(names: Sequence[str]) -> dict[str, tuple[float, float, float]]:
    """A colour per approach, by its place in `names` (all the run's approaches, so that an
    approach keeps its colour however many have had traffic)."""
    colors = plt.get_cmap("Dark2").colors
    return {name: colors[k % len(colors)] for k, name in enumerate(names)}


def plot_queues(axis: Axes, events: pd.DataFrame, scale: float, names: Sequence[str]) -> None:
    """One step line per approach with traffic: its queue after each of its events (coloured
    by its place in `names`, all the run's approaches)."""
    colors = approach_colors(names)
    ordered = events.sort_values("time", kind="stable")
    approach = ordered["approach"].astype(str)
    for name in approaches(events):
        rows = ordered[approach == name]
        axis.step(
            rows["time"] / scale,
            rows["queue_len"],
            where="post",
            lw=0.9,
            color=colors.get(name, "0.4"),
            label=name,
        )


def queues(events: pd.DataFrame, episodes: pd.DataFrame, duration: float) -> Figure:
    """Vehicles waiting on each approach after each of its events (a step function), episodes
    shaded."""
    scale, unit = time_axis(duration)
    figure, axis = plt.subplots(figsize=(10, 5), dpi=100)
    shade_episodes(axis, episodes, scale)
    plot_queues(axis, events, scale, approaches(events))
    axis.set_xlim(0, duration / scale)
    axis.set_ylim(bottom=0)
    axis.set_xlabel(f"time ({unit})")
    axis.set_ylabel("queue (vehicles waiting on the approach)")
    axis.set_title(
        "Queue length per approach (as recorded on each arrival and departure), episodes shaded",
        fontsize=10,
    )
    axis.legend(loc="upper left", fontsize=8, ncols=2)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def mean_delays(events: pd.DataFrame) -> pd.DataFrame:
    """Mean delay (s) and departures per approach: all, outside and inside incidents."""
    departs = events[events["event_type"] == "depart"]
    names = approaches(events)
    table = {}
    for group, rows in (
        ("all", departs),
        ("outside incidents", departs[departs["label"] == 0]),
        ("inside incidents", departs[departs["label"] == 1]),
    ):
        by = rows.groupby(rows["approach"].astype(str))["delay_s"]
        table[group] = by.mean().reindex(names)
        table[f"n {group}"] = by.size().reindex(names, fill_value=0)
    return pd.DataFrame(table)


def webster_delays(params: IntersectionParams | dict) -> dict[str, float]:
    """Webster's mean delay of every approach under capacity, for the run's params."""
    model = IntersectionParams.model_validate(params)
    plan = SignalPlan.from_params(model)
    found = {}
    for name, approach in model.approaches.items():
        delay = plan.webster_delay(
            name, approach.arrival_rate, approach.lanes, approach.saturation_flow
        )
        if delay is not None and approach.platoons is None:
            found[name] = delay
    return found


def delays(events: pd.DataFrame, webster: dict[str, float]) -> Figure:
    """Bars of the mean delay per approach, outside and inside incidents side by side, with
    Webster's delay for Poisson arrivals where it applies (no platoons, under capacity)."""
    table = mean_delays(events)
    figure, axis = plt.subplots(figsize=(10, 4.5), dpi=100)
    x = np.arange(len(table))
    groups = [g for g in ("outside incidents", "inside incidents") if table[f"n {g}"].sum()]
    width = 0.8 / max(len(groups), 1)
    for k, (group, color) in enumerate(zip(groups, ("#1f77b4", "#d62728"), strict=False)):
        offset = (k - (len(groups) - 1) / 2) * width
        bars = axis.bar(
            x + offset,
            table[group].fillna(0),
            width,
            color=color,
            label=f"departures {group} ({int(table[f'n {group}'].sum())})",
        )
        axis.bar_label(
            bars, labels=[f"{v:.1f}" if v == v else "" for v in table[group]], fontsize=7, padding=2
        )
    marked = [(i, webster[name]) for i, name in enumerate(table.index) if name in webster]
    if marked:
        axis.scatter(
            [i for i, _ in marked],
            [d for _, d in marked],
            marker="_",
            s=900,
            linewidths=2.5,
            color="black",
            zorder=3,
            label="Webster (1958), Poisson arrivals, no incident",
        )
    axis.set_xticks(x, table.index)
    axis.set_xlabel("approach")
    axis.set_ylabel("mean delay per vehicle (s)")
    axis.set_title("Mean delay per approach (arrival to crossing the stop line)")
    axis.legend(loc="upper left", fontsize=8)
    axis.grid(alpha=0.3, axis="y")
    figure.tight_layout()
    return figure
