"""Orders per second of the numba limit order book against an idiomatic pure-Python book.

All contenders carry out the same stream of zero-intelligence orders (drawn beforehand, not
timed) on a book of 10,001 ticks. Orders arrive as limit orders (85 %), priced uniformly over 33
ticks on their side of a fixed mid and reaching 2 ticks past it (so some cross), or market
orders (15 %); quantities 1 to 10, sides even. Each limit order is cancelled after an
exponential lifetime (mean 2,000 arrivals) unless it has filled by then, in which case the
cancel is rejected: cancellation at a constant rate per order, as in Smith & Farmer's model,
which keeps the book bounded (about 1,300 resting orders). The stream is about 46 % limit,
8 % market and 46 % cancel orders; an order is one instruction carried out, rejected or not.

* numba book, one batch: `OrderBook.submit` of the whole stream (a fresh book, growing from
  its default capacity);
* numba book, batches of 100: the same in calls of 100 orders, as a model stepping in time would;
* numba book, one call per order: `OrderBook.limit` / `market` / `cancel` on the first tenth
  of the stream, as an agent acting alone would (the cost is numba's dispatch, not matching);
* reference, pure Python: the way one would write a fast book in plain Python: per side a dict
  from price to a deque of orders and a heap of prices (stale entries skipped), a dict from
  order id to order; cancelled orders are marked and skipped when reached.

Before timing, every contender's trades are checked to be those of the numba book in one batch,
row for row: the reference's and those in batches of 100 over the whole stream, those of one
call per order over its tenth of the stream (against one batch of that tenth).
Figures are printed, never checked.

    python benchmarks/order_book_throughput.py           # 1,000,000 orders
    python benchmarks/order_book_throughput.py --quick   # smoke test, a few seconds
"""

from __future__ import annotations

import heapq
import sys
import tempfile
from collections import deque
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import TIMING, Contender, Figure, check_same_work, measure, parse_options, print_table

from simsynth.models.markets.book import (
    ALL,
    BUY,
    CANCEL,
    LIMIT,
    MARKET,
    SELL,
    OrderBook,
    Orders,
    Trades,
)

MID, TICKS = 5_000, 10_001
BAND, OVERLAP = 33, 2
"""Limit prices: uniform over BAND ticks on their side of MID, reaching OVERLAP past it."""
MARKET_SHARE = 0.15
"""Of the orders that arrive (limit or market), the share of market orders."""
MEAN_LIFETIME = 2_000.0
"""Every limit order is cancelled after an exponential lifetime of this mean, counted in
arriving orders, unless it is filled before."""


@dataclass(frozen=True)
class Size:
    orders: int
    repeats: int


DEFAULT = Size(orders=1_000_000, repeats=3)
QUICK = Size(orders=20_000, repeats=1)


def zero_intelligence_orders(count: int, seed: int = 1) -> Orders:
    """A stream of limit, market and cancel orders around a fixed mid (see the module doc)."""
    rng = np.random.default_rng(seed)
    arrivals = count  # more than needed: the stream is cut at `count` orders
    kind = np.where(rng.random(arrivals) < MARKET_SHARE, MARKET, LIMIT)
    side = rng.integers(BUY, SELL + 1, arrivals)
    offset = rng.integers(-OVERLAP, BAND - OVERLAP, arrivals)  # ticks from the mid, outwards
    price = np.where(side == BUY, MID - offset, MID + offset)
    quantity = rng.integers(1, 11, arrivals)
    limits = np.flatnonzero(kind == LIMIT)
    cancel_at = limits + rng.exponential(MEAN_LIFETIME, limits.size)
    order = np.argsort(np.concatenate([np.arange(arrivals), cancel_at]), kind="stable")[:count]
    is_cancel = order >= arrivals
    source = np.where(is_cancel, limits[np.maximum(order - arrivals, 0)], order)
    return Orders.of(
        np.where(is_cancel, CANCEL, kind[source]),
        side[source],
        price[source],
        np.where(is_cancel, ALL, quantity[source]),
        source,  # an order's id is its place among the arrivals
        rng.integers(0, 1_000, count),
    )


