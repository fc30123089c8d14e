"""Price-time-priority matching of a batch of orders, as numba kernels over the book's arrays.

The book is four int64 arrays (struct of arrays: one row per field, one column per item):

* `nodes[field, node]`, a pool of resting orders: QUANTITY, ORDER_ID, TRADER_ID, SIDE, LEVEL
  and the NEXT and PREV order of the same level (NEXT also chains the free nodes);
* `levels[field, level]`, one column per tick (price - min_price): the HEAD and TAIL of its
  FIFO list of orders, its total VOLUME and its number of ORDERS. One array serves both sides:
  in a book that is never crossed, a level holds bids or asks, never both;
* `index[field, slot]`, a hash map from order id (KEY) to NODE (see below);
* `header`: the best level per side, the first free node, the resting orders per side and the
  price of level 0 (slots below).

An incoming order trades with the best opposite level while its limit crosses it, oldest
order first, each fill at the resting order's price; a limit order's rest joins the tail of
its level. Best prices are kept up to date as levels fill and empty (a scan away from the old
best, cut short when the side is empty). See `orders` for the instructions and result codes.

Functions take the arrays themselves, never tuples of them, and helpers are inlined into
`process` (`inline="always"`): numba counts references to the arrays a function is handed,
which otherwise costs more than the matching itself, and dispatches calls with tuples slowly.
"""

from __future__ import annotations

import numpy as np
from numba import njit

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
)

NIL = -1
"""No node: the end of a list, an empty level."""
QUANTITY, ORDER_ID, TRADER_ID, SIDE, LEVEL, NEXT, PREV = range(7)
NODE_FIELDS = 7
"""Rows of `nodes`."""
HEAD, TAIL, VOLUME, ORDERS = range(4)
LEVEL_FIELDS = 4
"""Rows of `levels`."""
KEY, NODE = range(2)
INDEX_FIELDS = 2
"""Rows of `index`."""
BEST, FREE_NODE, RESTING_ORDERS, MIN_PRICE = 0, 2, 3, 5
HEADER_SIZE = 6
"""Slots of `header`: the best level of side s at BEST + s (BUY: the best bid, -1 when there
are none; SELL: the best ask, the number of levels when there are none), the first free node,
the number of resting orders of side s at RESTING_ORDERS + s, and the price of level 0."""
RESULT_FIELDS = 6
"""Rows of the result buffer, in the order of the fields of `orders.Results`."""
TRADE_FIELDS = 8
"""Rows of the trade buffer, in the order of the fields of `orders.Trades`."""
DONE, NEED_NODES, NEED_TRADES = 0, 1, 2
"""Why `process` returned: the batch is done, or it stopped before an order for want of a free
node or of room in the trade buffer (grow it and call again from there)."""
REPLACE = 4
"""A modify that cancels and replaces its order (internal kind)."""


# The order-id map: open addressing with linear probing over a power-of-two table kept at most
# half full (two slots per node). Deletion moves back the later entries of the probe run
# (Knuth, TAOCP vol. 3, 6.4, Algorithm R): no tombstones, so lookups do not slow down as orders
# come and go. It lives in this module because numba's cache does not notice edits to a cached
# function's callees in other modules.

EMPTY = -1
"""A free slot's key (order ids are >= 0)."""


@njit(cache=True, nogil=True, inline="always")
def _home_slot(key, mask):
    """The slot where the probe for `key` starts: Fibonacci hashing, high bits folded in."""
    z = np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)
    return np.int64((z ^ (z >> np.uint64(32))) & np.uint64(mask))


@njit(cache=True, nogil=True, inline="always")
def find_node(index, key):
    """The node of order `key`, or NIL if it is not resting."""
    mask = index.shape[1] - 1
    slot = _home_slot(key, mask)
    while index[KEY, slot] != EMPTY:
        if index[KEY, slot] == key:
            return index[NODE, slot]
        slot = (slot + 1) & mask
    return NIL


