"""`markets.traders`: heterogeneous traders (Mesa agents) on a numba limit order book.

Time advances in steps of `step` seconds. In each step the fundamental value moves and switching
speculators herd (Kirman 1993); every trader acts at the events of its own Poisson process
(`activation`), and those that fall within the step decide, in time order, on the market as it
stood at the step's start; their instructions are carried out at their times. Incident scripts
due within the step act at their own times, between the traders' instructions.

Volatility clustering and fat tails come from the herding: the chartist share wanders between
0 and 1 over hours (its law close to Beta(alpha, alpha)); chartists mostly take liquidity, so a
chartist-dominated market is thinner and busier (Lux & Marchesi 1999; Alfarano & Lux 2005).
"""

from __future__ import annotations

import math
from typing import ClassVar

import mesa
import numpy as np
import pyarrow as pa

from simsynth import draws
from simsynth.model import Column, IncidentKind, ParamsModel, RunContext, RunCost, SimModel
from simsynth.models.markets.book import BUY, Trades
from simsynth.models.markets.columns import COLUMNS, EVENT_TYPES, METRICS
from simsynth.models.markets.exchange import Exchange
from simsynth.models.markets.incidents import KINDS
from simsynth.models.markets.metrics import MetricsSampler
from simsynth.models.markets.scripts import SCRIPTS_STREAM, ScriptClock, script
from simsynth.models.markets.traders.activation import Activations
from simsynth.models.markets.traders.agents import (
    CHARTIST,
    FUNDAMENTALIST,
    Market,
    MarketMaker,
    NoiseTrader,
    Speculator,
    Trader,
)
from simsynth.models.markets.traders.params import TradersParams
from simsynth.units import Seconds

KIND_NAMES = ("market_maker", "noise", "speculator")