class PythonBook:
    """A limit order book in idiomatic, reasonably fast pure Python (limit, market, cancel)."""

    def __init__(self) -> None:
        self.levels: tuple[dict[int, deque[list[int]]], ...] = ({}, {})
        self.live: tuple[dict[int, int], ...] = ({}, {})  # resting orders per price
        self.heaps: tuple[list[int], ...] = ([], [])  # bids negated: both heaps are min-heaps
        self.orders: dict[int, tuple[int, int, list[int]]] = {}  # id -> (side, price, entry)
        self.trades: list[tuple[int, int, int, int, int, int]] = []

    def best(self, side: int) -> int | None:
        heap, levels = self.heaps[side], self.levels[side]
        while heap:
            price = -heap[0] if side == BUY else heap[0]
            if price in levels:
                return price
            heapq.heappop(heap)
        return None

    def submit(
        self, kind: int, side: int, price: int, quantity: int, order_id: int, trader_id: int
    ) -> None:
        if kind == CANCEL:
            self.cancel(order_id)
            return
        maker = 1 - side
        levels, live = self.levels[maker], self.live[maker]
        while quantity:
            best = self.best(maker)
            if best is None or (kind == LIMIT and (best > price if side == BUY else best < price)):
                break
            queue = levels[best]
            entry = queue[0]  # [order id, trader id, quantity]; quantity 0: cancelled
            traded = min(quantity, entry[2])
            if traded:
                self.trades.append((entry[0], order_id, entry[1], trader_id, best, traded))
                quantity -= traded
                entry[2] -= traded
            if entry[2] == 0:
                queue.popleft()
                if traded:
                    del self.orders[entry[0]]
                    live[best] -= 1
                    if not live[best]:
                        del levels[best], live[best]
        if quantity and kind == LIMIT:
            self.rest(side, price, [order_id, trader_id, quantity])

    def rest(self, side: int, price: int, entry: list[int]) -> None:
        levels = self.levels[side]
        if price not in levels:
            levels[price] = deque()
            self.live[side][price] = 0
            heapq.heappush(self.heaps[side], -price if side == BUY else price)
        levels[price].append(entry)
        self.live[side][price] += 1
        self.orders[entry[0]] = (side, price, entry)

    def cancel(self, order_id: int) -> int:
        """Take what rests of an order off the book; that quantity (0: it no longer rests)."""
        found = self.orders.pop(order_id, None)
        if found is None:
            return 0
        side, price, entry = found
        cancelled, entry[2] = entry[2], 0
        live = self.live[side]
        live[price] -= 1
        if not live[price]:
            del self.levels[side][price], live[price]
        return cancelled


def run_python(columns: list[list[int]]) -> tuple[int, PythonBook]:
    """The whole stream through a fresh `PythonBook`: (orders, the book)."""
    book = PythonBook()
    for row in zip(*columns, strict=True):
        book.submit(*row)
    return len(columns[0]), book


def run_batches(orders: Orders, batch: int) -> int:
    """The whole stream through a fresh numba book, `batch` orders per call."""
    book = OrderBook(0, TICKS - 1)
    for start in range(0, orders.size, batch):
        book.submit(Orders(*(column[start : start + batch] for column in orders)))
    return orders.size


def run_one_by_one(columns: list[list[int]], count: int) -> int:
    """The first `count` orders, each by its own method call."""
    book = OrderBook(0, TICKS - 1)
    limit, market, cancel = book.limit, book.market, book.cancel
    rows = islice(zip(*columns, strict=True), count)
    for kind, side, price, quantity, order_id, trader_id in rows:
        if kind == LIMIT:
            limit(order_id, side, price, quantity, trader_id)
        elif kind == MARKET:
            market(order_id, side, quantity, trader_id)
        else:
            cancel(order_id)
    return count


