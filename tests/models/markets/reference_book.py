"""A small pure-Python limit order book, written to be obviously right rather than fast.

The numba `OrderBook` is tested against it. Each side is a dict from price to a deque of its
resting orders, oldest first; the best price is the max (bids) or min (asks) of the dict's keys.
It follows the rules documented in `simsynth.models.markets.book.orders` and shares nothing with
the implementation under test but those codes.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import NamedTuple

from simsynth.models.markets.book.orders import (
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
    Level,
    Snapshot,
)


class Outcome(NamedTuple):
    """What an instruction did (the first four fields of the book's `Result`)."""

    status: int
    filled: int
    remaining: int
    cancelled: int


class Fill(NamedTuple):
    maker_order_id: int
    taker_order_id: int
    maker_trader_id: int
    taker_trader_id: int
    price: int
    quantity: int
    aggressor: int


@dataclass(eq=False)  # orders are compared by identity: deque.remove takes this very order
class Order:
    order_id: int
    trader_id: int
    side: int
    price: int
    quantity: int


class ReferenceBook:
    """Price-time priority over the prices `min_price` to `max_price`."""

    def __init__(self, min_price: int, max_price: int):
        self.min_price, self.max_price = min_price, max_price
        self.levels: dict[int, dict[int, deque[Order]]] = {BUY: {}, SELL: {}}
        self.orders: dict[int, Order] = {}

    def best(self, side: int) -> int | None:
        prices = self.levels[side]
        if not prices:
            return None
        return max(prices) if side == BUY else min(prices)

    def best_or(self, side: int, empty: int) -> int:
        """The best price of `side`, `empty` when it has no orders."""
        best = self.best(side)
        return empty if best is None else best

    def snapshot(self) -> Snapshot:
        def side(prices: list[int], levels: dict[int, deque[Order]]) -> list[Level]:
            return [Level(p, [(o.order_id, o.quantity) for o in levels[p]]) for p in prices]

        bids, asks = self.levels[BUY], self.levels[SELL]
        return Snapshot(side(sorted(bids, reverse=True), bids), side(sorted(asks), asks))

    def submit(
        self, kind: int, side: int, price: int, quantity: int, order_id: int, trader_id: int
    ) -> tuple[Outcome, list[Fill]]:
        """One instruction: its result and its fills."""
        rejection = self._rejection(kind, side, price, quantity, order_id)
        if rejection:
            return Outcome(rejection, 0, 0, 0), []
        if kind == CANCEL:
            order = self.orders[order_id]
            cancelled = min(quantity, order.quantity)
            self._take(order, cancelled)
            return Outcome(
                CANCELLED if order.quantity == 0 else REDUCED, 0, order.quantity, cancelled
            ), []
        if kind == MODIFY:
            order = self.orders[order_id]
            old = order.quantity
            if price == order.price and quantity <= old:
                self._take(order, old - quantity)
                return Outcome(REDUCED, 0, quantity, old - quantity), []
            self._take(order, old)
            result, fills = self._new_order(
                LIMIT, order.side, price, quantity, order_id, order.trader_id
            )
            return result._replace(cancelled=result.cancelled + old), fills
        return self._new_order(kind, side, price, quantity, order_id, trader_id)

    def _rejection(self, kind: int, side: int, price: int, quantity: int, order_id: int) -> int:
        if kind not in (LIMIT, MARKET, CANCEL, MODIFY):
            return REJECTED_KIND
        if kind in (LIMIT, MARKET) and side not in (BUY, SELL):
            return REJECTED_KIND
        if quantity <= 0:
            return REJECTED_QUANTITY
        if order_id < 0:
            return REJECTED_ID
        if kind in (LIMIT, MODIFY) and not self.min_price <= price <= self.max_price:
            return REJECTED_PRICE
        if kind == LIMIT and order_id in self.orders:
            return REJECTED_DUPLICATE_ID
        if kind in (CANCEL, MODIFY) and order_id not in self.orders:
            return REJECTED_UNKNOWN_ID
        return 0

    def _new_order(
        self, kind: int, side: int, price: int, quantity: int, order_id: int, trader_id: int
    ) -> tuple[Outcome, list[Fill]]:
        fills = []
        left = quantity
        maker_side = SELL if side == BUY else BUY
        while left > 0:
            best = self.best(maker_side)
            if best is None:
                break
            if kind == LIMIT and (best > price if side == BUY else best < price):
                break
            maker = self.levels[maker_side][best][0]
            traded = min(left, maker.quantity)
            fills.append(
                Fill(maker.order_id, order_id, maker.trader_id, trader_id, best, traded, side)
            )
            left -= traded
            self._take(maker, traded)
        filled = quantity - left
        if left == 0:
            return Outcome(FILLED, filled, 0, 0), fills
        if kind == MARKET:
            return Outcome(DROPPED, filled, 0, left), fills
        order = Order(order_id, trader_id, side, price, left)
        self.levels[side].setdefault(price, deque()).append(order)
        self.orders[order_id] = order
        return Outcome(RESTING, filled, left, 0), fills

    def _take(self, order: Order, quantity: int) -> None:
        """Take `quantity` off a resting order; remove it from the book when none is left."""
        order.quantity -= quantity
        if order.quantity == 0:
            queue = self.levels[order.side][order.price]
            queue.remove(order)
            if not queue:
                del self.levels[order.side][order.price]
            del self.orders[order.order_id]