@njit(cache=True, nogil=True, inline="always")
def _map_id(index, key, node):
    """Map `key` (not present) to `node`."""
    mask = index.shape[1] - 1
    slot = _home_slot(key, mask)
    while index[KEY, slot] != EMPTY:
        slot = (slot + 1) & mask
    index[KEY, slot] = key
    index[NODE, slot] = node


@njit(cache=True, nogil=True, inline="always")
def _unmap_id(index, key):
    """Forget `key` (present), moving back the entries whose probe ran through its slot."""
    mask = index.shape[1] - 1
    hole = _home_slot(key, mask)
    while index[KEY, hole] != key:
        hole = (hole + 1) & mask
    index[KEY, hole] = EMPTY
    slot = hole
    while True:
        slot = (slot + 1) & mask
        if index[KEY, slot] == EMPTY:
            return
        home = _home_slot(index[KEY, slot], mask)
        # the entry may stay if its home lies cyclically in (hole, slot]
        stays = hole < home <= slot if hole < slot else home > hole or home <= slot
        if not stays:
            index[KEY, hole] = index[KEY, slot]
            index[NODE, hole] = index[NODE, slot]
            index[KEY, slot] = EMPTY
            hole = slot


@njit(cache=True, nogil=True)
def rehash(old, index):
    """Insert every entry of the `old` map into `index` (empty)."""
    for slot in range(old.shape[1]):
        if old[KEY, slot] != EMPTY:
            _map_id(index, old[KEY, slot], old[NODE, slot])


@njit(cache=True, nogil=True, inline="always")
def _next_best(header, levels, side, level):
    """The best level of `side` once `level`, its best so far, has emptied."""
    if header[RESTING_ORDERS + side] == 0:
        return -1 if side == BUY else levels.shape[1]
    step = -1 if side == BUY else 1
    level += step
    while levels[ORDERS, level] == 0:
        level += step
    return level


@njit(cache=True, nogil=True, inline="always")
def _rest(header, levels, nodes, index, side, level, quantity, order_id, trader_id):
    """Put an order at the tail of `level` (a free node must exist)."""
    node = header[FREE_NODE]
    header[FREE_NODE] = nodes[NEXT, node]
    nodes[QUANTITY, node] = quantity
    nodes[ORDER_ID, node] = order_id
    nodes[TRADER_ID, node] = trader_id
    nodes[SIDE, node] = side
    nodes[LEVEL, node] = level
    tail = levels[TAIL, level]
    nodes[PREV, node] = tail
    nodes[NEXT, node] = NIL
    if tail == NIL:
        levels[HEAD, level] = node
    else:
        nodes[NEXT, tail] = node
    levels[TAIL, level] = node
    levels[ORDERS, level] += 1
    levels[VOLUME, level] += quantity
    header[RESTING_ORDERS + side] += 1
    best = header[BEST + side]
    if (side == BUY and level > best) or (side == SELL and level < best):
        header[BEST + side] = level
    _map_id(index, order_id, node)


@njit(cache=True, nogil=True, inline="always")
def _remove(header, levels, nodes, index, node):
    """Take a resting order off the book, whatever its quantity, and free its node."""
    level, side = nodes[LEVEL, node], nodes[SIDE, node]
    before, after = nodes[PREV, node], nodes[NEXT, node]
    if before == NIL:
        levels[HEAD, level] = after
    else:
        nodes[NEXT, before] = after
    if after == NIL:
        levels[TAIL, level] = before
    else:
        nodes[PREV, after] = before
    levels[ORDERS, level] -= 1
    levels[VOLUME, level] -= nodes[QUANTITY, node]
    _unmap_id(index, nodes[ORDER_ID, node])
    nodes[NEXT, node] = header[FREE_NODE]
    header[FREE_NODE] = node
    header[RESTING_ORDERS + side] -= 1
    if levels[ORDERS, level] == 0 and level == header[BEST + side]:
        header[BEST + side] = _next_best(header, levels, side, level)