def trade_rows(trades: Trades) -> np.ndarray:
    """Trades as rows (maker, taker, maker's trader, taker's trader, price, quantity)."""
    return np.column_stack(
        [
            trades.maker_order_id,
            trades.taker_order_id,
            trades.maker_trader_id,
            trades.taker_trader_id,
            trades.price,
            trades.quantity,
        ]
    )


def same_trades(name: str, ours: np.ndarray, theirs: np.ndarray) -> None:
    """Stop unless `theirs` are `ours`, row for row."""
    rows = min(len(ours), len(theirs))
    differing = int(np.count_nonzero((ours[:rows] != theirs[:rows]).any(axis=1)))
    check_same_work(
        f"{name} against the numba book in one batch, row for row",
        ("one batch", name),
        [
            Figure("trades", len(ours), len(theirs), 0),
            Figure("quantity traded", int(ours[:, 5].sum()), int(theirs[:, 5].sum()), 0),
            Figure("trades that differ", 0, differing + abs(len(ours) - len(theirs)), 0),
        ],
    )


def check_same_trades(orders: Orders, columns: list[list[int]], count: int) -> Trades:
    """Every contender makes the one batch's trades: the pure-Python book and batches of 100 on
    the whole stream, one call per order on its first `count` orders. Returns the trades."""
    _, trades = OrderBook(0, TICKS - 1).submit(orders)  # compiles (or loads the cache)
    ours = trade_rows(trades)
    python = np.array(run_python(columns)[1].trades, np.int64).reshape(-1, 6)
    same_trades("pure Python book", ours, python)
    book = OrderBook(0, TICKS - 1)
    batched = [
        trade_rows(book.submit(Orders(*(column[start : start + 100] for column in orders)))[1])
        for start in range(0, orders.size, 100)
    ]
    same_trades("numba book, batches of 100", ours, np.concatenate(batched))
    first = trade_rows(OrderBook(0, TICKS - 1).submit(Orders(*(c[:count] for c in orders)))[1])
    book = OrderBook(0, TICKS - 1)
    calls = {
        LIMIT: lambda i, s, p, q, t: book.limit(i, s, p, q, t),
        MARKET: lambda i, s, p, q, t: book.market(i, s, q, t),
        CANCEL: lambda i, s, p, q, t: book.cancel(i),
    }
    single = [
        trade_rows(calls[kind](order_id, side, price, quantity, trader)[1])
        for kind, side, price, quantity, order_id, trader in islice(
            zip(*columns, strict=True), count
        )
    ]
    same_trades("numba book, one call per order", first, np.concatenate(single))
    return trades


def main() -> None:
    options = parse_options(__doc__.splitlines()[0])
    size = QUICK if options.quick else DEFAULT
    repeats = options.repeats or size.repeats
    orders = zero_intelligence_orders(size.orders)
    columns = [column.tolist() for column in orders]
    trades = check_same_trades(orders, columns, size.orders // 10)
    reference = Contender("pure Python book (reference)", lambda _: run_python(columns)[0])
    contenders = [
        Contender("numba book, one batch", lambda _: run_batches(orders, orders.size)),
        Contender("numba book, batches of 100", lambda _: run_batches(orders, 100)),
        Contender(
            "numba book, one call per order",
            lambda _: run_one_by_one(columns, size.orders // 10),
        ),
        reference,
    ]
    with tempfile.TemporaryDirectory(prefix="simsynth-bench-") as tmp:
        measure(contenders, repeats, Path(tmp))
    results, _ = OrderBook(0, TICKS - 1).submit(orders)
    rejected = np.count_nonzero(results.status < 0) / size.orders
    print_table(
        f"limit order book, {size.orders:,} zero-intelligence orders ({trades.size:,} trades,"
        f" {rejected:.0%} rejected); orders/s, best of {repeats}",
        contenders,
        [reference.name],
        columns=TIMING,
    )


if __name__ == "__main__":
    main()
