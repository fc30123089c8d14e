"""The card holders and merchants as arrays (struct of arrays), and their shopping graph.

Everything the transaction kernel reads lives here; Mesa agents point into these arrays by
index. The bipartite holder-merchant graph is kept as a dense (holders, habitual) array,
which is its CSR form with equal row lengths; `shopping_graph` turns it into networkx.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import networkx as nx
import numpy as np

from simsynth.models.customers.card_network.kernels import (
    UNIFORMS_PER_PAYMENT,
    guide_table,
    habitual_merchants,
    transactions,
)
from simsynth.models.customers.card_network.params import CardNetworkParams

CARD_IDS = (10**14, 10**15)
"""Card numbers are random 15-digit integers: nothing in them tells a holder or a history."""
DEVICE_IDS = (1, 2**40)
DAY = 86400.0
"""Device ids are random too, for new devices of honest holders and of fraudsters alike."""


@dataclass
class World:
    """Struct of arrays: one entry per holder, merchant or category."""

    segment_names: tuple[str, ...]
    category_names: tuple[str, ...]
    segment: np.ndarray
    region: np.ndarray
    transactions_per_day: np.ndarray
    amount_multiplier: np.ndarray
    contactless_share: np.ndarray
    credit_limit: np.ndarray
    balance: np.ndarray
    activity: np.ndarray
    """Multiplier of each holder's spending (1; decays to 0 for a churner)."""
    card_id: np.ndarray
    device: np.ndarray
    habits: np.ndarray
    merchant_category: np.ndarray
    merchant_region: np.ndarray
    popularity_cumsum: np.ndarray
    category_mu: np.ndarray
    category_sigma: np.ndarray
    category_online: np.ndarray
    region_offsets: np.ndarray
    region_merchants: np.ndarray
    """Merchants sorted by region; those of region r start at `region_offsets[r]`."""
    away_region: np.ndarray
    """Region a holder is travelling in, -1 at home."""
    _payers: tuple[np.ndarray, np.ndarray] | None = field(default=None, init=False, repr=False)

    def set_activity(self, holder: int, level: float) -> None:
        """Scale a holder's spending (1 normal, 0 stopped)."""
        self.activity[holder] = level

    def payers(self) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative daily payments over holders at full activity and its guide table.

        The kernel picks each payment's holder from these and then keeps it with probability
        the holder's `activity`, so that they never change: a churner leaves the other holders'
        draws, and so their payments, as they were.
        """
        if self._payers is None:
            cumulative = np.cumsum(self.transactions_per_day)
            self._payers = (cumulative, guide_table(cumulative))
        return self._payers

    @property
    def holders(self) -> int:
        return len(self.segment)

    @property
    def merchants(self) -> int:
        return len(self.merchant_category)


def _shares(values: list[float]) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    return array / array.sum()


def build_world(params: CardNetworkParams, rng: np.random.Generator) -> World:
    """Draw holders, merchants and the habitual-shopping graph."""
    segments = list(params.segments.values())
    categories = list(params.categories.values())
    n, m = params.card_holders, params.merchants
    segment = rng.choice(len(segments), size=n, p=_shares([s.share for s in segments]))
    segment = segment.astype(np.int32)
    shape = np.array([s.rate_shape for s in segments])[segment]
    mean_rate = np.array([s.transactions_per_day for s in segments])[segment]
    limit = np.array([s.credit_limit for s in segments])[segment]
    region = rng.integers(0, params.regions, n).astype(np.int32)
    merchant_category = rng.choice(
        len(categories), size=m, p=_shares([c.merchant_share for c in categories])
    ).astype(np.int32)
    merchant_region = rng.integers(0, params.regions, m).astype(np.int32)
    order = np.argsort(merchant_region, kind="stable").astype(np.int32)
    region_offsets = np.searchsorted(merchant_region[order], np.arange(params.regions + 1))
    region_offsets = region_offsets.astype(np.int64)
    habits = habitual_merchants(
        int(rng.integers(2**62)),
        region,
        merchant_region,
        region_offsets,
        order,
        params.habitual_merchants,
        params.local_share,
    )
    degree = np.bincount(habits.ravel(), minlength=m)
    return World(
        segment_names=tuple(params.segments),
        category_names=tuple(params.categories),
        segment=segment,
        region=region,
        transactions_per_day=rng.gamma(shape, mean_rate / shape),
        amount_multiplier=np.array([s.amount_multiplier for s in segments])[segment],
        contactless_share=np.array([s.contactless_share for s in segments])[segment],
        credit_limit=np.round(rng.exponential(limit) + 0.2 * limit, -1),
        balance=np.zeros(n),
        activity=np.ones(n),
        card_id=rng.integers(*CARD_IDS, n),
        device=rng.integers(*DEVICE_IDS, n),
        habits=habits,
        merchant_category=merchant_category,
        merchant_region=merchant_region,
        popularity_cumsum=np.cumsum(degree + 1.0),
        category_mu=np.log([c.amount_median for c in categories]),
        category_sigma=np.array([c.amount_sigma for c in categories]),
        category_online=np.array([c.online_share for c in categories]),
        region_offsets=region_offsets,
        region_merchants=order,
        away_region=np.full(n, -1, np.int32),
    )


class EpisodeLabels(NamedTuple):
    """Which payments the kernel labels: episodes of holders and merchants, and their windows.

    Arrays over episode ids have one more entry, the last, for "no episode" (-1).
    """

    holder_episode: np.ndarray
    merchant_episode: np.ndarray
    label_from: np.ndarray
    label_until: np.ndarray
    role: np.ndarray


class Payments(NamedTuple):
    """A step's payments as event columns, in time order."""

    time: np.ndarray
    holder: np.ndarray
    card_id: np.ndarray
    merchant: np.ndarray
    category: np.ndarray
    channel: np.ndarray
    region: np.ndarray
    home_region: np.ndarray
    device: np.ndarray
    amount: np.ndarray
    approved: np.ndarray
    episode: np.ndarray
    role: np.ndarray


