"""The road graph cut into cells, as arrays the kernel reads (struct of arrays).

Link l (an edge of the graph, in `Roads.edges` order) has `lanes[l]` lanes of `cells[l]` cells;
lane k of link l is lane segment `lane_first[l] + k`, whose cells are
`occupant[lane_start[s]:lane_start[s] + cells[l]]` (a vehicle slot, or -1 for free).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np

from simsynth.models.traffic.road_network.params import CELL_LENGTH

NO_SIGNAL = -1


def link_name(source: object, target: object) -> str:
    """How scenarios and episodes name the link `source -> target`: 'FROM->TO'."""
    return f"{source}->{target}"


def cells_per_second(speed_limit_kmh: float) -> int:
    """The CA speed (cells per one-second step) nearest a speed limit, at least 1."""
    return max(1, round(speed_limit_kmh / 3.6 / CELL_LENGTH))


@dataclass
class Roads:
    """Links, lanes and cells of a road graph."""

    graph: nx.DiGraph
    nodes: list[object]
    edges: list[tuple[object, object]]
    link_from: np.ndarray
    link_to: np.ndarray
    cells: np.ndarray
    lanes: np.ndarray
    vmax: np.ndarray
    """Speed limit in cells per step."""
    lane_first: np.ndarray
    lane_link: np.ndarray
    lane_start: np.ndarray
    phase: np.ndarray
    """Signal phase (0 or 1) that gives link l green at its end; NO_SIGNAL if unsignalised."""
    link_index: dict[tuple[object, object], int]

    @property
    def links(self) -> int:
        return len(self.edges)

    def name(self, link: int) -> str:
        """The 'FROM->TO' name of link `link`."""
        return link_name(*self.edges[link])

    def find(self, name: str) -> int | None:
        """The index of the link named 'FROM->TO', or None."""
        for index in range(self.links):
            if self.name(index) == name:
                return index
        return None

    @property
    def total_cells(self) -> int:
        return int(self.lane_start[-1])


def build_roads(graph: nx.DiGraph) -> Roads:
    """Cut every link into cells of `CELL_LENGTH` metres (at least one)."""
    nodes = list(graph.nodes)
    node_index = {node: i for i, node in enumerate(nodes)}
    edges = list(graph.edges)
    data = [graph.edges[e] for e in edges]
    cells = np.array([max(1, round(d["length"] / CELL_LENGTH)) for d in data], np.int64)
    lanes = np.array([int(d["lanes"]) for d in data], np.int64)
    lane_first = np.concatenate([[0], np.cumsum(lanes)]).astype(np.int64)
    lane_link = np.repeat(np.arange(len(edges)), lanes).astype(np.int64)
    lane_start = np.concatenate([[0], np.cumsum(cells[lane_link])]).astype(np.int64)
    return Roads(
        graph=graph,
        nodes=nodes,
        edges=edges,
        link_from=np.array([node_index[u] for u, _ in edges], np.int64),
        link_to=np.array([node_index[v] for _, v in edges], np.int64),
        cells=cells,
        lanes=lanes,
        vmax=np.array([cells_per_second(d["speed_limit"]) for d in data], np.int64),
        lane_first=lane_first,
        lane_link=lane_link,
        lane_start=lane_start,
        phase=np.array([_phase(graph, u, v) for u, v in edges], np.int64),
        link_index={e: i for i, e in enumerate(edges)},
    )


def _phase(graph: nx.DiGraph, u: object, v: object) -> int:
    """Phase of link u -> v at a signalised junction v: 0 if it runs east-west, 1 north-south."""
    if not graph.nodes[v]["signal"]:
        return NO_SIGNAL
    (x0, y0), (x1, y1) = graph.nodes[u]["pos"], graph.nodes[v]["pos"]
    return 0 if abs(x1 - x0) >= abs(y1 - y0) else 1


def free_flow_time(roads: Roads) -> dict[tuple[object, object], float]:
    """Seconds to cross each link at its speed limit (the routing weight)."""
    return {e: math.ceil(roads.cells[i] / roads.vmax[i]) for i, e in enumerate(roads.edges)}
