"""Panels of an intersection run for the browser views (see `simsynth.view.panels`): the queue
on every approach and the delay of every departing vehicle, over time."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simsynth.models.traffic.intersection.figures import (
    approach_colors,
    plot_queues,
    webster_delays,
)
from simsynth.units import Seconds, time_axis
from simsynth.view.panels import Panel, time_figure
from simsynth.view.source import RunSource

MAX_POINTS = 20_000
"""Departures drawn at most (an even subsample of more)."""
LEGEND = {"loc": "outside right upper", "fontsize": "small"}
"""Where the panels put their legends: beside the axis, clear of the data."""
DELAY_BINS = 120
"""Bins of the run over which the mean delay per approach is drawn."""


def panels(source: RunSource) -> list[Panel]:
    """The queues and the delays panels."""
    views = IntersectionPanels(source)
    return [Panel("Queues per approach", views.queues), Panel("Delays", views.delays)]


class IntersectionPanels:
    """The run's approaches, their colours and Webster's delays, worked out once."""

    def __init__(self, source: RunSource):
        self.names = list(source.params.approaches)  # type: ignore[attr-defined]
        self.colors = approach_colors(self.names)
        self.webster = webster_delays(source.params)  # type: ignore[arg-type]

    def queues(self, source: RunSource, now: Seconds) -> Figure:
        """Vehicles waiting on each approach after each of its events (a step line)."""
        figure, (axis,), scale = time_figure(source, now)
        plot_queues(axis, source.events(now), scale, self.names)
        axis.set_ylim(bottom=0)
        axis.set_ylabel("queue (vehicles waiting)")
        axis.set_title(
            "Queue length per approach, as recorded on each arrival and departure", fontsize=10
        )
        figure.legend(handles=axis.get_legend_handles_labels()[0], **LEGEND)
        return figure

    def delays(self, source: RunSource, now: Seconds) -> Figure:
        """Each departing vehicle's delay at its departure time, the mean per approach over
        bins of the run, and Webster's delay where it applies."""
        figure, (axis,), scale = time_figure(source, now)
        events = source.events(now)
        departs = events[events["event_type"] == "depart"]
        approach = departs["approach"].astype(str)
        stride = max(1, math.ceil(len(departs) / MAX_POINTS))
        edges = np.linspace(0.0, source.duration, DELAY_BINS + 1)
        for name in self.names:
            self._approach_delays(axis, name, departs[approach == name], stride, edges, now)
        handles = [
            Line2D([], [], color=self.colors[n], marker="o", ms=3, label=n) for n in self.names
        ]
        if self.webster:
            handles.append(
                Line2D([], [], color="k", ls="--", lw=1.0, label="Webster (1958), Poisson arrivals")
            )
        axis.set_ylim(bottom=0)
        axis.set_ylabel("delay per vehicle (s)")
        every = f"{edges[1] / scale:.3g} {time_axis(source.duration)[1]}"
        title = f"Delay of each departing vehicle (dots), mean per {every} by approach (lines)"
        axis.set_title(title, fontsize=10)
        figure.legend(handles=[*axis.get_legend_handles_labels()[0], *handles], **LEGEND)
        return figure

    def _approach_delays(
        self,
        axis: Axes,
        name: str,
        departs: pd.DataFrame,
        stride: int,
        edges: np.ndarray,
        now: Seconds,
    ) -> None:
        """One approach's departures (every `stride`-th), their mean per bin of `edges` (drawn
        at the bin's middle, or `now` in the bin going on) and its Webster delay."""
        scale, color = time_axis(edges[-1])[0], self.colors[name]
        shown = departs.iloc[::stride]
        axis.scatter(
            shown["time"] / scale,
            shown["delay_s"],
            s=3,
            color=[color],
            alpha=0.25,
            lw=0,
            gid=f"{name} delays",
        )
        means = binned_mean(departs["time"].to_numpy(), departs["delay_s"].to_numpy(), edges)
        middles = np.minimum((edges[:-1] + edges[1:]) / 2, now)
        axis.plot(middles / scale, means, color=color, lw=1.3, gid=f"{name} mean")
        if name in self.webster:
            axis.axhline(self.webster[name], color=color, lw=1, ls="--", gid=f"{name} webster")


def binned_mean(times: np.ndarray, values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The mean of `values` in each bin of `times` (NaN where a bin is empty)."""
    sums, _ = np.histogram(times, edges, weights=values)
    counts, _ = np.histogram(times, edges)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / counts, np.nan)
