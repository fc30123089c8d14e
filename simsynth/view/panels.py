"""Panels: the figures a view draws of a run at a moment, the timeline and each model's own.

A model names its panels in `SimModel.views` ("module:function"); the function takes the
`RunSource` once (e.g. to lay out a road network) and returns `Panel`s, whose `draw(source,
now)` makes a matplotlib `Figure` of what was recorded up to `now`. Figures are made without
pyplot, so that nothing accumulates in a long-lived server.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simsynth import registry
from simsynth.figures import kind_colors, shade_episodes
from simsynth.units import Seconds, format_seconds, time_axis
from simsynth.view.source import RunSource

Draw = Callable[[RunSource, Seconds], Figure]
Color = tuple[float, float, float]
MOMENT: Seconds = 60.0
"""How long an instant episode (a near miss, which has no window) stays drawn after it."""


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


def episode_windows(episodes: pd.DataFrame, now: Seconds) -> pd.DataFrame:
    """The episodes with their params parsed (`site`), whether they are `instant` (no window,
    no duration: a near miss), `until` when they count as going on (an instant one for
    `MOMENT`; one without an end yet, in a live run, for its planned `duration`) and
    `end_time` as known at `now` (no later than `now`)."""
    sites = [json.loads(text) for text in episodes["params"]]
    start, end = episodes["start_time"].to_numpy(), episodes["end_time"].to_numpy()
    planned = start + np.array([float(site.get("duration", 0.0)) for site in sites])
    instant = (end <= start) & (planned <= start)
    until = np.where(end > start, end, np.where(instant, start + MOMENT, planned))
    known = np.minimum(np.where(instant, start, until), max(now, 0.0))
    return episodes.assign(site=sites, instant=instant, until=until, end_time=known)


def time_figure(
    source: RunSource, now: Seconds, rows: int = 1, height: float = 3.6
) -> tuple[Figure, list[Axes], float]:
    """A panel of `rows` time axes over the run (shared), episodes shown and `now` marked on
    each; its axes and the time scale (seconds per unit)."""
    figure = panel_figure(height=height)
    axes = list(np.atleast_1d(figure.subplots(rows, 1, sharex=True)))
    scale, unit = time_axis(source.duration)
    episodes = source.episodes(now)
    windows, colors = episode_windows(episodes, now), kind_colors(episodes)
    for axis in axes:
        show_episodes(axis, windows, colors, scale)
        mark_now(axis, now, scale)
        axis.grid(alpha=0.3)
    axes[-1].set_xlim(0, source.duration / scale)
    axes[-1].set_xlabel(f"time ({unit})")
    return figure, axes, scale


def show_episodes(
    axis: Axes, windows: pd.DataFrame, colors: dict[str, Color], scale: float
) -> None:
    """Shade the `episode_windows` as known at their `now`, and mark each instant one (a near
    miss) by a tick at the top of the axis, in its kind's colour."""
    shade_episodes(axis, windows[~windows["instant"]], scale)
    instant = windows[windows["instant"]]
    for kind, rows in instant.groupby(instant["kind"].astype(str)):
        axis.plot(
            rows["start_time"] / scale,
            np.full(len(rows), 0.96),
            ls="",
            marker="|",
            ms=9,
            mew=1.2,
            color=colors.get(str(kind), "0.5"),
            transform=axis.get_xaxis_transform(),
            label=f"{kind} ({len(rows)})",
        )


def show_time(axis: Axes, source: RunSource, now: Seconds, scale: float) -> None:
    """On a time axis: the episodes as known at `now` (`show_episodes`) and `now` marked."""
    episodes = source.episodes(now)
    show_episodes(axis, episode_windows(episodes, now), kind_colors(episodes), scale)
    mark_now(axis, now, scale)


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
    axis.stairs(
        normal_counts + positive_counts,
        edges / scale,
        baseline=normal_counts,
        fill=True,
        color="tab:red",
        label="in an episode",
    )
    show_time(axis, source, now, scale)
    axis.set_xlim(0, source.duration / scale)
    axis.set_xlabel(f"time ({unit})")
    axis.set_ylabel(f"events per {format_seconds(edges[1])}")
    axis.set_title("Events and episodes")
    axis.legend(loc="upper left", fontsize="small", ncols=4)
    return figure


TIMELINE = Panel("Timeline", draw_timeline)
