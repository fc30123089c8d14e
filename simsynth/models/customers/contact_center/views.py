"""Panels of a contact-centre run as recorded up to a moment: the queue and the agents busy over
time, and the waits so far against Erlang C (see `simsynth.view.panels`)."""

from __future__ import annotations

import json
import math
from typing import cast

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simsynth.models.customers.contact_center.figures import EVENT_COLUMNS, plot_queue, plot_waits
from simsynth.models.customers.contact_center.model import ContactCenterParams
from simsynth.units import Seconds, time_axis
from simsynth.view.panels import Panel, panel_figure, show_time
from simsynth.view.source import RunSource


def panels(source: RunSource) -> list[Panel]:
    """The contact centre's panels."""
    return [Panel("Queue and agents", draw_queue_and_agents), Panel("Waits", draw_waits)]


def busy_agents(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Times of answers and completions and the number of agents on a call just after each."""
    kind = events["event_type"].astype(str).to_numpy()
    change = (kind == "call_answered").astype(int) - (kind == "call_completed")
    steps = change != 0
    return events["time"].to_numpy(float)[steps], np.cumsum(change[steps])


def agents_on_line(episodes: pd.DataFrame, agents: int, now: Seconds) -> tuple[list, list]:
    """Times and the agents not taken down by an outage (each takes ⌈share·agents⌉ off the
    line as they finish their call) from 0 to `now`."""
    outages = episodes[episodes["kind"].astype(str) == "outage"]
    changes = [(0.0, 0)]
    for start, end, params in outages[["start_time", "end_time", "params"]].itertuples(False):
        down = math.ceil(json.loads(params)["share"] * agents)
        changes += [(start, down), (end, -down)] if end < now else [(start, down)]
    changes.sort()
    times = [time for time, _ in changes] + [now]
    down = np.cumsum([change for _, change in changes])
    on_line = np.maximum(agents - down, 0).tolist()
    return times, on_line + on_line[-1:]


def draw_queue_and_agents(source: RunSource, now: Seconds) -> Figure:
    """Callers waiting (top) and agents on a call (bottom) over time, episodes shaded."""
    figure = panel_figure(height=4.6)
    queue_axis, agent_axis = figure.subplots(2, 1, sharex=True)
    scale, unit = time_axis(source.duration)
    events = source.events(now)[EVENT_COLUMNS]
    episodes = source.episodes(now)
    agents = cast(ContactCenterParams, source.params).agents
    plot_queue(queue_axis, events, scale)
    times, busy = busy_agents(events)
    agent_axis.step(
        np.r_[0.0, times] / scale,
        np.r_[0, busy],
        where="post",
        color="tab:blue",
        lw=1,
        label="agents on a call",
    )
    line_times, on_line = agents_on_line(episodes, agents, now)
    agent_axis.step(
        np.asarray(line_times) / scale,
        on_line,
        where="post",
        color="tab:green",
        lw=1.5,
        ls="--",
        zorder=3,
        label="agents on the line (staff − outages)",
    )
    agent_axis.set_ylim(0, agents * 1.08)
    agent_axis.set_ylabel("agents")
    agent_axis.set_xlabel(f"time ({unit})")
    agent_axis.grid(alpha=0.3)
    for axis in (queue_axis, agent_axis):
        show_time(axis, source, now, scale)
        axis.legend(loc="upper right", fontsize="small", ncols=3)
    queue_axis.set_xlim(0, source.duration / scale)
    queue_axis.set_title("Queue length and agents busy, episodes shaded")
    return figure


def draw_waits(source: RunSource, now: Seconds) -> Figure:
    """ECDF of the waits of the calls answered so far, against Erlang C where it applies."""
    figure = panel_figure(height=4.0)
    plot_waits(figure.add_subplot(), source.events(now), source.params.model_dump(mode="json"))
    return figure
