"""Panels of a card-network run as recorded up to a moment: hourly volume with the share labelled
positive, the card holder ↔ merchant graph around the latest episode, and the amounts of normal
and fraudulent payments (see `simsynth.view.panels`)."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simsynth.models.customers.card_network.figures import plot_amounts, plot_hourly_volume
from simsynth.units import Seconds, time_axis
from simsynth.view.panels import Panel, mark_now, panel_figure
from simsynth.view.source import RunSource

ROLE_COLORS = {
    "normal": "0.75",
    "churner": "tab:purple",
    "victim": "tab:orange",
    "fraudster": "tab:red",
}
"""Edge colour by role, least to most severe: an edge takes its most severe transaction's."""
HOLDER_CAP = 40
"""Most card holders drawn: those with the most of the episode's transactions."""
MERCHANT_CAP = 40
"""Most merchants drawn: the episode's own first, then the busiest with the holders drawn."""
SEVERITY = {role: rank for rank, role in enumerate(ROLE_COLORS)}
GRAPH_COLUMNS = ["time", "entity_id", "merchant_id", "episode_id", "role"]


def panels(source: RunSource) -> list[Panel]:
    """The card network's panels."""
    return [
        Panel("Transactions", draw_volume),
        Panel("Episode graph", draw_episode_graph),
        Panel("Amounts", draw_amounts),
    ]


def draw_volume(source: RunSource, now: Seconds) -> Figure:
    """Transactions per hour so far and the share labelled positive, episodes shaded."""
    figure = panel_figure(height=3.6)
    axis = figure.add_subplot()
    scale, unit = time_axis(source.duration)
    events = source.events(now)[["time", "label"]]
    total, labelled = plot_hourly_volume(
        axis, events, source.episodes(now), source.duration, (scale, unit), bars=False
    )
    mark_now(axis, now, scale)
    axis.set_title(f"Transactions per hour ({total}) and share labelled positive ({labelled})")
    return figure


def draw_amounts(source: RunSource, now: Seconds) -> Figure:
    """Amounts of the normal and fraudulent payments so far."""
    figure = panel_figure(height=3.6)
    axis = figure.add_subplot()
    plot_amounts(axis, source.events(now)[["amount", "role"]])
    axis.set_title("Amounts of normal vs fraudulent payments so far (share of each group)")
    return figure


@dataclass(frozen=True)
class EpisodeGraph:
    """The card holders of an episode and the merchants they paid, as recorded so far."""

    episode: pd.Series
    """The episode's row of the episodes table."""
    holders: np.ndarray
    """The holders drawn (entity ids), at most `HOLDER_CAP` of `holders_total`."""
    holders_total: int
    merchants: np.ndarray
    """The merchants drawn, at most `MERCHANT_CAP` of `merchants_total`."""
    merchants_total: int
    edges: pd.DataFrame
    """entity_id, merchant_id, transactions and the most severe role of each pair drawn."""

    def graph(self) -> nx.Graph:
        """The bipartite graph: nodes ("holder", id) and ("merchant", id)."""
        graph = nx.Graph()
        graph.add_nodes_from((("holder", int(h)) for h in self.holders), side=0)
        graph.add_nodes_from((("merchant", int(m)) for m in self.merchants), side=1)
        for holder, merchant, count, role in self.edges.itertuples(index=False):
            graph.add_edge(("holder", holder), ("merchant", merchant), count=count, role=role)
        return graph


