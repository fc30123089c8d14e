"""Zero-intelligence order flow generated and matched in one numba kernel.

The flow of Smith, Farmer, Gillemot & Krishnamurthy (2003, "Statistical theory of the
continuous double auction", Quantitative Finance 3): per side, limit orders arrive at rate
`limit_rate`, priced uniformly over the `band` ticks below the best ask (buys) or above the best
bid (sells), so that they never cross; market orders arrive at rate `market_rate`; every resting
ordinary order is cancelled at rate `cancel_rate`. Events are simulated one by one (Gillespie):
the total rate is constant between events, so the time to the next one is exponential.

Cancellations run at `cancel_rate` per resting order of any kind and pick one uniformly (a
random node of the book's pool, drawn again until it holds a resting order); when the pick is
an incident's order, nothing happens (thinning), so ordinary orders are cancelled at exactly
`cancel_rate` each.

Every order goes through the book's own `kernels.process`, one at a time, since each order's
price depends on the quotes the previous one left. Random numbers are uniforms drawn by numpy
and handed in; the kernel stops when it needs more, so a run's draws do not depend on how time
is sliced. (numba's cache does not notice edits to `process`, in another module: clear
`__pycache__` after changing it.)
"""

from __future__ import annotations

import math

from numba import njit

from simsynth.episodes import NO_EPISODE
from simsynth.models.markets.book import kernels as book
from simsynth.models.markets.book.orders import BUY, CANCEL, LIMIT, MARKET, SELL

DONE, FULL, NEED_NODES, NEED_TRADES, NEED_RANDOM = 0, 1, 2, 3, 4
"""Why `flow` returned: it reached `until`; its output is full; the book needs nodes or trade
room; it needs more uniforms."""
NEXT_TIME, RATE_USED, REFERENCE, LAST_TIME = 0, 1, 2, 3
"""Slots of the `clock` array: when the next event happens, the total rate it was drawn with
(-1: not drawn yet), the reference price (ticks) for a side that is empty (the last trade
price), and when the last event happened."""
UNIFORMS_PER_EVENT = 8
"""Uniforms an event needs at most, a cancel's retries aside."""
TRADE_ORDER_INDEX, TRADE_PRICE = 0, 5
"""Rows of the trade buffer (see `orders.Trades`)."""


