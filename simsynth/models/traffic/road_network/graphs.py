"""Road graphs: the built-in generators and loading one from a file (networkx DiGraph).

Every edge is a one-way link with `length` (m), `lanes` and `speed_limit` (km/h); nodes are
junctions with a position `pos` (m, for drawing and for signal phases), `signal` (bool) and
`gateway` (where trips may start and end).
"""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx

from simsynth.models.traffic.road_network.params import (
    Corridor,
    GraphFile,
    GridCity,
    Network,
    RingRoad,
)

DEFAULT_SPEED_LIMIT = 50.0


def ring_road(spec: RingRoad) -> nx.DiGraph:
    """`links` junctions on a circle, each joined to the next."""
    graph = nx.DiGraph(kind="ring")
    n = spec.links
    radius = spec.length / (2 * math.pi)
    for k in range(n):
        angle = 2 * math.pi * k / n
        graph.add_node(f"r{k}", pos=(radius * math.cos(angle), radius * math.sin(angle)))
    for k in range(n):
        graph.add_edge(
            f"r{k}",
            f"r{(k + 1) % n}",
            length=spec.length / n,
            lanes=spec.lanes,
            speed_limit=spec.speed_limit,
        )
    _defaults(graph)
    return graph


def grid_city(spec: GridCity) -> nx.DiGraph:
    """Junctions on a grid, two one-way links per street; boundary junctions are gateways."""
    graph = nx.DiGraph(kind="grid")
    for r in range(spec.rows):
        for c in range(spec.columns):
            boundary = r in (0, spec.rows - 1) or c in (0, spec.columns - 1)
            graph.add_node(
                f"{r},{c}",
                pos=(c * spec.block, -r * spec.block),
                gateway=boundary,
                signal=spec.signals and not boundary,
            )
    for r in range(spec.rows):
        for c in range(spec.columns):
            for dr, dc in ((0, 1), (1, 0)):
                if r + dr < spec.rows and c + dc < spec.columns:
                    a, b = f"{r},{c}", f"{r + dr},{c + dc}"
                    for u, v in ((a, b), (b, a)):
                        graph.add_edge(
                            u,
                            v,
                            length=spec.block,
                            lanes=spec.lanes,
                            speed_limit=spec.speed_limit,
                        )
    _defaults(graph)
    return graph


def corridor(spec: Corridor) -> nx.DiGraph:
    """An eastbound motorway `m0 -> m1 -> ...` with an off- and an on-ramp at every inner
    junction to a local road `l0 -> l1 -> ...` alongside (if `parallel_road`)."""
    graph = nx.DiGraph(kind="corridor")
    sections = max(1, round(spec.length / spec.ramp_spacing))
    section = spec.length / sections
    for k in range(sections + 1):
        end = k in (0, sections)
        graph.add_node(f"m{k}", pos=(k * section, 0.0), gateway=end)
        if spec.parallel_road:
            graph.add_node(f"l{k}", pos=(k * section, -spec.ramp_length), gateway=end)
    for k in range(sections):
        graph.add_edge(
            f"m{k}", f"m{k + 1}", length=section, lanes=spec.lanes, speed_limit=spec.speed_limit
        )
        if spec.parallel_road:
            graph.add_edge(
                f"l{k}", f"l{k + 1}", length=section, lanes=1, speed_limit=spec.ramp_speed_limit
            )
    if spec.parallel_road:
        for k in range(1, sections):
            ramp = {"length": spec.ramp_length, "lanes": 1, "speed_limit": spec.ramp_speed_limit}
            graph.add_edge(f"m{k}", f"l{k}", **ramp)
            graph.add_edge(f"l{k}", f"m{k}", **ramp)
    _defaults(graph)
    return graph


def load_graph(spec: GraphFile, base: Path | None = None) -> nx.DiGraph:
    """A road graph from GraphML or an edge list (`u v {"length": 300, "lanes": 2}`)."""
    path = spec.path if base is None or spec.path.is_absolute() else base / spec.path
    form = spec.format or ("graphml" if path.suffix.lower() == ".graphml" else "edgelist")
    if form == "graphml":
        graph = nx.DiGraph(nx.read_graphml(path))
    else:
        graph = nx.read_edgelist(path, create_using=nx.DiGraph, nodetype=str)
    graph.graph["kind"] = "file"
    for _, _, data in graph.edges(data=True):
        data["length"] = float(data["length"])
        data["lanes"] = int(data.get("lanes", 1))
        data["speed_limit"] = float(data.get("speed_limit", DEFAULT_SPEED_LIMIT))
    if not any("pos" in d for _, d in graph.nodes(data=True)):
        for node, xy in nx.spring_layout(graph.to_undirected(), seed=0).items():
            graph.nodes[node]["pos"] = (float(xy[0]) * 1000, float(xy[1]) * 1000)
    for _, data in graph.nodes(data=True):
        if isinstance(data.get("pos"), str):  # GraphML stores tuples as text
            data["pos"] = tuple(float(v) for v in data["pos"].strip("()").split(","))
    _defaults(graph)
    return graph


def build_graph(spec: Network, base: Path | None = None) -> nx.DiGraph:
    """The road graph a scenario's `network` describes."""
    if isinstance(spec, RingRoad):
        return ring_road(spec)
    if isinstance(spec, GridCity):
        return grid_city(spec)
    if isinstance(spec, Corridor):
        return corridor(spec)
    return load_graph(spec, base)


def _flag(value: object) -> bool:
    """A node flag as stored by a generator (bool) or read from a file (text)."""
    return str(value).lower() in ("true", "1")


def _defaults(graph: nx.DiGraph) -> None:
    """Nodes without `signal` are unsignalised; without any `gateway`, every node is one."""
    any_gateway = any(_flag(d.get("gateway")) for _, d in graph.nodes(data=True))
    for _, data in graph.nodes(data=True):
        data["signal"] = _flag(data.get("signal", False))
        data["gateway"] = _flag(data.get("gateway", not any_gateway))
