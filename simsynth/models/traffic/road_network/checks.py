"""What `validate` says about a road network scenario beyond its keys: incident sites missing
from the road graph (errors), and speeds the model rounds to whole cells per second (warnings).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import networkx as nx

from simsynth.models.traffic.road_network.graphs import build_graph
from simsynth.models.traffic.road_network.params import (
    CELL_LENGTH,
    Corridor,
    GraphFile,
    RoadNetworkParams,
)
from simsynth.models.traffic.road_network.roads import cells_per_second, link_name
from simsynth.registry import suggest

if TYPE_CHECKING:
    from simsynth.scenario.schema import Incident

KeyMessage = tuple[tuple[str | int, ...], str]
"""(key path in the scenario, message)."""

KMH_STEP = CELL_LENGTH * 3.6
"""km/h of one cell per second: the step between the speeds the model runs."""
ROUNDING = f"the model moves whole {CELL_LENGTH:g} m cells per second: {KMH_STEP:g} km/h steps"
EXAMPLES = 3
"""Names a message about an unknown site lists."""


def site_problems(params: RoadNetworkParams, incidents: Sequence[Incident]) -> list[KeyMessage]:
    """Incident sites (each value a distribution can take) and demand junctions that are not
    in the road graph, with the closest name and a few that are."""
    graph = build_graph(params.network)
    nodes = sorted(str(n) for n in graph.nodes)
    links = sorted(link_name(u, v) for u, v in graph.edges)
    signals = sorted(str(n) for n, signal in graph.nodes(data="signal") if signal)
    problems = []
    for index, incident in enumerate(incidents):
        path = ("incidents", index, "params")
        sites = {"link": (links, "link")}
        if incident.kind == "signal_failure":
            sites["junction"] = (signals, "signalised junction")
        if incident.kind == "weather":
            sites["center"] = (nodes, "junction")
        for key, (known, what) in sites.items():
            for name in _values(incident.params, key):
                problems += _unknown((*path, key), name, known, what)
    for key in ("origins", "destinations"):
        for index, name in enumerate(getattr(params.demand, key) or []):
            problems += _unknown(("params", "demand", key, index), name, nodes, "junction")
    return problems


def _values(params: Any, key: str) -> list[Any]:
    """The values a param may take: every choice of a distribution, or its one value."""
    form = getattr(params, "forms", {}).get(key)
    values = form.extremes() if form is not None else [getattr(params, key, None)]
    return [value for value in values if value is not None]


def _unknown(
    path: tuple[str | int, ...], name: str, known: list[str], what: str
) -> list[KeyMessage]:
    if name in known:
        return []
    examples = ", ".join(f"'{k}'" for k in known[:EXAMPLES]) or "none in this network"
    return [(path, f"no {what} '{name}' in the road graph{suggest(name, known)} (e.g. {examples})")]


def speed_warnings(params: RoadNetworkParams) -> list[KeyMessage]:
    """Speeds the scenario sets that the model runs rounded to whole cells per second: the
    network's speed limits (a graph file's too, set or default), then `near_miss_speed`."""
    network = params.network
    near_miss = _rounded_here([("near_miss_speed", params, ("params",))])
    if isinstance(network, GraphFile):
        return _file_speed_warnings(network) + near_miss
    speeds = ["speed_limit"] + (["ramp_speed_limit"] if isinstance(network, Corridor) else [])
    return _rounded_here([(name, network, ("params", "network")) for name in speeds]) + near_miss


def _rounded_here(fields: list[tuple[str, Any, tuple[str, ...]]]) -> list[KeyMessage]:
    """A warning per speed field the file sets (not defaults) that the model rounds."""
    warnings = []
    for name, owner, path in fields:
        kmh = getattr(owner, name)
        if name in owner.model_fields_set and (rounded := _rounded(kmh)) is not None:
            warnings.append(((*path, name), f"{kmh:g} km/h runs as {rounded:g} km/h ({ROUNDING})"))
    return warnings


def _file_speed_warnings(network: GraphFile) -> list[KeyMessage]:
    """One warning for the speed limits of a graph file's links that the model rounds."""
    graph: nx.DiGraph = build_graph(network)
    counts = Counter(float(kmh) for _, _, kmh in graph.edges(data="speed_limit"))
    changes = [(kmh, _rounded(kmh), n) for kmh, n in sorted(counts.items())]
    parts = [
        f"{kmh:g} km/h runs as {new:g} km/h ({n:,} link{'s' if n > 1 else ''})"
        for kmh, new, n in changes
        if new
    ]
    if not parts:
        return []
    return [(("params", "network", "path"), f"speed limits: {'; '.join(parts)} ({ROUNDING})")]


def _rounded(kmh: float) -> float | None:
    """The speed `kmh` runs at, if that is not `kmh` itself."""
    runs = cells_per_second(kmh) * KMH_STEP
    return None if abs(runs - kmh) < 1e-9 * max(1.0, kmh) else runs