@njit(cache=True, nogil=True, inline="always")
def _reduce(levels, nodes, node, quantity):
    """Take `quantity` (less than it has) off a resting order, keeping its place."""
    nodes[QUANTITY, node] -= quantity
    levels[VOLUME, nodes[LEVEL, node]] -= quantity


@njit(cache=True, nogil=True, inline="always")
def _match(
    header, levels, nodes, index, side, limit, quantity, order_id, trader_id, row, trades, count
):
    """Fill up to `quantity` of an incoming `side` order (number `row` of its batch) against
    the opposite side at levels up to `limit` (down to it for a sell); write the fills from
    trade `count` on. Returns (quantity filled, trades written so far)."""
    left = quantity
    while left > 0 and _crosses(header, side, limit):
        level = header[BEST + 1 - side]
        node = levels[HEAD, level]
        while left > 0 and node != NIL:
            traded = min(left, nodes[QUANTITY, node])
            fill = (
                row,
                nodes[ORDER_ID, node],
                order_id,
                nodes[TRADER_ID, node],
                trader_id,
                level + header[MIN_PRICE],
                traded,
                side,
            )
            for field in range(TRADE_FIELDS):
                trades[field, count] = fill[field]
            count += 1
            left -= traded
            following = nodes[NEXT, node]
            if traded == nodes[QUANTITY, node]:
                _remove(header, levels, nodes, index, node)
            else:
                _reduce(levels, nodes, node, traded)
            node = following
    return quantity - left, count


@njit(cache=True, nogil=True, inline="always")
def _rejection(levels, kind, side, level, quantity, order_id, resting):
    """The REJECTED_* code of an instruction, or 0 if it may go ahead (checks in the order
    documented in `orders`); `resting` says whether `order_id` rests on the book."""
    if kind < LIMIT or kind > MODIFY or (kind <= MARKET and side != BUY and side != SELL):
        return REJECTED_KIND
    if quantity <= 0:
        return REJECTED_QUANTITY
    if order_id < 0:
        return REJECTED_ID
    if kind in (LIMIT, MODIFY) and (level < 0 or level >= levels.shape[1]):
        return REJECTED_PRICE
    if kind == LIMIT and resting:
        return REJECTED_DUPLICATE_ID
    if kind in (CANCEL, MODIFY) and not resting:
        return REJECTED_UNKNOWN_ID
    return 0


@njit(cache=True, nogil=True, inline="always")
def _keeps_priority(nodes, node, level, quantity):
    """Whether modifying a resting order to `level` and `quantity` keeps its time priority:
    the same price and no more quantity (else it is cancelled and replaced)."""
    return level == nodes[LEVEL, node] and quantity <= nodes[QUANTITY, node]


@njit(cache=True, nogil=True, inline="always")
def _crosses(header, side, limit):
    """Whether an incoming `side` order with limit level `limit` can trade at the best
    opposite level (never when the opposite side is empty)."""
    return (limit - header[BEST + 1 - side]) * (1 if side == BUY else -1) >= 0