def episode_graph(events: pd.DataFrame, episodes: pd.DataFrame) -> EpisodeGraph | None:
    """The graph around the latest-starting episode with labelled transactions among `events`
    (None if there is none): its holders, the merchants they paid and how."""
    episode_ids = events["episode_id"].to_numpy()
    candidates = episodes[episodes["episode_id"].isin(np.unique(episode_ids[episode_ids >= 0]))]
    if candidates.empty:
        return None
    episode = candidates.sort_values(["start_time", "episode_id"]).iloc[-1]
    own = episode_ids == episode["episode_id"]
    per_holder = events.loc[own, "entity_id"].value_counts()
    holders = _top(per_holder, HOLDER_CAP)
    paid = events[events["entity_id"].isin(holders)]
    per_merchant = paid["merchant_id"].value_counts()
    own_merchants = paid.loc[paid["episode_id"] == episode["episode_id"], "merchant_id"]
    merchants = _top(per_merchant, MERCHANT_CAP, first=own_merchants)
    drawn = paid[paid["merchant_id"].isin(merchants)]
    severity = drawn["role"].astype(str).map(SEVERITY).to_numpy()
    edges = (
        drawn.assign(severity=severity)
        .groupby(["entity_id", "merchant_id"], as_index=False)
        .agg(transactions=("time", "size"), severity=("severity", "max"))
    )
    edges["role"] = np.array(list(ROLE_COLORS))[edges.pop("severity").to_numpy()]
    return EpisodeGraph(
        episode, holders, len(per_holder), merchants, len(per_merchant), edges.astype({"role": str})
    )


def _top(counts: pd.Series, cap: int, first: pd.Series | None = None) -> np.ndarray:
    """The ids (index) of the `cap` largest counts, those in `first` ahead, ties by id."""
    ids = counts.index.to_numpy()
    ahead = np.isin(ids, first.to_numpy() if first is not None else [])
    order = np.lexsort((ids, -counts.to_numpy(), ~ahead))
    return np.sort(ids[order[:cap]])


def draw_episode_graph(source: RunSource, now: Seconds) -> Figure:
    """Card holders of the latest episode with labelled transactions so far and the merchants
    they paid, edges coloured by the most severe role of the pair's transactions."""
    figure = panel_figure(height=5.0)
    axis = figure.add_subplot()
    axis.set_axis_off()
    found = episode_graph(source.events(now)[GRAPH_COLUMNS], source.episodes(now))
    if found is None:
        axis.text(
            0.5,
            0.5,
            "No episode with labelled transactions yet",
            ha="center",
            va="center",
            transform=axis.transAxes,
        )
        axis.set_title("Card holders and merchants around the latest episode")
        return figure
    _draw_graph(axis, found)
    episode_id, kind, start = found.episode[["episode_id", "kind", "start_time"]]
    scale, unit = time_axis(source.duration)
    axis.set_title(
        f"Episode {episode_id} ({kind}, from {start / scale:.3g} {unit}):\n"
        "its card holders and the merchants they paid so far",
        fontsize=10,
    )
    return figure


def _draw_graph(axis: Axes, found: EpisodeGraph) -> None:
    graph = found.graph()
    layout = nx.spring_layout(graph, seed=0)
    edges = found.edges
    for role, color in ROLE_COLORS.items():
        pairs = edges.loc[edges["role"] == role, ["entity_id", "merchant_id"]]
        edgelist = [(("holder", h), ("merchant", m)) for h, m in pairs.itertuples(index=False)]
        if edgelist:
            nx.draw_networkx_edges(
                graph,
                layout,
                edgelist,
                width=0.6 if role == "normal" else 1.4,
                edge_color=color,
                ax=axis,
                label=f"{role} ({len(edgelist)})",
            )
    holders = [("holder", int(h)) for h in found.holders]
    merchants = [("merchant", int(m)) for m in found.merchants]
    visits = edges.groupby("merchant_id")["transactions"].sum()
    sizes = 12 + 4 * np.sqrt(visits.reindex(found.merchants, fill_value=0).to_numpy())
    nx.draw_networkx_nodes(
        graph,
        layout,
        holders,
        node_size=14,
        node_color="tab:blue",
        ax=axis,
        label=f"card holders ({len(holders)} of {found.holders_total})",
    )
    nx.draw_networkx_nodes(
        graph,
        layout,
        merchants,
        node_size=sizes,
        node_color="0.25",
        node_shape="s",
        ax=axis,
        label=f"merchants ({len(merchants)} of {found.merchants_total})",
    )
    axis.legend(
        loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", title="edges by role (pairs)"
    )
