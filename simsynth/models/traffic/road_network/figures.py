"""Overview figures of a road-network run: the fundamental diagram of the loop detectors and
their mean speed over time (see `simsynth.figures`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simsynth.figures import RunData, shade_episodes
from simsynth.models.traffic.road_network.graphs import build_graph
from simsynth.models.traffic.road_network.params import CELL_LENGTH, RoadNetworkParams
from simsynth.models.traffic.road_network.roads import cells_per_second
from simsynth.units import time_axis

DETECTOR_COLUMNS = [
    "time",
    "event_type",
    "link_id",
    "flow_vph",
    "occupancy",
    "mean_speed_kmh",
    "label",
]


def overview(run: RunData) -> dict[str, Figure]:
    """`fundamental_diagram` and `detector_speed` figures of one run."""
    events = run.events(DETECTOR_COLUMNS)
    detectors = events[events["event_type"] == "detector"].reset_index(drop=True)
    links = link_attributes(run.params)
    return {
        "fundamental_diagram": fundamental_diagram(detectors, links, run.params),
        "detector_speed": detector_speed(detectors, run.episodes, run.duration),
    }


def road_graph(params: RoadNetworkParams | dict) -> nx.DiGraph | None:
    """The run's road graph, or None if it can't be rebuilt (e.g. its file has moved)."""
    try:
        return build_graph(RoadNetworkParams.model_validate(params).network)
    except Exception:
        return None


def link_attributes(params: dict) -> pd.DataFrame | None:
    """Lanes and CA speed (cells/s) of every link, by link_id; None if the graph can't be
    rebuilt."""
    graph = road_graph(params)
    if graph is None:
        return None
    rows = [
        (int(data["lanes"]), cells_per_second(float(data["speed_limit"])))
        for _, _, data in graph.edges(data=True)
    ]
    return pd.DataFrame(rows, columns=["lanes", "vmax"])


def fundamental_diagram(
    detectors: pd.DataFrame, links: pd.DataFrame | None, params: dict
) -> Figure:
    """Flow per lane against occupancy, one point per detector row, coloured by label, with the
    deterministic Nagel-Schreckenberg flow 3600 min(vmax rho, 1 - rho) per speed limit."""
    figure, axis = plt.subplots(figsize=(10, 5), dpi=100)
    per_lane = links is not None and len(links) > int(
        detectors["link_id"].to_numpy().max(initial=-1)
    )
    lanes = links["lanes"].to_numpy()[detectors["link_id"]] if per_lane else 1
    flow = detectors["flow_vph"].to_numpy() / lanes
    occupancy = detectors["occupancy"].to_numpy()
    labelled = detectors["label"].to_numpy() == 1
    # one scatter with per-point colours, so the plotted points are exactly the detector rows
    colors = np.where(labelled, "#d62728", "#1f77b4")
    axis.scatter(occupancy * 100, flow, c=colors, s=12, alpha=0.6, lw=0)
    axis.scatter([], [], c="#1f77b4", s=12, label=f"normal interval ({(~labelled).sum()})")
    axis.scatter([], [], c="#d62728", s=12, label=f"inside an incident ({labelled.sum()})")
    if per_lane:
        rho = np.linspace(0, 1, 401)
        used = sorted(set(links["vmax"].to_numpy()[detectors["link_id"].unique()]))
        for vmax in used:
            kmh = vmax * CELL_LENGTH * 3.6
            axis.plot(
                rho * 100,
                3600 * np.minimum(vmax * rho, 1 - rho),
                lw=1.2,
                ls="--",
                label=f"NaSch p = 0: 3600·min({vmax}ρ, 1−ρ), {kmh:.0f} km/h",
            )
    axis.set_xlabel("occupancy = density ρ (% of lane-seconds the detector cell is taken)")
    axis.set_ylabel("flow (vehicles per hour per lane)" if per_lane else "flow (vehicles/h)")
    interval = RoadNetworkParams.model_validate(params).detectors.interval if per_lane else None
    every = f" and {interval:g} s interval" if interval else " row"
    axis.set_title(
        f"Fundamental diagram: one point per detector{every} "
        f"(slowdown p = {params.get('slowdown', '?')})\n"
        "dashed: long-run flow of deterministic NaSch; short intervals scatter around it"
    )
    axis.set_xlim(0, 100)
    axis.set_ylim(0, max(float(np.nanmax(flow, initial=0)), 1.0) * 1.1)
    axis.legend(loc="upper right", fontsize=8)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def detector_speed(detectors: pd.DataFrame, episodes: pd.DataFrame, duration: float) -> Figure:
    """Mean speed of the vehicles crossing any detector per interval (flow-weighted), with the
    episodes shaded."""
    scale, unit = time_axis(duration)
    figure, axis = plt.subplots(figsize=(10, 4.5), dpi=100)
    speed = flow_weighted_speed(detectors)
    shade_episodes(axis, episodes, scale)
    axis.plot(
        speed.index / scale,
        speed.to_numpy(),
        color="k",
        lw=1.2,
        marker=".",
        ms=3,
        label="mean speed at the detectors",
    )
    axis.set_xlim(0, duration / scale)
    axis.set_ylim(bottom=0)
    axis.set_xlabel(f"time ({unit})")
    axis.set_ylabel("mean speed of vehicles crossing (km/h)")
    axis.set_title(
        "Detector speed per interval (flow-weighted over all detectors), episodes shaded"
    )
    axis.legend(loc="lower left", fontsize=8)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def flow_weighted_speed(detectors: pd.DataFrame) -> pd.Series:
    """Mean speed (km/h) of the vehicles crossing the detectors per report time: the detectors'
    mean speeds weighted by their flows (times when nobody crossed are left out)."""
    crossing = detectors[detectors["flow_vph"] > 0]
    weighted = (crossing["flow_vph"] * crossing["mean_speed_kmh"]).groupby(crossing["time"]).sum()
    return weighted / crossing.groupby("time")["flow_vph"].sum()