def everyday_payments(
    world: World,
    rng: np.random.Generator,
    pieces: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    habit_share: float,
    decline_rate: float,
    labels: EpisodeLabels,
) -> Payments:
    """The kernel `transactions` over this world (balances updated in place).

    `pieces` are the (start, length, weight) arrays of the hours of the step; a weight is the
    hour's length in seconds times its relative spending (1 for an average hour), so that a
    holder makes `transactions_per_day * activity * sum(weights) / DAY` payments on average.
    """
    cumulative, guide = world.payers()
    total = int(rng.poisson(cumulative[-1] * pieces[2].sum() / DAY))
    spacing = np.cumsum(rng.standard_exponential(total + 1))
    position = spacing[:-1] / spacing[-1]  # sorted uniforms: normalised exponential spacings
    uniform = rng.random((total, UNIFORMS_PER_PAYMENT))
    normal = rng.standard_normal(total)
    return Payments(
        *transactions(
            position,
            uniform,
            normal,
            *pieces,
            cumulative,
            guide,
            world.activity,
            world.habits,
            habit_share,
            world.popularity_cumsum,
            world.merchant_category,
            world.merchant_region,
            world.category_mu,
            world.category_sigma,
            world.category_online,
            world.region,
            world.card_id,
            world.amount_multiplier,
            world.contactless_share,
            world.device,
            world.credit_limit,
            world.balance,
            decline_rate,
            *labels,
            world.away_region,
            world.region_offsets,
            world.region_merchants,
        )
    )


def shopping_graph(world: World) -> nx.Graph:
    """The holder-merchant graph in networkx (nodes `("holder", i)`, `("merchant", j)`)."""
    graph = nx.Graph()
    graph.add_nodes_from((("holder", h) for h in range(world.holders)), bipartite=0)
    graph.add_nodes_from((("merchant", j) for j in range(world.merchants)), bipartite=1)
    graph.add_edges_from(
        (("holder", h), ("merchant", int(j))) for h, row in enumerate(world.habits) for j in row
    )
    return graph
