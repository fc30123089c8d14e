"""The numba order book against a pure-Python reference, its invariants, and cases by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsynth.models.markets.book import (
    ALL,
    BUY,
    CANCEL,
    CANCELLED,
    DROPPED,
    FILLED,
    LIMIT,
    MARKET,
    MODIFY,
    REDUCED,
    REJECTED_DUPLICATE_ID,
    REJECTED_ID,
    REJECTED_KIND,
    REJECTED_PRICE,
    REJECTED_QUANTITY,
    REJECTED_UNKNOWN_ID,
    RESTING,
    SELL,
    OrderBook,
    Orders,
    Snapshot,
    Trades,
)
from tests.models.markets.reference_book import ReferenceBook

MIN_PRICE, MAX_PRICE = 100, 109
Row = tuple[int, int, int, int, int, int]
"""kind, side, price, quantity, order_id, trader_id."""


@st.composite
def order_streams(draw: st.DrawFn) -> list[Row]:
    """Limit, market, cancel and modify orders on a narrow book, with some invalid ones:
    prices just outside the range, zero quantities, unknown, reused and negative ids.

    Cancels and modifies mostly target recent orders (likelier to rest); modifies often keep
    the order's price (likelier to keep its priority).
    """
    rows: list[Row] = []
    price_of: dict[int, int] = {}
    limit_ids: list[int] = []
    for _ in range(draw(st.integers(0, 80))):
        kind = draw(st.sampled_from([LIMIT] * 5 + [MARKET, CANCEL, CANCEL, MODIFY]))
        side = draw(st.sampled_from([BUY, SELL]))
        price = draw(st.sampled_from(range(MIN_PRICE, MAX_PRICE + 1)))
        quantity = draw(st.integers(1, 6))
        next_id = len(rows)
        order_id = next_id
        if kind in (CANCEL, MODIFY):
            order_id = draw(st.sampled_from([*limit_ids[-8:], next_id]))
        if kind == CANCEL and draw(st.booleans()):
            quantity = ALL
        if kind == MODIFY and draw(st.booleans()):
            price = price_of.get(order_id, price)
        if draw(st.sampled_from(range(20))) == 10:  # now and then, something to reject
            kind, side, price, quantity, order_id = draw(
                st.sampled_from(
                    [
                        (7, side, price, quantity, order_id),
                        (kind, 2, price, quantity, order_id),
                        (kind, side, MIN_PRICE - 1, quantity, order_id),
                        (kind, side, MAX_PRICE + 1, quantity, order_id),
                        (kind, side, price, 0, order_id),
                        (kind, side, price, -3, order_id),
                        (kind, side, price, quantity, -1),
                        (kind, side, price, quantity, max(next_id - 1, 0)),
                    ]
                )
            )
        price_of[order_id] = price
        if kind == LIMIT:
            limit_ids.append(order_id)
        rows.append((kind, side, price, quantity, order_id, draw(st.integers(0, 3))))
    return rows


def batches(rows: list[Row], sizes: list[int]) -> list[list[Row]]:
    """`rows` cut into consecutive batches of the given sizes (the last takes the rest)."""
    cut, start = [], 0
    for size in sizes:
        cut.append(rows[start : start + size])
        start += size
    return [*cut, rows[start:]]


def as_orders(rows: list[Row]) -> Orders:
    if not rows:
        return Orders.of([], [], [], [], [], [])
    return Orders.of(*zip(*rows, strict=True))


def trade_rows(trades: Trades, first_index: int) -> list[tuple[int, ...]]:
    """(order index in the stream, maker id, taker id, maker trader, taker trader, price,
    quantity, aggressor) per trade."""
    columns = [trades.order_index + first_index, *trades[1:]]
    return [tuple(int(value) for value in row) for row in zip(*columns, strict=True)]


def resting_total(snapshot: Snapshot) -> int:
    return sum(qty for level in [*snapshot.bids, *snapshot.asks] for _, qty in level.orders)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=order_streams(),
    sizes=st.lists(st.integers(0, 12), max_size=10),
    capacity=st.sampled_from([1, 3, 64]),
)
def test_book_matches_the_reference_whatever_the_batches(rows, sizes, capacity):
    book = OrderBook(MIN_PRICE, MAX_PRICE, capacity=capacity)
    reference = ReferenceBook(MIN_PRICE, MAX_PRICE)
    entered = traded = cancelled = 0
    arrival: dict[int, int] = {}  # order id -> stream index at which it (re)joined the book
    index = 0
    for batch in batches(rows, sizes):
        results, trades = book.submit(as_orders(batch))
        expected_trades = []
        for offset, row in enumerate(batch):
            result, fills = reference.submit(*row)
            quotes = (reference.best_or(BUY, MIN_PRICE - 1), reference.best_or(SELL, MAX_PRICE + 1))
            assert results.row(offset) == (*result, *quotes), (index + offset, row)
            expected_trades += [(index + offset, *fill) for fill in fills]
            kind, status = row[0], result.status
            if kind in (LIMIT, MARKET) and status >= 0:
                entered += row[3]
                assert result.filled + result.remaining + result.cancelled == row[3]
            if kind == MODIFY and status in (FILLED, RESTING):  # cancel and replace
                entered += row[3]
            if status == RESTING:
                arrival[row[4]] = index + offset
        assert trade_rows(trades, index) == expected_trades
        for offset in range(len(batch)):
            mine = trades.order_index == offset
            assert trades.quantity[mine].sum() == results.filled[offset]
        index += len(batch)
        traded += int(trades.quantity.sum())
        cancelled += int(results.cancelled.sum())
        snapshot = book.snapshot()
        assert snapshot == reference.snapshot()
        check_invariants(book, snapshot, arrival)
        # quantity conservation: everything that entered the book (limit and market quantities,
        # replacing modifies' new quantities) rests, traded on one of two sides, or left it
        # without trading (cancels, reductions, replaced orders, dropped market remainders)
        assert entered == resting_total(snapshot) + 2 * traded + cancelled


def check_invariants(book: OrderBook, snapshot: Snapshot, arrival: dict[int, int]) -> None:
    bid, ask = book.best_bid(), book.best_ask()
    assert bid == (snapshot.bids[0].price if snapshot.bids else None)
    assert ask == (snapshot.asks[0].price if snapshot.asks else None)
    if bid is not None and ask is not None:
        assert bid < ask  # never crossed
    for level in [*snapshot.bids, *snapshot.asks]:
        times = [arrival[order_id] for order_id, _ in level.orders]
        assert times == sorted(times)  # time priority: oldest first
        assert all(qty > 0 for _, qty in level.orders)
    assert len(book) == sum(len(level.orders) for level in [*snapshot.bids, *snapshot.asks])
    for side, levels in ((BUY, snapshot.bids), (SELL, snapshot.asks)):
        depth = book.depth(side, 3)
        assert depth.price.tolist() == [level.price for level in levels[:3]]
        assert depth.quantity.tolist() == [sum(q for _, q in lv.orders) for lv in levels[:3]]
        assert depth.orders.tolist() == [len(level.orders) for level in levels[:3]]


def test_a_buy_fills_across_levels_and_rests_its_remainder():
    book = OrderBook(90, 110)
    book.limit(1, SELL, 101, 5, trader_id=71)
    book.limit(2, SELL, 102, 3, trader_id=72)
    book.limit(3, SELL, 103, 4, trader_id=73)
    result, trades = book.limit(10, BUY, 102, 10, trader_id=9)
    assert result == (RESTING, 8, 2, 0, 102, 103)  # quotes after the order
    assert trade_rows(trades, 0) == [
        (0, 1, 10, 71, 9, 101, 5, BUY),
        (0, 2, 10, 72, 9, 102, 3, BUY),
    ]
    assert (book.best_bid(), book.best_ask()) == (102, 103)
    assert book.snapshot() == ([(102, [(10, 2)])], [(103, [(3, 4)])])


def test_price_then_time_priority():
    book = OrderBook(90, 110)
    book.limit(1, BUY, 100, 2)
    book.limit(2, BUY, 101, 3)
    book.limit(3, BUY, 100, 4)
    result, trades = book.market(20, SELL, 6, trader_id=5)
    assert result[:4] == (FILLED, 6, 0, 0)
    assert trade_rows(trades, 0) == [
        (0, 2, 20, 0, 5, 101, 3, SELL),
        (0, 1, 20, 0, 5, 100, 2, SELL),
        (0, 3, 20, 0, 5, 100, 1, SELL),
    ]
    assert book.snapshot() == ([(100, [(3, 3)])], [])


def test_cancel_of_a_partly_filled_order():
    book = OrderBook(90, 110)
    book.limit(1, SELL, 105, 10)
    assert book.market(2, BUY, 4)[0][:4] == (FILLED, 4, 0, 0)
    assert book.resting_quantity(1) == 6
    result, trades = book.cancel(1)
    assert result == (CANCELLED, 0, 0, 6, 89, 111) and trades.size == 0  # empty: out of range
    assert book.cancel(1)[0].status == REJECTED_UNKNOWN_ID
    assert book.snapshot() == ([], [])
    assert (book.best_bid(), book.best_ask(), len(book)) == (None, None, 0)


def test_partial_cancel_keeps_priority():
    book = OrderBook(90, 110)
    book.limit(1, SELL, 105, 5)
    book.limit(2, SELL, 105, 5)
    assert book.cancel(1, 2)[0][:4] == (REDUCED, 0, 3, 2)
    _, trades = book.market(3, BUY, 4)
    assert trade_rows(trades, 0) == [(0, 1, 3, 0, 0, 105, 3, BUY), (0, 2, 3, 0, 0, 105, 1, BUY)]
    assert book.snapshot() == ([], [(105, [(2, 4)])])


def test_market_order_exhausting_the_book():
    book = OrderBook(90, 110)
    book.limit(1, SELL, 100, 2)
    book.limit(2, SELL, 101, 3)
    result, trades = book.market(3, BUY, 10)
    assert result[:4] == (DROPPED, 5, 0, 5)
    assert trade_rows(trades, 0) == [(0, 1, 3, 0, 0, 100, 2, BUY), (0, 2, 3, 0, 0, 101, 3, BUY)]
    assert book.best_ask() is None
    assert book.market(4, BUY, 1)[0][:4] == (DROPPED, 0, 0, 1)


def test_modify_keeps_priority_only_when_reducing_at_the_same_price():
    book = OrderBook(90, 110)
    for order_id in (1, 2, 3):
        book.limit(order_id, BUY, 100, 5, trader_id=order_id)
    assert book.modify(1, 100, 4)[0][:4] == (REDUCED, 0, 4, 1)
    assert book.modify(2, 100, 6)[0][:4] == (RESTING, 0, 6, 5)  # more: to the back
    assert book.snapshot().bids == [(100, [(1, 4), (3, 5), (2, 6)])]
    assert book.modify(1, 99, 4)[0][:4] == (RESTING, 0, 4, 4)  # new price: a new order
    assert book.snapshot().bids == [(100, [(3, 5), (2, 6)]), (99, [(1, 4)])]
    book.limit(4, SELL, 101, 2, trader_id=8)
    result, trades = book.modify(2, 101, 6)  # crosses: trades as the buyer it was
    assert result[:4] == (RESTING, 2, 4, 6)
    assert trade_rows(trades, 0) == [(0, 4, 2, 8, 2, 101, 2, BUY)]


def test_rejections_leave_the_book_alone():
    book = OrderBook(90, 110)
    book.limit(1, BUY, 100, 5)
    orders = Orders.of(
        kind=[LIMIT, LIMIT, LIMIT, MARKET, CANCEL, MODIFY, LIMIT, 9, LIMIT, MARKET],
        side=[BUY, BUY, SELL, SELL, BUY, BUY, BUY, BUY, 3, SELL],
        price=[89, 111, 100, 0, 0, 120, 100, 100, 100, 0],
        quantity=[1, 1, 0, -1, 1, 1, 1, 1, 1, 1],
        order_id=[2, 3, 4, 5, 77, 1, 1, 6, 7, -2],
    )
    results, trades = book.submit(orders)
    assert results.status.tolist() == [
        REJECTED_PRICE,
        REJECTED_PRICE,
        REJECTED_QUANTITY,
        REJECTED_QUANTITY,
        REJECTED_UNKNOWN_ID,
        REJECTED_PRICE,
        REJECTED_DUPLICATE_ID,
        REJECTED_KIND,
        REJECTED_KIND,
        REJECTED_ID,
    ]
    assert trades.size == 0
    assert not results.filled.any() and not results.remaining.any()
    assert book.snapshot() == ([(100, [(1, 5)])], [])


def test_book_grows_past_its_capacity():
    book = OrderBook(0, 1000, capacity=1)
    count = 300
    prices = np.arange(count) % 50 + 500
    results, _ = book.submit(
        Orders.of([LIMIT] * count, [SELL] * count, prices, [2] * count, np.arange(count))
    )
    assert (results.status == RESTING).all() and len(book) == count
    results, trades = book.submit(Orders.of([MARKET], [BUY], [0], [2 * count], [count]))
    assert results.row(0)[:4] == (FILLED, 2 * count, 0, 0)
    assert trades.size == count
    assert trades.price.tolist() == sorted(prices.tolist())
    assert book.depth(SELL, 5).price.size == 0


def test_depth_lists_levels_best_first():
    book = OrderBook(0, 100)
    for order_id, (side, price, quantity) in enumerate(
        [(BUY, 10, 1), (BUY, 12, 2), (BUY, 10, 3), (SELL, 20, 4), (SELL, 15, 5), (SELL, 60, 6)]
    ):
        book.limit(order_id, side, price, quantity)
    bids = book.depth(BUY, 5)
    assert (bids.price.tolist(), bids.quantity.tolist(), bids.orders.tolist()) == (
        [12, 10],
        [2, 4],
        [1, 2],
    )
    asks = book.depth(SELL, 2)
    assert (asks.price.tolist(), asks.quantity.tolist(), asks.orders.tolist()) == (
        [15, 20],
        [5, 4],
        [1, 1],
    )


def test_submit_takes_columns_of_any_integer_type():
    book = OrderBook(0, 10)
    orders = Orders([LIMIT, MARKET], [SELL, BUY], [5, 0], [3, 2], [1, 2], [7, 8])  # lists
    results, trades = book.submit(orders)
    assert results.status.tolist() == [RESTING, FILLED]
    assert trade_rows(trades, 0) == [(1, 1, 2, 7, 8, 5, 2, BUY)]
    narrow = Orders.of(*(np.array(column, np.int32) for column in ([CANCEL], [0], [0], [5], [1])))
    assert book.submit(narrow)[0].row(0)[:4] == (CANCELLED, 0, 0, 1)


def test_bad_construction_is_refused():
    with pytest.raises(ValueError, match="max_price"):
        OrderBook(10, 9)
    with pytest.raises(ValueError, match="capacity"):
        OrderBook(0, 9, capacity=0)
    with pytest.raises(ValueError, match="same length"):
        Orders.of([LIMIT], [BUY, SELL], [1], [1], [1])
