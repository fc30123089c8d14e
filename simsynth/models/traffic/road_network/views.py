"""Panels of a road-network run for the browser views (see `simsynth.view.panels`): the network
at a moment, with its vehicles coloured by speed and its incidents drawn where they happen, and
the loop detectors' flow, occupancy and speed over time."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Rectangle

from simsynth.figures import kind_colors
from simsynth.models.traffic.road_network.figures import flow_weighted_speed, road_graph
from simsynth.models.traffic.road_network.params import CELL_LENGTH, RoadNetworkParams
from simsynth.models.traffic.road_network.roads import Roads, build_roads
from simsynth.units import Seconds, time_axis
from simsynth.view.panels import (
    MOMENT,
    Color,
    Panel,
    episode_windows,
    panel_figure,
    time_figure,
)
from simsynth.view.source import RunSource

MAX_VEHICLES = 20_000
"""Vehicles drawn at most (an even subsample of a larger fleet)."""
EQUAL_ASPECT = 6.0
"""Networks at most this much wider than tall (or taller than wide) are drawn to scale."""

SPEED_COLORS = "RdYlGn"
"""Colour map of vehicle speeds: red standing, green at the fastest speed limit."""


def panels(source: RunSource) -> list[Panel]:
    """The network and the detectors panels (the network laid out once, here)."""
    graph = road_graph(source.scenario.get("params") or {})
    network = NetworkPanel(Layout.of(graph)).draw if graph is not None else draw_no_network
    return [Panel("Road network", network), Panel("Loop detectors", draw_detectors)]


# --- the network ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where a road graph's links are drawn (metres): each link is a line between its
    junctions, moved to its right when a link runs the other way between them; its lanes are
    drawn side by side to the right of lane 0."""

    roads: Roads
    nodes: dict[str, np.ndarray]
    """Position of every junction, by name."""
    start: np.ndarray
    end: np.ndarray
    right: np.ndarray
    """Unit vector to the right of each link."""
    gap: float
    """Metres between a link and its twin, and between lanes."""

    @classmethod
    def of(cls, graph: nx.DiGraph) -> Layout:
        """The layout of `graph` (junctions without positions are laid out by a seeded spring
        layout)."""
        place_junctions(graph)
        roads = build_roads(graph)
        xy = np.array([graph.nodes[node]["pos"] for node in roads.nodes], float).reshape(-1, 2)
        start, end = xy[roads.link_from], xy[roads.link_to]
        direction = end - start
        norm = np.hypot(direction[:, 0], direction[:, 1])[:, None]
        unit = np.divide(direction, norm, out=np.zeros_like(direction), where=norm > 0)
        right = np.column_stack([unit[:, 1], -unit[:, 0]])
        drawn = norm[norm > 0]
        extent = float(np.ptp(xy, axis=0).max(initial=0.0)) if len(xy) else 0.0
        gap = max(min(0.01 * extent, 0.08 * float(drawn.min(initial=np.inf))), 1e-3)
        twin = np.array([graph.has_edge(v, u) for u, v in roads.edges], bool)[:, None]
        shift = np.where(twin, gap * right, 0.0)
        nodes = {str(node): xy[k] for k, node in enumerate(roads.nodes)}
        return cls(roads, nodes, start + shift, end + shift, right, gap)

    @cached_property
    def links(self) -> dict[str, int]:
        """Link index by 'FROM->TO' name."""
        return {self.roads.name(k): k for k in range(self.roads.links)}

    @cached_property
    def top_speed(self) -> float:
        """The fastest speed limit (km/h): the top of the speed colour scale."""
        return float(self.roads.vmax.max(initial=1)) * CELL_LENGTH * 3.6

    def along(self, link: np.ndarray, metres: np.ndarray, lane: np.ndarray | int = 0) -> np.ndarray:
        """Points `metres` from the start of links, in lane `lane` (n x 2)."""
        link = np.asarray(link, np.int64)
        share = np.clip(np.asarray(metres, float) / (self.roads.cells[link] * CELL_LENGTH), 0, 1)
        points = self.start[link] + share[:, None] * (self.end[link] - self.start[link])
        return points + (np.asarray(lane, float) * self.gap)[..., None] * self.right[link]

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower-left and upper-right corners of the drawn network."""
        points = np.vstack([self.start, self.end, *self.nodes.values()])
        return points.min(axis=0), points.max(axis=0)


def place_junctions(graph: nx.DiGraph) -> None:
    """Give every junction a position `pos` (m): a deterministic spring layout of the whole
    graph, 1 km across, unless all of them have one."""
    if all("pos" in data for _, data in graph.nodes(data=True)):
        return
    layout = nx.spring_layout(graph.to_undirected(), seed=0)
    for node, xy in layout.items():
        graph.nodes[node]["pos"] = (float(xy[0]) * 1000, float(xy[1]) * 1000)


def incident_handle(kind: str, color: Color, instant: bool) -> Line2D:
    """The legend entry of a kind of incident: a marker for an instant one, else a line."""
    if instant:
        return Line2D(
            [],
            [],
            ls="",
            marker="X",
            ms=9,
            color=color,
            mec="k",
            label=f"{kind} (last {MOMENT:g} s)",
        )
    return Line2D([], [], color=color, lw=4, alpha=0.7, label=kind)


def latest_sample(source: RunSource, now: Seconds) -> pd.DataFrame:
    """The trajectory rows of the last sample at or before `now` (none before the first)."""
    rows = source.table("trajectories", now)
    times = rows["time"].to_numpy()
    first = int(np.searchsorted(times, times[-1], side="left")) if len(times) else 0
    return rows.iloc[first:]


def active_episodes(episodes: pd.DataFrame, now: Seconds) -> pd.DataFrame:
    """`episode_windows` of the episodes going on at `now`."""
    windows = episode_windows(episodes, now)
    return windows[(windows["start_time"] <= now) & (now <= windows["until"])]


def draw_no_network(source: RunSource, now: Seconds) -> Figure:
    """What the network panel says when the run's road graph can't be rebuilt."""
    figure = panel_figure(height=1.5)
    axis = figure.add_subplot()
    axis.set_axis_off()
    axis.text(
        0.5,
        0.5,
        "The road graph of this run cannot be rebuilt (has its file moved?)",
        ha="center",
        va="center",
        transform=axis.transAxes,
    )
    return figure


class NetworkPanel:
    """The links, the vehicles of the latest trajectory sample and the incidents going on."""

    def __init__(self, layout: Layout):
        self.layout = layout

    def draw(self, source: RunSource, now: Seconds) -> Figure:
        figure = panel_figure(height=5.4)
        axis = figure.add_subplot()
        layout = self.layout
        axis.add_collection(
            LineCollection(
                np.stack([layout.start, layout.end], axis=1), colors="0.72", lw=1.2, zorder=1
            )
        )
        handles = [Line2D([], [], color="0.72", lw=1.2, label="links")]
        handles.append(self._vehicles(figure, axis, source, now))
        handles += self._incidents(axis, source, now)
        self._frame(axis)
        figure.legend(handles=handles, loc="outside lower center", fontsize="small", ncols=6)
        return figure

    def _vehicles(self, figure: Figure, axis: Axes, source: RunSource, now: Seconds) -> Any:
        """Vehicles of the latest sample, coloured by speed; a note when there are none."""
        layout = self.layout
        rows = latest_sample(source, now) if source.has("trajectories") else None
        if rows is None:
            rows = pd.DataFrame({"time": []})
        shown = rows.iloc[:: max(1, math.ceil(len(rows) / MAX_VEHICLES))]
        xy = np.zeros((0, 2))
        if len(shown):
            xy = layout.along(shown["link_id"], shown["position_m"], shown["lane"])
        speed = shown["speed_kmh"].to_numpy(float) if len(shown) else np.zeros(0)
        points = axis.scatter(
            xy[:, 0],
            xy[:, 1],
            c=speed,
            cmap=SPEED_COLORS,
            vmin=0,
            vmax=layout.top_speed,
            s=12,
            lw=0.3,
            edgecolors="0.2",
            zorder=3,
            label=f"vehicles ({len(rows)})",
            gid="vehicles",
        )
        figure.colorbar(points, ax=axis, label="vehicle speed (km/h)", shrink=0.9)
        axis.set_title(self._title(source, rows), fontsize=10)
        return points

    @staticmethod
    def _title(source: RunSource, rows: pd.DataFrame) -> str:
        params: RoadNetworkParams = source.params  # type: ignore[assignment]
        if params.trajectory_every == 0:
            return "No vehicle positions: this run records no trajectories (trajectory_every 0)"
        if not len(rows):
            return "No trajectory sample yet"
        scale, unit = time_axis(source.duration)
        sample = f"{rows['time'].iloc[-1] / scale:.4g} {unit}"
        every = f"every {params.trajectory_every} s"
        return f"Vehicles at t = {sample} (latest sample, {every}) by speed; incidents going on"

    def _incidents(self, axis: Axes, source: RunSource, now: Seconds) -> list[Any]:
        """Draw each episode going on where it happens; a legend handle per kind drawn."""
        episodes = source.episodes(now)
        going = active_episodes(episodes, now)
        colors = kind_colors(episodes)
        instant = going.loc[going["instant"], "episode_id"]
        sites = self._event_sites(source.events(now), instant.to_numpy())
        handles: dict[str, Any] = {}
        for episode in going.itertuples(index=False):
            kind = str(episode.kind)
            color = colors.get(kind, (0.5, 0.5, 0.5))
            self._site(axis, episode, sites.get(episode.episode_id), color)
            if kind not in handles:
                handles[kind] = incident_handle(kind, color, bool(episode.instant))
        return list(handles.values())

    def _event_sites(self, events: pd.DataFrame, episode_ids: np.ndarray) -> dict[int, np.ndarray]:
        """Where instant episodes happened: the positions of their events."""
        rows = events[events["episode_id"].isin(episode_ids) & events["position_m"].notna()]
        rows = rows[rows["link_id"] >= 0]
        points = self.layout.along(rows["link_id"], rows["position_m"])
        ids = rows["episode_id"].to_numpy()
        return {int(i): points[ids == i] for i in np.unique(ids)}

    def _site(self, axis: Axes, episode: Any, points: np.ndarray | None, color: Color) -> None:
        """One episode (artists with gid 'episode ID'), from its params: a region (`center`,
        `radius`; weather without a centre covers everything), a `junction`, a `link` (and a
        blocked `cell` on it), or the points its events happened at."""
        layout, site = self.layout, episode.site
        style = {"color": color, "gid": f"episode {episode.episode_id}"}
        if "center" in site or str(episode.kind) == "weather":
            self._region(axis, site.get("center"), float(site.get("radius", 0.0)), style)
        if site.get("junction") in layout.nodes:
            x, y = layout.nodes[site["junction"]]
            axis.scatter(
                [x],
                [y],
                s=260,
                facecolors="none",
                edgecolors=[color],
                lw=2.5,
                zorder=4,
                gid=style["gid"],
            )
        link = layout.links.get(str(site.get("link")))
        if link is not None and points is None:
            axis.plot(
                *np.stack([layout.start[link], layout.end[link]]).T,
                lw=5,
                alpha=0.6,
                solid_capstyle="butt",
                zorder=2,
                **style,
            )
            if "cell" in site:
                metres = (float(site["cell"]) + float(site.get("cells", 1)) / 2) * CELL_LENGTH
                points = layout.along(np.array([link]), np.array([metres]))
        if points is not None and len(points):
            axis.scatter(
                points[:, 0],
                points[:, 1],
                marker="X",
                s=140,
                edgecolors="k",
                lw=0.8,
                zorder=5,
                **style,
            )

    def _region(self, axis: Axes, center: str | None, radius: float, style: dict) -> None:
        if center in self.layout.nodes:
            circle = Circle(tuple(self.layout.nodes[center]), radius, alpha=0.18, zorder=0, **style)
            axis.add_patch(circle)
        elif center is None:
            low, high = self.layout.bounds()
            axis.add_patch(Rectangle(tuple(low), *(high - low), alpha=0.12, zorder=0, **style))

    def _frame(self, axis: Axes) -> None:
        """Axes around the network with a margin, to scale unless it is long and thin."""
        low, high = self.layout.bounds()
        size = np.maximum(high - low, 1.0)
        margin = np.maximum(0.06 * size, 0.03 * size.max())
        axis.set_xlim(low[0] - margin[0], high[0] + margin[0])
        axis.set_ylim(low[1] - margin[1], high[1] + margin[1])
        if size.max() / size.min() <= EQUAL_ASPECT:
            axis.set_aspect("equal", adjustable="box")
        axis.set_xlabel("x (m)")
        axis.set_ylabel("y (m)")


# --- time axes ------------------------------------------------------------------------------


# --- the detectors --------------------------------------------------------------------------

Statistic = Callable[[pd.DataFrame], pd.Series]

DETECTOR_STATISTICS: tuple[tuple[str, Statistic], ...] = (
    ("flow per detector\n(veh/h, mean)", lambda rows: rows.groupby("time")["flow_vph"].mean()),
    ("occupancy (%, mean)", lambda rows: rows.groupby("time")["occupancy"].mean() * 100),
    ("speed crossing\n(km/h)", flow_weighted_speed),
)
"""Each subplot's label and its series per report time, from detector rows."""