@njit(cache=True, nogil=True)
def flow(
    now,
    until,
    clock,
    limit_rate,
    market_rate,
    cancel_rate,
    band,
    size_mu,
    size_sigma,
    traders,
    uniforms,
    position,
    times,
    kinds,
    sides,
    prices,
    quantities,
    order_ids,
    trader_ids,
    results,
    next_id,
    registry_side,
    registry_price,
    registry_episode,
    header,
    levels,
    nodes,
    index,
    trades,
):
    """Generate and carry out ordinary orders from time `now` until the next event would come
    at or after `until`, writing instructions, results and fills from index 0 of the output
    arrays (and each new order's side and price into the registry).

    `position[0]` is the next unused uniform. Returns (orders written, fills written, next
    order id, stop code); on any stop but DONE, call again after making room.
    """
    written, fills = 0, 0
    capacity = times.shape[0]
    total = _total_rate(header, limit_rate, market_rate, cancel_rate)
    if total != clock[RATE_USED]:  # something else changed the rates: restart the clock
        if uniforms.shape[0] - position[0] < 1:
            return written, fills, next_id, NEED_RANDOM
        clock[NEXT_TIME] = max(now, clock[LAST_TIME])
        clock[NEXT_TIME] = _next_time(clock, total, uniforms, position)
        clock[RATE_USED] = total
    while clock[NEXT_TIME] < until:
        if written == capacity:
            return written, fills, next_id, FULL
        mark = position[0]  # an event that runs out of uniforms is redone from here
        if uniforms.shape[0] - mark < UNIFORMS_PER_EVENT:
            return written, fills, next_id, NEED_RANDOM
        side = BUY if _draw(uniforms, position) < 0.5 else SELL
        pick = _draw(uniforms, position) * total
        trader = min(int(_draw(uniforms, position) * traders), traders - 1)
        if pick < 2 * limit_rate:
            kind = LIMIT
        elif pick < 2 * (limit_rate + market_rate):
            kind = MARKET
        else:
            kind = CANCEL
        order_id, price, quantity = next_id, 0, 0
        ordinary = True
        if kind == CANCEL:
            node = _resting_node(header, nodes, index, uniforms, position)
            if node == book.NIL:
                position[0] = mark
                return written, fills, next_id, NEED_RANDOM
            order_id = nodes[book.ORDER_ID, node]
            ordinary = registry_episode[order_id] == NO_EPISODE  # else thinned: no event
            trader = nodes[book.TRADER_ID, node]
            side = nodes[book.SIDE, node]
            quantity = nodes[book.QUANTITY, node]
        else:
            if kind == LIMIT and header[book.FREE_NODE] == book.NIL:
                position[0] = mark
                return written, fills, next_id, NEED_NODES
            quantity = _size(size_mu, size_sigma, uniforms, position)
            if trades.shape[1] - fills < min(quantity, header[book.RESTING_ORDERS + 1 - side]):
                position[0] = mark
                return written, fills, next_id, NEED_TRADES
            if kind == LIMIT:
                price = _limit_price(
                    header, levels.shape[1], clock[REFERENCE], side, band, _draw(uniforms, position)
                )
            registry_side[order_id] = side
            registry_price[order_id] = price
            next_id += 1
        if ordinary:
            times[written] = clock[NEXT_TIME]
            kinds[written], sides[written], prices[written] = kind, side, price
            quantities[written], order_ids[written] = quantity, order_id
            trader_ids[written] = trader
            end = written + 1
            _, fills, _ = book.process(
                kinds[:end],
                sides[:end],
                prices[:end],
                quantities[:end],
                order_ids[:end],
                trader_ids[:end],
                written,
                header,
                levels,
                nodes,
                index,
                results,
                trades,
                fills,
            )
            if fills > 0 and trades[TRADE_ORDER_INDEX, fills - 1] == written:
                clock[REFERENCE] = trades[TRADE_PRICE, fills - 1]
            written = end
            total = _total_rate(header, limit_rate, market_rate, cancel_rate)
        clock[LAST_TIME] = clock[NEXT_TIME]
        clock[RATE_USED] = total
        if position[0] == uniforms.shape[0]:  # drawn on the next entry, from LAST_TIME
            clock[RATE_USED] = -1.0
            return written, fills, next_id, NEED_RANDOM
        clock[NEXT_TIME] = _next_time(clock, total, uniforms, position)
    return written, fills, next_id, DONE


@njit(cache=True, nogil=True, inline="always")
def _draw(uniforms, position):
    value = uniforms[position[0]]
    position[0] += 1
    return value


@njit(cache=True, nogil=True, inline="always")
def _total_rate(header, limit_rate, market_rate, cancel_rate):
    resting = header[book.RESTING_ORDERS + BUY] + header[book.RESTING_ORDERS + SELL]
    return 2 * (limit_rate + market_rate) + cancel_rate * resting


@njit(cache=True, nogil=True, inline="always")
def _next_time(clock, total, uniforms, position):
    """The time of the next event after the current one, at total rate `total`."""
    if total <= 0:
        return math.inf
    return clock[NEXT_TIME] - math.log(1.0 - _draw(uniforms, position)) / total


@njit(cache=True, nogil=True, inline="always")
def _size(mu, sigma, uniforms, position):
    """A lognormal order size (Box-Muller), rounded, at least 1."""
    u1, u2 = _draw(uniforms, position), _draw(uniforms, position)
    normal = math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
    return max(1, round(math.exp(mu + sigma * normal)))


@njit(cache=True, nogil=True, inline="always")
def _limit_price(header, level_count, reference, side, band, u):
    """A price uniform over the `band` ticks on `side`'s side of the opposite best (of the
    reference price when that side is empty), clipped to the book."""
    offset = 1 + int(u * band)
    min_price = header[book.MIN_PRICE]
    opposite = header[book.BEST + 1 - side]
    if side == BUY:
        anchor = opposite + min_price if opposite < level_count else int(reference) + 1
        price = anchor - offset
    else:
        anchor = opposite + min_price if opposite >= 0 else int(reference) - 1
        price = anchor + offset
    return min(max(price, min_price), min_price + level_count - 1)


@njit(cache=True, nogil=True, inline="always")
def _resting_node(header, nodes, index, uniforms, position):
    """A node holding a resting order, drawn uniformly by rejection from the node pool; NIL if
    the uniforms run out first (the book must have a resting order)."""
    pool = nodes.shape[1]
    while position[0] < uniforms.shape[0]:
        node = min(int(_draw(uniforms, position) * pool), pool - 1)
        if book.find_node(index, nodes[book.ORDER_ID, node]) == node:
            return node
    return book.NIL
