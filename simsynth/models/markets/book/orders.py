"""What goes into and comes out of the order book: instruction codes and column types.

A batch of instructions, the per-instruction results and the trades are each a NamedTuple of
equally long numpy arrays (struct of arrays), so that the matching kernel reads and writes them
without a Python object per order. Prices are integer ticks, quantities integer units.

Instructions (`kind`), each with `order_id` (>= 0) and `quantity` (> 0):

* `LIMIT`: buy or sell up to `quantity` at `price` or better; what does not trade rests on the
  book. Its `order_id` must not be resting already.
* `MARKET`: buy or sell up to `quantity` at any price; what the book cannot fill is dropped
  (never rests). `price` is ignored.
* `CANCEL`: take up to `quantity` off the resting order `order_id` (pass `ALL` or any amount
  >= what rests to cancel it entirely). A partial cancel keeps the order's time priority.
  `side`, `price` and `trader_id` are ignored.
* `MODIFY`: set the resting order `order_id` to `price` and `quantity` (its new open
  quantity). Same price and no more quantity: reduced in place, priority kept. A price change or
  a larger quantity: cancel and replace by a new limit order with the same id, side and trader,
  which loses its priority (and may trade at once). `side` and `trader_id` are ignored.

Checks, in this order, each rejecting with its own negative status: kind and side known
(`REJECTED_KIND`), `quantity` > 0, `order_id` >= 0, `price` within the book's range (limit and
modify), `order_id` not resting (limit) or resting (cancel and modify).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

LIMIT, MARKET, CANCEL, MODIFY = 0, 1, 2, 3
"""Instruction kinds."""
BUY, SELL = 0, 1
"""Sides. A trade's aggressor is the side of the incoming (taker) order."""
ALL = np.iinfo(np.int64).max
"""A cancel quantity that takes off whatever rests."""

FILLED = 0
"""The order traded its whole quantity."""
RESTING = 1
"""A limit order (or a replacing modify) rests with `remaining` > 0, after trading `filled`."""
DROPPED = 2
"""A market order the book could not fill entirely; the rest (`cancelled`) was dropped."""
CANCELLED = 3
"""A cancel took the order off the book (`cancelled` is what it took off)."""
REDUCED = 4
"""A cancel or modify reduced the order in place; it keeps its time priority."""

REJECTED_KIND = -1
"""Unknown kind, or a limit or market order whose side is neither BUY nor SELL."""
REJECTED_QUANTITY = -2
"""`quantity` <= 0."""
REJECTED_ID = -3
"""`order_id` < 0."""
REJECTED_PRICE = -4
"""A limit or modify price outside the book's tick range."""
REJECTED_DUPLICATE_ID = -5
"""A limit order whose `order_id` is already resting."""
REJECTED_UNKNOWN_ID = -6
"""A cancel or modify of an `order_id` that is not resting (never was, filled or cancelled)."""

STATUS_NAMES = {
    FILLED: "filled",
    RESTING: "resting",
    DROPPED: "dropped",
    CANCELLED: "cancelled",
    REDUCED: "reduced",
    REJECTED_KIND: "rejected: kind or side",
    REJECTED_QUANTITY: "rejected: quantity <= 0",
    REJECTED_ID: "rejected: order id < 0",
    REJECTED_PRICE: "rejected: price out of range",
    REJECTED_DUPLICATE_ID: "rejected: order id already resting",
    REJECTED_UNKNOWN_ID: "rejected: order id not resting",
}

CODE = np.int8
"""dtype of kinds, sides and statuses; everything else is int64."""


class Orders(NamedTuple):
    """A batch of instructions, processed in array order."""

    kind: np.ndarray
    side: np.ndarray
    price: np.ndarray
    quantity: np.ndarray
    order_id: np.ndarray
    trader_id: np.ndarray

    @classmethod
    def of(
        cls,
        kind: Sequence[int] | np.ndarray,
        side: Sequence[int] | np.ndarray,
        price: Sequence[int] | np.ndarray,
        quantity: Sequence[int] | np.ndarray,
        order_id: Sequence[int] | np.ndarray,
        trader_id: Sequence[int] | np.ndarray | None = None,
    ) -> Orders:
        """A batch from columns (trader ids default to 0), as contiguous arrays of the kernel's
        dtypes (the columns themselves when they already are)."""
        if trader_id is None:
            trader_id = np.zeros(len(kind), np.int64)
        batch = cls(
            np.ascontiguousarray(kind, CODE),
            np.ascontiguousarray(side, CODE),
            *(
                np.ascontiguousarray(column, np.int64)
                for column in (price, quantity, order_id, trader_id)
            ),
        )
        if len({len(column) for column in batch}) > 1:
            raise ValueError("Orders columns must all have the same length.")
        return batch

    @property
    def size(self) -> int:
        """The number of orders (`len` is the number of columns, as for any tuple)."""
        return len(self.kind)

    def canonical(self) -> Orders:
        """The same batch in the kernel's dtypes, contiguous (copies only what needs it)."""
        return Orders.of(*self)


class Results(NamedTuple):
    """One row per instruction of a batch."""

    status: np.ndarray
    """FILLED, RESTING, DROPPED, CANCELLED, REDUCED or a negative REJECTED_* code."""
    filled: np.ndarray
    """Quantity the instruction traded (as taker)."""
    remaining: np.ndarray
    """Quantity of the order resting on the book after the instruction."""
    cancelled: np.ndarray
    """Quantity taken off without trading: cancelled, reduced, replaced by a modify, or a
    market order's dropped rest."""
    best_bid: np.ndarray
    """The best bid just after the instruction; `min_price - 1` when there are no bids."""
    best_ask: np.ndarray
    """The best ask just after the instruction; `max_price + 1` when there are no asks."""

    @property
    def size(self) -> int:
        """The number of instructions."""
        return len(self.status)

    def row(self, index: int) -> Result:
        """The result of one instruction, as Python ints."""
        return Result(*(int(column[index]) for column in self))


class Result(NamedTuple):
    """The result of a single instruction (see `Results`)."""

    status: int
    filled: int
    remaining: int
    cancelled: int
    best_bid: int
    best_ask: int


class Trades(NamedTuple):
    """One row per fill, in the order they happened."""

    order_index: np.ndarray
    """Index in the batch of the incoming (taker) instruction."""
    maker_order_id: np.ndarray
    taker_order_id: np.ndarray
    maker_trader_id: np.ndarray
    taker_trader_id: np.ndarray
    price: np.ndarray
    """The resting (maker) order's price."""
    quantity: np.ndarray
    aggressor: np.ndarray
    """Side of the taker: BUY or SELL."""

    @property
    def size(self) -> int:
        """The number of trades."""
        return len(self.order_index)


class Depth(NamedTuple):
    """The best levels of one side, best first."""

    price: np.ndarray
    quantity: np.ndarray
    """Total resting quantity at the level."""
    orders: np.ndarray
    """Number of resting orders at the level."""


class Level(NamedTuple):
    """One price level of a `Snapshot`: its resting orders first to last in time priority."""

    price: int
    orders: list[tuple[int, int]]
    """(order_id, quantity) pairs."""


class Snapshot(NamedTuple):
    """The whole book: bids from the highest price down, asks from the lowest up."""

    bids: list[Level]
    asks: list[Level]
