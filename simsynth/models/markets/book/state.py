"""The order book's arrays: how they are allocated and grown.

See `kernels` for what each row means. Nodes and the order-id map grow by copy (doubling) when
the book runs out of nodes; levels never grow: the tick range is fixed at construction.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from simsynth.models.markets.book import kernels
from simsynth.models.markets.book.orders import BUY, SELL


class BookState(NamedTuple):
    """Everything the matching kernel reads and writes about the book."""

    header: np.ndarray
    levels: np.ndarray
    nodes: np.ndarray
    index: np.ndarray


def new_state(min_price: int, levels: int, capacity: int) -> BookState:
    """An empty book of `levels` ticks from `min_price`, with room for `capacity` orders."""
    header = np.zeros(kernels.HEADER_SIZE, np.int64)
    header[kernels.BEST + BUY] = -1
    header[kernels.BEST + SELL] = levels
    header[kernels.FREE_NODE] = 0
    header[kernels.MIN_PRICE] = min_price
    level_arrays = np.zeros((kernels.LEVEL_FIELDS, levels), np.int64)
    level_arrays[[kernels.HEAD, kernels.TAIL]] = kernels.NIL
    return BookState(header, level_arrays, _free_nodes(0, capacity), _empty_index(capacity))


def _free_nodes(first: int, count: int) -> np.ndarray:
    """Nodes `first` to `first + count - 1`, chained in one list of free nodes."""
    nodes = np.zeros((kernels.NODE_FIELDS, count), np.int64)
    nodes[kernels.NEXT] = np.arange(first + 1, first + count + 1)
    nodes[kernels.NEXT, -1] = kernels.NIL
    return nodes


def _empty_index(capacity: int) -> np.ndarray:
    """An empty order-id map with at least two slots per node (a power of two)."""
    index = np.empty((kernels.INDEX_FIELDS, 1 << (2 * capacity - 1).bit_length()), np.int64)
    index[kernels.KEY] = kernels.EMPTY
    return index


def with_more_nodes(state: BookState) -> BookState:
    """The same book with twice as many nodes (the new ones free) and a map to match."""
    capacity = state.nodes.shape[1]
    added = _free_nodes(capacity, capacity)
    added[kernels.NEXT, -1] = state.header[kernels.FREE_NODE]
    state.header[kernels.FREE_NODE] = capacity
    index = _empty_index(2 * capacity)
    kernels.rehash(state.index, index)
    return state._replace(nodes=np.concatenate([state.nodes, added], axis=1), index=index)
