"""An independent zero-intelligence order flow in pure Python, to check `markets.order_flow`.

The flow of Smith, Farmer, Gillemot & Krishnamurthy (2003) with the rules `markets.order_flow`
documents (its kernels' docstring): per side, limit orders at rate `limit_rate`, priced
uniformly over the `band` ticks beyond the opposite best (a buy from ask - band to ask - 1;
the last trade price +- 1 stands in for an empty side), so that they never cross; market
orders at rate `market_rate`, which take the opposite side from its best price, first in first
out, and drop what is left when it runs dry; each resting order cancelled at rate
`cancel_rate`; every size lognormal with mean `size_mean` and shape `size_sigma`, rounded, at
least 1. It is simulated event by event (Gillespie: the total rate is constant between
events), with numpy's generator, a dict of price levels per side and a list of resting orders
for uniform cancellations. It shares no code with the model: only the rules.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

BUY, SELL = 0, 1
BLOCK = 1 << 16
"""Random numbers drawn at a time, per kind."""


def zero_intelligence_spreads(
    *,
    limit_rate: float,
    market_rate: float,
    cancel_rate: float,
    band: int,
    size_mean: float,
    size_sigma: float,
    start_price: int,
    max_price: int,
    duration: float,
    every: float,
    seed: int,
) -> np.ndarray:
    """The spread in ticks (nan while a side is empty) at times every, 2 every, ... up to
    `duration`, each taken after the events before it; prices are in ticks from 1 to
    `max_price`, the book starts empty with `start_price` as the last trade price."""
    rng = np.random.default_rng(seed)
    mu = math.log(size_mean) - size_sigma**2 / 2
    levels: tuple[dict[int, deque[int]], dict[int, deque[int]]] = ({}, {})
    units: dict[int, int] = {}  # order id -> units resting
    place: dict[int, tuple[int, int]] = {}  # order id -> (side, price)
    resting: list[int] = []  # resting order ids, for a uniform pick
    slot: dict[int, int] = {}  # order id -> its index in `resting`
    best: list[int | None] = [None, None]
    last_trade = start_price
    next_id = 0
    flow = 2 * (limit_rate + market_rate)
    now, next_sample = 0.0, every
    samples: list[float] = []

    def next_best(side: int, emptied: int) -> int | None:
        prices = levels[side]
        if not prices:
            return None
        step = -1 if side == BUY else 1
        for distance in range(1, 9):  # usually the next tick or two
            if emptied + step * distance in prices:
                return emptied + step * distance
        return max(prices) if side == BUY else min(prices)

    def take(order: int, quantity: int) -> None:
        """Take `quantity` units off a resting order; remove it when none are left."""
        left = units[order] - quantity
        if left:
            units[order] = left
            return
        side, price = place.pop(order)
        del units[order]
        queue = levels[side][price]
        queue.remove(order)
        if not queue:
            del levels[side][price]
            if best[side] == price:
                best[side] = next_best(side, price)
        index = slot.pop(order)
        moved = resting.pop()
        if moved != order:
            resting[index] = moved
            slot[moved] = index

    k = BLOCK
    while True:
        if k == BLOCK:
            gaps = rng.exponential(1.0, BLOCK).tolist()
            kinds = rng.random(BLOCK).tolist()
            sides = rng.random(BLOCK).tolist()
            offsets = (1 + np.floor(rng.random(BLOCK) * band)).astype(np.int64).tolist()
            sizes = np.maximum(1, np.rint(rng.lognormal(mu, size_sigma, BLOCK)))
            sizes = sizes.astype(np.int64).tolist()
            k = 0
        total = flow + cancel_rate * len(resting)
        now += gaps[k] / total
        while next_sample <= now and next_sample <= duration:
            bid, ask = best
            samples.append(math.nan if bid is None or ask is None else ask - bid)
            next_sample += every
        if now >= duration:
            return np.asarray(samples)
        pick = kinds[k] * total
        side = BUY if sides[k] < 0.5 else SELL
        if pick < 2 * limit_rate:
            if side == BUY:
                ask = best[SELL]
                price = (ask if ask is not None else last_trade + 1) - offsets[k]
            else:
                bid = best[BUY]
                price = (bid if bid is not None else last_trade - 1) + offsets[k]
            price = min(max(price, 1), max_price)
            order, next_id = next_id, next_id + 1
            levels[side].setdefault(price, deque()).append(order)
            units[order] = sizes[k]
            place[order] = (side, price)
            slot[order] = len(resting)
            resting.append(order)
            mine = best[side]
            if mine is None or (price > mine if side == BUY else price < mine):
                best[side] = price
        elif pick < flow:
            wanted, maker = sizes[k], 1 - side
            while wanted and best[maker] is not None:
                price = best[maker]
                order = levels[maker][price][0]
                traded = min(wanted, units[order])
                wanted -= traded
                last_trade = price
                take(order, traded)
        else:  # a uniformly chosen resting order is cancelled (the side draw is free here)
            order = resting[min(int(sides[k] * len(resting)), len(resting) - 1)]
            take(order, units[order])
        k += 1