def detector_rows(events: pd.DataFrame) -> pd.DataFrame:
    return events[events["event_type"] == "detector"]


def draw_detectors(source: RunSource, now: Seconds) -> Figure:
    """Flow, occupancy and speed per report over all detectors, and over the detectors each
    kind of episode labelled; episodes shown."""
    figure, axes, scale = time_figure(source, now, len(DETECTOR_STATISTICS), height=6.0)
    rows = detector_rows(source.events(now))
    colors = kind_colors(source.episodes(now))
    kinds = sorted(set(rows.loc[rows["label"] == 1, "label_kind"].astype(str)))
    for axis, (name, statistic) in zip(axes, DETECTOR_STATISTICS, strict=True):
        series = statistic(rows)
        axis.plot(
            series.index / scale,
            series.to_numpy(),
            color="k",
            lw=1.1,
            marker=".",
            ms=2,
            label="all detectors",
        )
        for kind in kinds:
            series = statistic(rows[rows["label_kind"].astype(str) == kind])
            axis.plot(
                series.index / scale,
                series.to_numpy(),
                color=colors.get(kind, "0.5"),
                lw=1.0,
                marker=".",
                ms=3,
                label=f"detectors labelled {kind}",
            )
        axis.set_ylabel(name, fontsize="small")
        axis.set_ylim(0, max(axis.get_ylim()[1], 1.0) * 1.15)  # room for the episode ticks
    params: RoadNetworkParams = source.params  # type: ignore[assignment]
    title = f"Loop detectors: a report per detector every {params.detectors.interval:g} s"
    if params.detectors.every == "none":
        title = "No loop detectors in this run (detectors.every: none)"
    axes[0].set_title(title, fontsize=10)
    figure.legend(
        *axes[0].get_legend_handles_labels(), loc="outside right upper", fontsize="x-small"
    )
    return figure
