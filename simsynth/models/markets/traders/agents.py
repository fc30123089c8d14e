"""The traders of `markets.traders`, as Mesa agents deciding in Python.

Every trader is activated at random (Poisson, `rate` per time); when it is, it reads the market
as it stood at the start of the step (`Market`) and adds its instructions to the step's batch.
Rules (all prices in ticks):

* market makers cancel their two quotes and quote `size` at floor(c - h) and ceil(c + h)
  around c = mid - skew x inventory (h = `half_spread`), dropping a side at the inventory limit;
* noise traders buy or sell with equal odds, 1..`max_size` units;
* fundamentalists estimate the log value as log F + their fixed bias + noise and trade toward
  it, more units the larger the mispricing, never paying more (or selling for less) than it;
* chartists extrapolate the mid's log change over their own horizon (log-uniform between the
  bounds): expected return = gain x trend + noise; they mostly send market orders.

Except for market makers' quotes, a limit order is priced an exponential number of ticks
(mean `limit_offset`, rounded down; 0 is marketable) behind the opposite best, and cancelled by
its trader once `order_lifetime` has passed.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING, ClassVar

import mesa
import numpy as np

from simsynth.models.markets.book import BUY, SELL

if TYPE_CHECKING:
    from simsynth.models.markets.traders.model import Traders

FUNDAMENTALIST, CHARTIST = "fundamentalist", "chartist"


class Market:
    """What traders see of the market during a step: quotes and history at its start."""

    def __init__(self, initial: float, log_value: float, steps_kept: int):
        self.bid: int | None = None
        self.ask: int | None = None
        self.mid = initial
        self.log_value = log_value
        """Log of the fundamental value (ticks)."""
        self._mids = np.full(steps_kept, initial)
        self._step = 0

    def observe(self, bid: int | None, ask: int | None, step: int) -> None:
        """The quotes at the start of step `step`."""
        self.bid, self.ask, self._step = bid, ask, step
        if bid is not None and ask is not None:
            self.mid = 0.5 * (bid + ask)
        self._mids[step % len(self._mids)] = self.mid

    def mid_steps_ago(self, steps: int) -> float:
        """The mid `steps` steps ago (the oldest kept, at most)."""
        steps = min(steps, self._step, len(self._mids) - 1)
        return float(self._mids[(self._step - steps) % len(self._mids)])

    def behind_opposite(self, side: int, offset: int) -> int:
        """A price `offset` ticks behind the opposite best (0: marketable)."""
        if side == BUY:
            return (self.ask if self.ask is not None else math.floor(self.mid) + 1) - offset
        return (self.bid if self.bid is not None else math.ceil(self.mid) - 1) + offset


class Trader(mesa.Agent):
    """A trader: its activity rate, position and open limit orders (oldest first)."""

    model: Traders
    kind: ClassVar[str]

    def __init__(self, model: Traders, rate: float):
        super().__init__(model)
        self.rate = rate
        self.position = 0
        self.open: deque[tuple[float, int]] = deque()
        """(expiry time, order id) of its limit orders."""

    def expire(self) -> None:
        """Cancel its limit orders whose lifetime is over."""
        model = self.model
        while self.open and self.open[0][0] <= model.decision_time:
            model.cancel(self, self.open.popleft()[1])

    def limit(self, side: int, price: int, quantity: int) -> None:
        """Send a limit order that expires after the order lifetime."""
        model = self.model
        order_id = model.limit(self, side, price, quantity)
        if order_id is not None:
            self.open.append((model.decision_time + model.params.order_lifetime, order_id))

    def limit_or_market(
        self, side: int, quantity: int, market_share: float, cap: float | None = None
    ) -> None:
        """A market order with probability `market_share`, else a limit order behind the
        opposite best, never beyond `cap` (ticks) if given."""
        model = self.model
        rng = model.rng
        if rng.random() < market_share:
            model.market(self, side, quantity)
            return
        price = model.market_view.behind_opposite(
            side, int(rng.exponential(model.params.limit_offset))
        )
        if cap is not None:
            price = min(price, math.floor(cap)) if side == BUY else max(price, math.ceil(cap))
        self.limit(side, price, quantity)


class MarketMaker(Trader):
    """Quotes both sides around the mid, skewed against its inventory."""

    kind = "market_maker"

    def __init__(self, model: Traders):
        super().__init__(model, model.params.market_makers.rate)
        self.quotes: list[int] = []
        self.quoting = True

    def step(self) -> None:
        model, rules = self.model, self.model.params.market_makers
        self.withdraw()
        if not self.quoting:
            return
        centre = model.market_view.mid - rules.skew * self.position
        if self.position < rules.inventory_limit:
            bid = math.floor(centre - rules.half_spread)
            self.quotes.append(model.quote(self, BUY, bid, rules.size))
        if self.position > -rules.inventory_limit:
            ask = math.ceil(centre + rules.half_spread)
            self.quotes.append(model.quote(self, SELL, ask, rules.size))

    def withdraw(self) -> None:
        """Cancel its quotes (a filled quote's cancel is a harmless no-op)."""
        for order_id in self.quotes:
            self.model.cancel(self, order_id)
        self.quotes = []


class NoiseTrader(Trader):
    """Buys or sells at random."""

    kind = "noise"

    def __init__(self, model: Traders):
        super().__init__(model, model.params.noise_traders.rate)

    def step(self) -> None:
        self.expire()
        model, rules = self.model, self.model.params.noise_traders
        side = BUY if model.rng.random() < 0.5 else SELL
        quantity = 1 + int(model.rng.integers(rules.max_size))
        self.limit_or_market(side, quantity, rules.market_share)


class Speculator(Trader):
    """A fundamentalist or a chartist (`strategy`); switching speculators herd between them."""

    kind = "speculator"

    def __init__(self, model: Traders, strategy: str, switches: bool):
        params = model.params
        rate = params.fundamentalists.rate if strategy == FUNDAMENTALIST else params.chartists.rate
        super().__init__(model, rate)
        self.strategy = strategy
        self.switches = switches
        self.bias = float(model.rng.normal(0.0, params.fundamentalists.bias))
        low, high = params.chartists.horizon_min, params.chartists.horizon_max
        horizon = math.exp(model.rng.uniform(math.log(low), math.log(high)))
        self.horizon_steps = max(1, round(horizon / params.step))

    def switch(self) -> None:
        """Adopt the other rule."""
        params = self.model.params
        if self.strategy == FUNDAMENTALIST:
            self.strategy, self.rate = CHARTIST, params.chartists.rate
        else:
            self.strategy, self.rate = FUNDAMENTALIST, params.fundamentalists.rate

    def step(self) -> None:
        self.expire()
        if self.strategy == FUNDAMENTALIST:
            self.fundamentalist()
        else:
            self.chartist()

    def fundamentalist(self) -> None:
        model, rules = self.model, self.model.params.fundamentalists
        view, rng = model.market_view, model.rng
        value = view.log_value + self.bias + rng.normal(0.0, rules.noise)
        mispricing = value - math.log(view.mid)
        extra = int(abs(mispricing) / rules.size_unit)
        quantity = min(rules.max_size, 1 + int(rng.integers(rules.size)) + extra)
        side = BUY if mispricing > 0 else SELL
        self.limit_or_market(side, quantity, rules.market_share, cap=math.exp(value))

    def chartist(self) -> None:
        model, rules = self.model, self.model.params.chartists
        view = model.market_view
        trend = math.log(view.mid / view.mid_steps_ago(self.horizon_steps))
        expected = rules.gain * trend + model.rng.normal(0.0, rules.noise)
        self.limit_or_market(BUY if expected > 0 else SELL, rules.size, rules.market_share)
