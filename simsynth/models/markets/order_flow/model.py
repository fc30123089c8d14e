"""`markets.order_flow`: zero-intelligence order flow over a limit order book, in SimPy.

Three SimPy processes share the exchange: the ordinary order flow (a numba kernel run up to the
next scheduled event, so that nothing else happens while it runs), the metrics sampler, and one
process per incident script. Validated against the zero-intelligence model of Smith, Farmer,
Gillemot & Krishnamurthy (2003).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import simpy
from pydantic import Field

from simsynth.model import Column, IncidentKind, ParamsModel, RunContext, RunCost, SimModel
from simsynth.models.markets.columns import COLUMNS, EVENT_TYPES, METRICS
from simsynth.models.markets.exchange import Exchange
from simsynth.models.markets.incidents import KINDS
from simsynth.models.markets.metrics import MetricsSampler
from simsynth.models.markets.order_flow.flow import ZeroIntelligenceFlow
from simsynth.models.markets.params import MarketParams
from simsynth.models.markets.scripts import SCRIPTS_STREAM, script, simpy_process
from simsynth.units import Rate, Seconds

MAX_SLICE = 60.0
"""Longest stretch of simulated time the order-flow kernel runs in one go."""


class OrderFlowParams(MarketParams):
    """Rates and sizes of the zero-intelligence order flow (per side) and the instrument."""

    limit_rate: Rate = Field(5.0, gt=0, le=1e6, description="Limit orders per time, per side.")
    market_rate: Rate = Field(0.5, ge=0, le=1e6, description="Market orders per time, per side.")
    cancel_rate: Rate = Field(
        1 / 60, gt=0, le=1e3, description="Cancellations per time of each resting order."
    )
    band: int = Field(
        50,
        ge=1,
        le=100_000,
        description="Ticks beyond the opposite best over which limit "
        "prices are uniform (a buy: from ask - band to ask - 1).",
    )
    size_mean: float = Field(100.0, ge=1, le=1e9, description="Mean order size (lognormal).")
    size_sigma: float = Field(
        1.0, ge=0, le=3, description="Shape of the lognormal order sizes (0: all the same)."
    )
    traders: int = Field(500, ge=1, le=10_000_000, description="Anonymous trader ids.")


class OrderFlow(SimModel):
    """Zero-intelligence traders and incident scripts on one order book."""

    key = "markets.order_flow"
    summary = "Zero-intelligence Poisson order flow on a limit order book; spoofing, fat fingers."
    reference = "Smith, Farmer, Gillemot & Krishnamurthy (2003): zero-intelligence order flow"
    Params = OrderFlowParams
    marketable_limits = False
    """Ordinary limit orders never cross: incidents take liquidity with market orders."""
    incident_kinds: ClassVar[dict[str, IncidentKind]] = {
        kind: KINDS[kind]
        for kind in ("spoofing", "pump_and_dump", "fat_finger", "liquidity_withdrawal")
    }
    event_types = EVENT_TYPES
    columns = COLUMNS
    tables: ClassVar[dict[str, tuple[Column, ...]]] = {"metrics": METRICS}
    overview = "simsynth.models.markets.figures:overview"
    views = "simsynth.models.markets.views:panels"

    cost = RunCost(bytes_per_event=14.0, events_per_second=1_200_000.0)

    @classmethod
    def expected_event_rate(cls, params: ParamsModel) -> float:
        """About two events an order (the order, then its cancel or trades), both sides."""
        assert isinstance(params, OrderFlowParams)
        return 2.0 * 2.0 * (params.limit_rate + params.market_rate)

    def __init__(self, context: RunContext):
        params: OrderFlowParams = context.params  # type: ignore[assignment]
        self.params = params
        self.env = simpy.Environment()
        recorder = context.recorder
        self.exchange = Exchange(params, recorder.events, recorder.episodes)
        self.flow = ZeroIntelligenceFlow(
            self.exchange,
            context.seeds.rng("order_flow"),
            limit_rate=params.limit_rate,
            market_rate=params.market_rate,
            cancel_rate=params.cancel_rate,
            band=params.band,
            size_mean=params.size_mean,
            size_sigma=params.size_sigma,
            traders=params.traders,
        )
        self.metrics = MetricsSampler(self.exchange, recorder.tables["metrics"])
        self._withdrawal_rng = context.seeds.rng("withdrawal")
        self.env.process(self._order_flow())
        self.env.process(self._sample_metrics())
        scripts = context.seeds.rng(SCRIPTS_STREAM)
        for occurrence in context.occurrences:
            steps = script(self, occurrence, scripts)
            self.env.process(simpy_process(self.env, occurrence.at, steps))

    def _order_flow(self):
        env = self.env
        while True:
            horizon = min(env.peek(), env.now + MAX_SLICE)
            self.flow.run(env.now, horizon)
            yield env.timeout(horizon - env.now)

    def _sample_metrics(self):
        while True:
            yield self.env.timeout(self.params.metrics_every)
            self.metrics.sample(self.env.now)

    def advance(self, until: Seconds) -> None:
        if until > self.env.now:
            self.env.run(until=until)

    def finish(self) -> None:
        self.flush()

    def flush(self) -> None:
        self.exchange.flush()
        self.metrics.flush()

    # --- the venue incident scripts act on -----------------------------------------------------

    @property
    def now(self) -> Seconds:
        return self.env.now

    def mean_order_size(self) -> float:
        return self.params.size_mean

    def pick_trader(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.params.traders))

    def withdraw_liquidity(self, share: float) -> None:
        """Ordinary traders cancel each resting order with probability `share` and post limit
        orders at `1 - share` of their rate."""
        self.flow.limit_rate = self.params.limit_rate * (1 - share)
        order_ids, trader_ids = self.exchange.book.resting()
        ordinary = self.exchange.registry.episode[order_ids] < 0
        pulled = ordinary & (self._withdrawal_rng.random(len(order_ids)) < share)
        batch = self.exchange.batch()
        for order_id, trader_id in zip(
            order_ids[pulled].tolist(), trader_ids[pulled].tolist(), strict=True
        ):
            batch.cancel(self.env.now, trader_id, order_id)
        batch.send()

    def restore_liquidity(self) -> None:
        self.flow.limit_rate = self.params.limit_rate
