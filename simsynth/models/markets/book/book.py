"""`OrderBook`: a limit order book with price-time priority, matched by a numba kernel.

The book owns its arrays and buffers; callers hand it batches of instructions (`Orders`) and
get back a result per instruction and the trades. It knows nothing of time or events: the
models stamp and record what it returns. Capacity grows as needed (nodes and trade buffer
double by copy); the tick range is fixed at construction.
"""

from __future__ import annotations

import numpy as np

from simsynth.models.markets.book import kernels
from simsynth.models.markets.book.orders import (
    ALL,
    BUY,
    CANCEL,
    CODE,
    LIMIT,
    MARKET,
    MODIFY,
    SELL,
    Depth,
    Level,
    Orders,
    Result,
    Results,
    Snapshot,
    Trades,
)
from simsynth.models.markets.book.state import BookState, new_state, with_more_nodes

Side = int
"""BUY or SELL."""


def _no_trades() -> Trades:
    columns = [np.empty(0, np.int64) for _ in range(kernels.TRADE_FIELDS - 1)]
    trades = Trades(*columns, np.empty(0, CODE))
    for column in trades:
        column.flags.writeable = False
    return trades


NO_TRADES = _no_trades()
"""What an instruction that traded nothing returns (shared, read-only)."""


class OrderBook:
    """A limit order book over the integer prices `min_price` to `max_price` (ticks).

    Memory: 32 bytes per tick of the range, about 88 per resting order. Not thread-safe.

    Args:
        min_price: the lowest price an order may have, in ticks.
        max_price: the highest price an order may have, in ticks.
        capacity: resting orders (and trades per batch) to make room for at first; the book
            grows past it by doubling.
    """

    def __init__(self, min_price: int, max_price: int, *, capacity: int = 1024):
        if max_price < min_price:
            raise ValueError('"max_price" must be >= "min_price".')
        if capacity < 1:
            raise ValueError('"capacity" must be >= 1.')
        self.min_price, self.max_price = int(min_price), int(max_price)
        self._state: BookState = new_state(
            self.min_price, self.max_price - self.min_price + 1, capacity
        )
        self._trades = np.empty((kernels.TRADE_FIELDS, capacity), np.int64)
        self._one = Orders.of([LIMIT], [BUY], [0], [0], [0], [0])  # reused by single orders
        self._one_result = np.empty((kernels.RESULT_FIELDS, 1), np.int64)

    def submit(self, orders: Orders) -> tuple[Results, Trades]:
        """Carry out a batch of instructions in order; their results and the trades made."""
        orders = orders.canonical()
        results = np.empty((kernels.RESULT_FIELDS, orders.size), np.int64)
        count = self._process(orders, results)
        return Results(results[0].astype(CODE), *results[1:]), self._made(count)

    def _process(self, orders: Orders, results: np.ndarray) -> int:
        """Run the kernel over the whole batch, growing the book or the trade buffer whenever it
        stops for want of room; return the number of trades made."""
        start, count = 0, 0
        while True:
            start, count, stop = kernels.process(
                *orders, start, *self._state, results, self._trades, count
            )
            if stop == kernels.DONE:
                return count
            self.grow(stop)

    # For kernels that drive the book themselves (they call `kernels.process` on its arrays):

    @property
    def state(self) -> BookState:
        """The book's arrays (replaced, not resized, when the book grows)."""
        return self._state

    @property
    def trade_buffer(self) -> np.ndarray:
        """The buffer `kernels.process` writes fills into (rows: the fields of `Trades`)."""
        return self._trades

    def grow(self, stop: int) -> None:
        """Make the room `kernels.process` stopped for (NEED_NODES or NEED_TRADES)."""
        if stop == kernels.NEED_NODES:
            self._state = with_more_nodes(self._state)
        elif stop == kernels.NEED_TRADES:
            self._trades = np.concatenate([self._trades, np.empty_like(self._trades)], axis=1)
        else:
            raise ValueError(f"nothing to grow for stop code {stop}")

    def trades_from_buffer(self, count: int) -> Trades:
        """Copies of the first `count` fills of the trade buffer."""
        return self._made(count)

    def resting(self) -> tuple[np.ndarray, np.ndarray]:
        """Order ids and trader ids of every resting order (bids high to low, then asks low to
        high, each level in time priority)."""
        size = len(self)
        order_ids, trader_ids = np.empty(size, np.int64), np.empty(size, np.int64)
        kernels.resting(
            self._state.header, self._state.levels, self._state.nodes, order_ids, trader_ids
        )
        return order_ids, trader_ids

    def _made(self, count: int) -> Trades:
        """Copies of the first `count` trades of the buffer."""
        if count == 0:
            return NO_TRADES
        made = self._trades[:, :count]
        return Trades(*made[:-1].copy(), made[-1].astype(CODE))

    def _single(
        self, kind: int, side: int, price: int, quantity: int, order_id: int, trader_id: int
    ) -> tuple[Result, Trades]:
        one = self._one
        one.kind[0], one.side[0], one.price[0] = kind, side, price
        one.quantity[0], one.order_id[0], one.trader_id[0] = quantity, order_id, trader_id
        count = self._process(one, self._one_result)
        return Result._make(self._one_result[:, 0].tolist()), self._made(count)

    def limit(
        self, order_id: int, side: Side, price: int, quantity: int, trader_id: int = 0
    ) -> tuple[Result, Trades]:
        """Buy or sell up to `quantity` at `price` or better; the rest rests."""
        return self._single(LIMIT, side, price, quantity, order_id, trader_id)

    def market(
        self, order_id: int, side: Side, quantity: int, trader_id: int = 0
    ) -> tuple[Result, Trades]:
        """Buy or sell up to `quantity` at any price; what the book cannot fill is dropped."""
        return self._single(MARKET, side, 0, quantity, order_id, trader_id)

    def cancel(self, order_id: int, quantity: int = ALL) -> tuple[Result, Trades]:
        """Take `quantity` (by default all) off a resting order; a partial cancel keeps its
        time priority."""
        return self._single(CANCEL, BUY, 0, quantity, order_id, 0)

    def modify(self, order_id: int, price: int, quantity: int) -> tuple[Result, Trades]:
        """Set a resting order's price and open quantity: a decrease at the same price keeps
        its priority; anything else replaces it (a new limit order with the same id)."""
        return self._single(MODIFY, BUY, price, quantity, order_id, 0)

    def best_bid(self) -> int | None:
        """The highest bid price, None when there are no bids."""
        level = int(self._state.header[kernels.BEST + BUY])
        return None if level < 0 else level + self.min_price

    def best_ask(self) -> int | None:
        """The lowest ask price, None when there are no asks."""
        level = int(self._state.header[kernels.BEST + SELL])
        return None if level >= self._state.levels.shape[1] else level + self.min_price

    def depth(self, side: Side, levels: int) -> Depth:
        """The best `levels` price levels of `side` (fewer if it has fewer), best first."""
        if side not in (BUY, SELL):
            raise ValueError('"side" must be BUY (0) or SELL (1).')
        found = Depth(*(np.empty(max(levels, 0), np.int64) for _ in range(3)))
        count = kernels.depth(self._state.header, self._state.levels, side, levels, *found)
        return Depth(*(column[:count] for column in found))

    def resting_quantity(self, order_id: int) -> int:
        """The open quantity of a resting order, 0 if `order_id` is not resting."""
        node = kernels.find_node(self._state.index, order_id)
        return 0 if node == kernels.NIL else int(self._state.nodes[kernels.QUANTITY, node])

    def __len__(self) -> int:
        """The number of resting orders."""
        header = self._state.header
        return int(header[kernels.RESTING_ORDERS + BUY] + header[kernels.RESTING_ORDERS + SELL])

    def snapshot(self) -> Snapshot:
        """Every resting order by level, in time priority (slow: for tests and inspection)."""
        levels, nodes = self._state.levels, self._state.nodes
        bids: list[Level] = []
        asks: list[Level] = []
        for level in np.flatnonzero(levels[kernels.ORDERS]):
            node = int(levels[kernels.HEAD, level])
            side = int(nodes[kernels.SIDE, node])
            orders = []
            while node != kernels.NIL:
                orders.append(
                    (int(nodes[kernels.ORDER_ID, node]), int(nodes[kernels.QUANTITY, node]))
                )
                node = int(nodes[kernels.NEXT, node])
            (bids if side == BUY else asks).append(Level(int(level) + self.min_price, orders))
        return Snapshot(bids[::-1], asks)
