"""`ZeroIntelligenceFlow`: the ordinary traders of `markets.order_flow`, as a kernel driver.

It owns the kernel's buffers and clock, runs it over a stretch of simulated time, makes room
whenever it stops for some, and hands what happened to the exchange to be recorded.
"""

from __future__ import annotations

import math

import numpy as np

from simsynth.episodes import NO_EPISODE
from simsynth.models.markets.book import Orders
from simsynth.models.markets.book import kernels as book_kernels
from simsynth.models.markets.book.orders import CODE, Results
from simsynth.models.markets.columns import NORMAL
from simsynth.models.markets.exchange import Exchange, Instructions
from simsynth.models.markets.order_flow import kernels
from simsynth.units import Seconds

BATCH = 1 << 14
"""Orders the kernel writes per call at most."""
UNIFORM_BLOCK = 1 << 16


class ZeroIntelligenceFlow:
    """Poisson limit, market and cancel orders of anonymous traders over an exchange."""

    def __init__(
        self,
        exchange: Exchange,
        rng: np.random.Generator,
        *,
        limit_rate: float,
        market_rate: float,
        cancel_rate: float,
        band: int,
        size_mean: float,
        size_sigma: float,
        traders: int,
    ):
        self.exchange = exchange
        self.rng = rng
        self.limit_rate = limit_rate
        self.market_rate = market_rate
        self.cancel_rate = cancel_rate
        self.band = band
        self.size_mu = math.log(size_mean) - size_sigma**2 / 2
        self.size_sigma = size_sigma
        self.traders = traders
        self.clock = np.array([0.0, -1.0, exchange.reference_price, 0.0])
        self.uniforms = rng.random(UNIFORM_BLOCK)
        self.position = np.zeros(1, np.int64)
        self.orders = Orders(
            np.empty(BATCH, CODE),
            np.empty(BATCH, CODE),
            *(np.empty(BATCH, np.int64) for _ in range(4)),
        )
        self.times = np.empty(BATCH)
        self.results = np.empty((book_kernels.RESULT_FIELDS, BATCH), np.int64)
        self._no_episode = np.full(BATCH, NO_EPISODE, np.int64)
        self._normal = np.full(BATCH, NORMAL, np.int32)

    def run(self, now: Seconds, until: Seconds) -> None:
        """Carry out the ordinary orders that arrive from `now` until just before `until`."""
        exchange, registry, state = self.exchange, self.exchange.registry, None
        while True:
            registry.reserve(BATCH)
            state = exchange.book.state
            self.clock[kernels.REFERENCE] = exchange.reference_price
            written, fills, next_id, stop = kernels.flow(
                now,
                until,
                self.clock,
                self.limit_rate,
                self.market_rate,
                self.cancel_rate,
                self.band,
                self.size_mu,
                self.size_sigma,
                self.traders,
                self.uniforms,
                self.position,
                self.times,
                *self.orders,
                self.results,
                registry.next_id,
                registry.side,
                registry.price,
                registry.episode,
                *state,
                exchange.book.trade_buffer,
            )
            registry.next_id = next_id
            if written:
                self._record(written, fills)
            if stop == kernels.DONE:
                return
            if stop == kernels.NEED_RANDOM:
                rest = self.uniforms[self.position[0] :]
                self.uniforms = np.concatenate([rest, self.rng.random(UNIFORM_BLOCK)])
                self.position[0] = 0
            elif stop == kernels.NEED_NODES:
                exchange.book.grow(book_kernels.NEED_NODES)
            elif stop == kernels.NEED_TRADES:
                exchange.book.grow(book_kernels.NEED_TRADES)

    def _record(self, written: int, fills: int) -> None:
        """Hand the kernel's output to the exchange (as copies: the buffers are reused)."""
        results = self.results[:, :written]
        instructions = Instructions(
            self.times[:written].copy(),
            Orders(*(column[:written].copy() for column in self.orders)),
            self._no_episode[:written],
            self._normal[:written],
        )
        self.exchange.record(
            instructions,
            Results(results[0].astype(CODE), *results[1:].copy()),
            self.exchange.book.trades_from_buffer(fills),
        )
