"""Overview figures of a contact-centre run: the distribution of waits against Erlang C and the
queue over time (see `simsynth.figures`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simsynth.figures import RunData, shade_episodes
from simsynth.units import time_axis

EVENT_COLUMNS = ["time", "event_type", "label", "wait_s", "queue_len"]


def overview(run: RunData) -> dict[str, Figure]:
    """`wait_distribution` and `queue_length` figures of one run."""
    events = run.events(EVENT_COLUMNS)
    return {
        "wait_distribution": wait_distribution(events, run.params),
        "queue_length": queue_length(events, run.episodes, run.duration),
    }


def erlang_c_probability(servers: int, offered_load: float) -> float:
    """Erlang C: the probability that a caller of an M/M/c queue has to wait (load < c)."""
    # P(wait) = B / (1 - (a/c)(1 - B)) with B = Erlang B by its stable recursion
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    return blocking / (1 - offered_load / servers * (1 - blocking))


def erlang_c_theory(params: dict) -> tuple[float, float] | str:
    """(P(wait), decay rate c·μ − λ per second) of the waiting time W in queue, P(W ≤ t) =
    1 − P(wait)·exp(−(cμ − λ)t); or why Erlang C does not apply to these params."""
    if params.get("hourly_profile"):
        return "an hourly profile makes arrivals non-stationary"
    if params.get("patience"):
        return "callers abandon (patience set): Erlang A, not C"
    if params.get("service_distribution", "exponential") != "exponential":
        return "talk times are not exponential"
    servers, rate = int(params["agents"]), float(params["arrival_rate"])
    service_rate = 1.0 / float(params["service_time"])
    if rate >= servers * service_rate:
        return "the offered load exceeds the agents: no steady state"
    return erlang_c_probability(servers, rate / service_rate), servers * service_rate - rate


def ecdf(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted values and the share of values at or below each."""
    ordered = np.sort(values)
    return ordered, np.arange(1, len(ordered) + 1) / len(ordered)


def wait_distribution(events: pd.DataFrame, params: dict) -> Figure:
    """ECDF of the waits of answered calls (unlabelled and labelled apart) with the Erlang C
    waiting-time distribution of the scenario's params where it applies."""
    figure, axis = plt.subplots(figsize=(10, 5), dpi=100)
    plot_waits(axis, events, params)
    figure.tight_layout()
    return figure


def plot_waits(axis: Axes, events: pd.DataFrame, params: dict) -> None:
    """Draw `wait_distribution` on `axis`: the ECDFs, Erlang C where it applies, labels."""
    answered = events[events["event_type"] == "call_answered"]
    normal = answered.loc[answered["label"] == 0, "wait_s"].to_numpy(float)
    labelled = answered.loc[answered["label"] == 1, "wait_s"].to_numpy(float)
    top = float(np.max(answered["wait_s"].to_numpy(float), initial=0.0)) or 1.0
    for values, name, color in (
        (normal, "answered calls outside incidents", "#1f77b4"),
        (labelled, "answered calls labelled by an incident", "#d62728"),
    ):
        if len(values):
            x, y = ecdf(values)
            # start at t = 0 so the jump of callers answered at once is visible
            axis.step(
                np.r_[0.0, x, top],
                np.r_[np.mean(values <= 0), y, 1.0],
                where="post",
                color=color,
                lw=1.5,
                label=f"{name} (n = {len(values)})",
            )
    theory = erlang_c_theory(params)
    if isinstance(theory, tuple):
        p_wait, decay = theory
        t = np.linspace(0.0, top, 400)
        axis.plot(
            t,
            1 - p_wait * np.exp(-decay * t),
            "k--",
            lw=1.2,
            label=f"Erlang C: 1 − {p_wait:.3f}·exp(−{decay * 60:.3g} t/min)",
        )
        mean = p_wait / decay
        title = (
            f"Wait of answered calls vs Erlang C (M/M/{params['agents']}, "
            f"mean wait {mean:.1f} s in theory, {normal.mean():.1f} s measured outside incidents)"
            if len(normal)
            else f"Wait of answered calls vs Erlang C (M/M/{params['agents']})"
        )
    else:
        title = f"Wait of answered calls, empirical only (no Erlang C: {theory})"
    axis.set_title(title, fontsize=10)
    axis.set_xlabel("wait in queue before an agent answers (s)")
    axis.set_ylabel("P(wait ≤ t)  (share of answered calls)")
    axis.set_xlim(0, top)
    axis.set_ylim(0, 1.02)
    if axis.get_legend_handles_labels()[0]:
        axis.legend(loc="lower right", fontsize=8)
    axis.grid(alpha=0.3)


def queue_length(events: pd.DataFrame, episodes: pd.DataFrame, duration: float) -> Figure:
    """Callers waiting after every event (a step function of time), episodes shaded."""
    scale, unit = time_axis(duration)
    figure, axis = plt.subplots(figsize=(10, 4.5), dpi=100)
    shade_episodes(axis, episodes, scale)
    plot_queue(axis, events, scale)
    axis.set_xlim(0, duration / scale)
    axis.set_xlabel(f"time ({unit})")
    axis.set_title("Queue length over time, episodes shaded")
    axis.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    return figure


def plot_queue(axis: Axes, events: pd.DataFrame, scale: float) -> None:
    """The queue length recorded on each event as a step function of time (in `scale`s)."""
    ordered = events.sort_values("time", kind="stable")
    axis.step(
        ordered["time"] / scale,
        ordered["queue_len"],
        where="post",
        color="k",
        lw=1,
        label="callers waiting (as recorded on each event)",
    )
    axis.set_ylim(bottom=0)
    axis.set_ylabel("queue length (callers waiting)")
    axis.grid(alpha=0.3)
