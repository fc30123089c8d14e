"""Panels: the figures a view draws of a run at a moment, the timeline and each model's own.

A model names its panels in `SimModel.views` ("module:function"); the function takes the
`RunSource` once (e.g. to lay out a road network) and returns `Panel`s, whose `draw(source,
now)` makes a matplotlib `Figure` of what was recorded up to `now`. Figures are made without
pyplot, so that nothing accumulates in a long-lived server.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simsynth import registry
from simsynth.figures import shade_episodes
from simsynth.units import Seconds, format_seconds, time_axis
from simsynth.view.source import RunSource

Draw = Callable[[RunSource, Seconds], Figure]


@dataclass(frozen=True)
class Panel:
    """A titled figure of a run as recorded up to a moment."""

    title: str
    draw: Draw


def model_panels(source: RunSource) -> list[Panel]:
    """The panels the run's model names in `SimModel.views` (none if it names none)."""
    target = getattr(registry.load(source.model), "views", "")
    if not target:
        return []
    module, _, function = target.partition(":")
    make: Callable[[RunSource], list[Panel]] = getattr(importlib.import_module(module), function)
    return make(source)


def panel_figure(width: float = 9.0, height: float = 3.6) -> Figure:
    """A new figure of the size panels use, outside pyplot."""
    return Figure(figsize=(width, height), dpi=90, layout="constrained")


def mark_now(axis: Axes, now: Seconds, scale: float) -> None:
    """A vertical line at the view's current time."""
    axis.axvline(now / scale, color="k", lw=0.8, ls=":")


def draw_timeline(source: RunSource, now: Seconds) -> Figure:
    """Events per time bin, normal and labelled positive, with episodes shaded by kind."""
    figure = panel_figure(height=2.8)
    axis = figure.add_subplot()
    scale, unit = time_axis(source.duration)
    events = source.events(now)[["time", "label"]]
    edges = np.linspace(0.0, source.duration, 121)
    times = events["time"].to_numpy()
    positive = events["label"].to_numpy() == 1
    normal_counts, _ = np.histogram(times[~positive], edges)
    positive_counts, _ = np.histogram(times[positive], edges)
    axis.stairs(normal_counts, edges / scale, fill=True, color="0.65", label="normal")
    axis.stairs(normal_counts + positive_counts, edges / scale, baseline=normal_counts,
                fill=True, color="tab:red", label="in an episode")  # fmt: skip
    shade_episodes(axis, source.episodes(now), scale)
    mark_now(axis, now, scale)
    axis.set_xlim(0, source.duration / scale)
    axis.set_xlabel(f"time ({unit})")
    axis.set_ylabel(f"events per {format_seconds(edges[1])}")
    axis.set_title("Events and episodes")
    axis.legend(loc="upper left", fontsize="small", ncols=4)
    return figure


TIMELINE = Panel("Timeline", draw_timeline)