@njit(cache=True, nogil=True)
def process(
    kinds,
    sides,
    prices,
    quantities,
    order_ids,
    trader_ids,
    start,
    header,
    levels,
    nodes,
    index,
    results,
    trades,
    first_trade,
):
    """Carry out the orders (the columns of `orders.Orders`) from `start` on: match, rest,
    cancel, modify; write one column of `results` per order and one column of `trades` per fill
    from `first_trade` on (rows: the fields of `orders.Results` and `orders.Trades`).

    Stops before an order that might need a free node (a limit order, when none is left) or
    more trade columns than `trades` has left (at most one per resting opposite order and unit
    of quantity), so that nothing is ever half done. Returns (index of the next order, trades
    written so far, DONE / NEED_NODES / NEED_TRADES).
    """
    count = first_trade
    for i in range(start, kinds.shape[0]):
        kind, side, quantity, order_id = kinds[i], sides[i], quantities[i], order_ids[i]
        level = prices[i] - header[MIN_PRICE]
        node = find_node(index, order_id) if kind != MARKET else NIL
        status = _rejection(levels, kind, side, level, quantity, order_id, node != NIL)
        if status == 0 and kind == MODIFY and not _keeps_priority(nodes, node, level, quantity):
            kind, side = REPLACE, nodes[SIDE, node]
        if status == 0 and kind in (LIMIT, MARKET, REPLACE):
            if kind == LIMIT and header[FREE_NODE] == NIL:
                return i, count, NEED_NODES
            if trades.shape[1] - count < min(quantity, header[RESTING_ORDERS + 1 - side]):
                return i, count, NEED_TRADES
        filled, remaining, cancelled = 0, 0, 0
        if status < 0:
            pass
        elif kind in (CANCEL, MODIFY):
            resting = nodes[QUANTITY, node]
            cancelled = min(quantity, resting) if kind == CANCEL else resting - quantity
            if cancelled == resting:
                _remove(header, levels, nodes, index, node)
                status = CANCELLED
            else:
                _reduce(levels, nodes, node, cancelled)
                status, remaining = REDUCED, resting - cancelled
        else:
            trader_id = trader_ids[i]
            if kind == REPLACE:
                trader_id, cancelled = nodes[TRADER_ID, node], nodes[QUANTITY, node]
                _remove(header, levels, nodes, index, node)
            if kind == MARKET:
                level = levels.shape[1] - 1 if side == BUY else 0
            if _crosses(header, side, level):
                filled, count = _match(
                    header,
                    levels,
                    nodes,
                    index,
                    side,
                    level,
                    quantity,
                    order_id,
                    trader_id,
                    i,
                    trades,
                    count,
                )
            left = quantity - filled
            if left == 0:
                status = FILLED
            elif kind == MARKET:
                status, cancelled = DROPPED, cancelled + left
            else:
                _rest(header, levels, nodes, index, side, level, left, order_id, trader_id)
                status, remaining = RESTING, left
        bid, ask = header[BEST + BUY] + header[MIN_PRICE], header[BEST + SELL] + header[MIN_PRICE]
        outcome = (status, filled, remaining, cancelled, bid, ask)
        for field in range(RESULT_FIELDS):
            results[field, i] = outcome[field]
    return kinds.shape[0], count, DONE


@njit(cache=True, nogil=True)
def depth(header, levels, side, count, price, volume, orders):
    """The best `count` non-empty levels of `side`, best first, into the three output arrays;
    returns how many there are."""
    step = -1 if side == BUY else 1
    level = header[BEST + side]
    left = header[RESTING_ORDERS + side]  # orders not yet passed: stop when none are
    written = 0
    while written < count and left > 0:
        if levels[ORDERS, level] > 0:
            price[written] = level + header[MIN_PRICE]
            volume[written] = levels[VOLUME, level]
            orders[written] = levels[ORDERS, level]
            left -= levels[ORDERS, level]
            written += 1
        level += step
    return written


@njit(cache=True, nogil=True)
def resting(header, levels, nodes, order_ids, trader_ids):
    """Every resting order's id and trader into the two arrays (as long as there are resting
    orders): bids from the best down, then asks from the best up, levels in time order."""
    written = 0
    for side in (BUY, SELL):
        step = -1 if side == BUY else 1
        level = header[BEST + side]
        left = header[RESTING_ORDERS + side]
        while left > 0:
            node = levels[HEAD, level]
            while node != NIL:
                order_ids[written] = nodes[ORDER_ID, node]
                trader_ids[written] = nodes[TRADER_ID, node]
                written += 1
                left -= 1
                node = nodes[NEXT, node]
            level += step