class Traders(mesa.Model, SimModel):
    """Market makers, noise traders, fundamentalists and chartists on one order book."""

    key = "markets.traders"
    summary = (
        "Heterogeneous traders (Mesa) on a limit order book; spoofing, pump-and-dump, "
        "flash crashes."
    )
    reference = "stylized facts of returns: fat tails, no autocorrelation, volatility clustering"
    Params = TradersParams
    incident_kinds: ClassVar[dict[str, IncidentKind]] = dict(KINDS)
    marketable_limits = True
    """Ordinary traders send limit orders at or through the opposite best."""
    event_types = EVENT_TYPES
    columns = COLUMNS
    tables: ClassVar[dict[str, tuple[Column, ...]]] = {"metrics": METRICS}
    overview = "simsynth.models.markets.figures:overview"
    views = "simsynth.models.markets.views:panels"

    cost = RunCost(bytes_per_event=14.5, events_per_second=130_000.0)

    @classmethod
    def expected_event_rate(cls, params: ParamsModel) -> float:
        """About 2.2 events a decision (an order, then its cancel or trades)."""
        assert isinstance(params, TradersParams)
        groups = (params.market_makers, params.noise_traders, params.fundamentalists)
        decisions = sum(group.count * group.rate for group in groups)
        decisions += params.switching.count * params.chartists.rate
        return 2.2 * decisions

    def __init__(self, context: RunContext):
        super().__init__(rng=context.seeds.rng("traders"))
        params: TradersParams = context.params  # type: ignore[assignment]
        self.params = params
        recorder = context.recorder
        self.exchange = Exchange(params, recorder.events, recorder.episodes)
        self.exchange.on_trades = self._book_fills
        self.metrics = MetricsSampler(self.exchange, recorder.tables["metrics"])
        initial = self.exchange.reference_price
        kept = math.ceil(params.chartists.horizon_max / params.step) + 2
        self.market_view = Market(float(initial), math.log(initial), kept)
        fundamental = context.seeds.rng("fundamental")
        self._normal = draws.BlockDraws(fundamental.standard_normal)
        self._uniform = draws.BlockDraws(fundamental.random)
        self._populate()
        self.step_index = 0
        self.now: Seconds = 0.0
        self.decision_time: Seconds = 0.0
        """The time stamped on the instructions being added (a trader's decision time)."""
        self.liquidity = 1.0
        """Probability that a limit order is sent (below 1 while liquidity is withdrawn)."""
        self._batch = self.exchange.batch()
        self._next_metrics = params.metrics_every
        self.scripts = ScriptClock()
        self._withdrawal_rng = context.seeds.rng("withdrawal")
        scripts = context.seeds.rng(SCRIPTS_STREAM)
        for occurrence in context.occurrences:
            self.scripts.start(occurrence.at, script(self, occurrence, scripts))
        self._open()

    def _populate(self) -> None:
        params = self.params
        MarketMaker.create_agents(self, params.market_makers.count)
        NoiseTrader.create_agents(self, params.noise_traders.count)
        steady = params.fundamentalists.count
        Speculator.create_agents(self, steady, [FUNDAMENTALIST] * steady, [False] * steady)
        switching = params.switching.count
        strategies = np.where(self.rng.random(switching) < 0.5, FUNDAMENTALIST, CHARTIST)
        Speculator.create_agents(self, switching, strategies.tolist(), [True] * switching)
        self.traders: list[Trader] = sorted(self.agents, key=lambda agent: agent.unique_id)
        self.by_id = {trader.unique_id: trader for trader in self.traders}
        self.market_makers = [t for t in self.traders if isinstance(t, MarketMaker)]
        self.switchers = [t for t in self.traders if isinstance(t, Speculator) and t.switches]
        self._chartist = np.array([s.strategy == CHARTIST for s in self.switchers], bool)
        self._chartists = int(self._chartist.sum())
        self.ordinary_ids = [t.unique_id for t in self.traders if not isinstance(t, MarketMaker)]
        self._position = {t: i for i, t in enumerate(self.traders)}
        self.activations = Activations([t.rate for t in self.traders], self.rng)

    def _open(self) -> None:
        """The opening book: the market makers quote around the initial price."""
        self.market_view.observe(None, None, 0)
        for maker in self.market_makers:
            maker.step()
        self._send()

    # --- what traders call ------------------------------------------------------------------

    def limit(self, trader: Trader, side: int, price: int, quantity: int) -> int | None:
        """Add a trader's limit order (dropped, None, while liquidity is withdrawn)."""
        if self.liquidity < 1.0 and self._withdrawal_rng.random() >= self.liquidity:
            return None
        return self._batch.limit(self.decision_time, trader.unique_id, side, price, quantity)

    def quote(self, maker: MarketMaker, side: int, price: int, quantity: int) -> int:
        """Add a market maker's quote."""
        return self._batch.limit(self.decision_time, maker.unique_id, side, price, quantity)

    def market(self, trader: Trader, side: int, quantity: int) -> None:
        self._batch.market(self.decision_time, trader.unique_id, side, quantity)

    def cancel(self, trader: Trader, order_id: int) -> None:
        self._batch.cancel(self.decision_time, trader.unique_id, order_id)

    def _send(self) -> None:
        self._batch.send()

    def _book_fills(self, trades: Trades) -> None:
        """Keep every trader's position up to date with its fills."""
        by_id = self.by_id
        for maker, taker, quantity, aggressor in zip(
            trades.maker_trader_id.tolist(),
            trades.taker_trader_id.tolist(),
            trades.quantity.tolist(),
            trades.aggressor.tolist(),
            strict=True,
        ):
            bought = quantity if aggressor == BUY else -quantity
            by_id[taker].position += bought
            by_id[maker].position -= bought

    # --- the step ---------------------------------------------------------------------------

    def tick(self) -> None:
        params = self.params
        start = self.step_index * params.step
        end = start + params.step
        self._move_fundamental()
        self._herd(start)
        book = self.exchange.book
        self.market_view.observe(book.best_bid(), book.best_ask(), self.step_index)
        for time, index in self.activations.until(end):
            if self.scripts.next_time() <= time:
                self._wake_scripts(time)
            self.decision_time = time
            self.traders[index].step()
        self._wake_scripts(end, inclusive=False)
        self.step_index += 1
        self.now = end
        while self._next_metrics <= self.now:
            self.metrics.sample(self._next_metrics)
            self._next_metrics += params.metrics_every

    def _wake_scripts(self, until: Seconds, inclusive: bool = True) -> None:
        """Send what the traders added so far, then run the scripts due before `until`."""
        self._send()
        while (due := self.scripts.next_time()) < until or (inclusive and due == until):
            self.now = self.decision_time = due
            self.scripts.wake(due)
            self._send()

    def _move_fundamental(self) -> None:
        fundamental, step = self.params.fundamental, self.params.step
        change = fundamental.volatility * math.sqrt(step / 60.0) * self._normal()
        if fundamental.news_rate and self._uniform() < fundamental.news_rate * step:
            change += fundamental.news_size * self._normal()
        self.market_view.log_value += change

    def _herd(self, now: Seconds) -> None:
        """Kirman's recruitment: each switching speculator adopts the other rule with
        probability (epsilon + h x share of the other group) x step, h = epsilon x count /
        alpha. Drawn as one binomial count per group and a uniform choice within it (the same
        law as a draw per speculator)."""
        if not self.switchers:
            return
        switching, step, rng = self.params.switching, self.params.step, self.rng
        chartist = self._chartist
        count = len(chartist)
        share = self._chartists / count
        herding = switching.idiosyncratic * count / switching.alpha
        join = (switching.idiosyncratic + herding * share) * step
        leave = (switching.idiosyncratic + herding * (1 - share)) * step
        to_chartist = rng.binomial(count - self._chartists, join)
        to_fundamentalist = rng.binomial(self._chartists, leave)
        if not to_chartist and not to_fundamentalist:
            return
        flips = [
            rng.choice(np.flatnonzero(~chartist), to_chartist, replace=False),
            rng.choice(np.flatnonzero(chartist), to_fundamentalist, replace=False),
        ]
        for index in np.concatenate(flips).tolist():
            speculator = self.switchers[index]
            speculator.switch()
            chartist[index] = speculator.strategy == CHARTIST
            self.activations.change_rate(self._position[speculator], speculator.rate, now)
        self._chartists = int(chartist.sum())

    def advance(self, until: Seconds) -> None:
        while (self.step_index + 1) * self.params.step <= until + 1e-9:
            self.tick()

    def finish(self) -> None:
        self.flush()

    def flush(self) -> None:
        self.exchange.flush()
        self.metrics.flush()

    def entities(self) -> pa.Table:
        """The traders: their kind and, for speculators, whether they switch rules."""
        kinds = [KIND_NAMES.index(t.kind) for t in self.traders]
        return pa.table(
            {
                "entity_id": pa.array([t.unique_id for t in self.traders], pa.int64()),
                "kind": pa.DictionaryArray.from_arrays(
                    pa.array(kinds, pa.int32()), pa.array(list(KIND_NAMES))
                ),
                "switches": pa.array([getattr(t, "switches", False) for t in self.traders]),
            }
        )

    # --- the venue incident scripts act on ---------------------------------------------------

    def mean_order_size(self) -> float:
        params = self.params
        sizes = (
            (params.noise_traders.max_size + 1) / 2,
            (params.fundamentalists.size + 1) / 2,
            params.chartists.size,
        )
        return float(np.mean(sizes))

    def pick_trader(self, rng: np.random.Generator) -> int:
        return self.ordinary_ids[int(rng.integers(len(self.ordinary_ids)))]

    def withdraw_liquidity(self, share: float) -> None:
        """A `share` of the market makers (rounded up) pull their quotes and stop quoting; the
        other traders cancel each resting limit order with probability `share` and send
        `1 - share` of their limit orders."""
        self.liquidity = 1.0 - share
        for maker in self.market_makers[: math.ceil(share * len(self.market_makers))]:
            maker.quoting = False
            maker.withdraw()
        for trader in self.traders:
            if isinstance(trader, MarketMaker) or not trader.open:
                continue
            pulled = self._withdrawal_rng.random(len(trader.open)) < share
            kept = [entry for entry, gone in zip(trader.open, pulled, strict=True) if not gone]
            for (_, order_id), gone in zip(trader.open, pulled, strict=True):
                if gone:
                    self.cancel(trader, order_id)
            trader.open.clear()
            trader.open.extend(kept)
        self._send()

    def restore_liquidity(self) -> None:
        self.liquidity = 1.0
        for maker in self.market_makers:
            maker.quoting = True
