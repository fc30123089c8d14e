"""What market incidents do, written once for every market model.

An incident is a script: a generator that acts on the `Venue` (sends orders through its
exchange, asks it to withdraw liquidity) and yields the seconds to wait before it acts again.
SimPy models run a script as a process (`simpy_process`); time-stepped Mesa models wake each
due script at its own time, between the traders' instructions of the step (`ScriptClock`).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Generator, Iterator
from typing import Protocol

import numpy as np
import simpy

from simsynth.incidents import EpisodeId, Occurrence
from simsynth.models.markets.book import BUY, SELL, Result
from simsynth.models.markets.columns import MANIPULATOR
from simsynth.models.markets.exchange import Exchange, OrderBatch
from simsynth.models.markets.incidents import (
    FatFingerParams,
    FlashCrashParams,
    LiquidityWithdrawalParams,
    PumpAndDumpParams,
    Side,
    SpoofingParams,
)
from simsynth.units import Seconds

Script = Generator[Seconds, None, None]
"""Acts, then yields how long to wait before acting again."""
SCRIPTS_STREAM = "incident_scripts"
"""The run's random stream (`RunSeeds.rng`) the scripts draw from: theirs alone, not the
scheduler's `incidents` nor any stream normal traders draw from, so that a run without its
incidents (its counterfactual twin) is identical to it up to the first one."""


class Venue(Protocol):
    """What an incident script needs of a market model."""

    exchange: Exchange
    marketable_limits: bool
    """Whether ordinary traders send limit orders that cross the spread. Where they do not,
    incidents take liquidity with market orders, as ordinary traders do: a limit order trading
    as taker would mark an incident's rows by itself."""

    @property
    def now(self) -> Seconds:
        """The current simulated time."""

    def mean_order_size(self) -> float:
        """Mean size of an ordinary order (incident sizes are multiples of it)."""

    def pick_trader(self, rng: np.random.Generator) -> int:
        """An ordinary trader to act in an incident."""

    def withdraw_liquidity(self, share: float) -> None:
        """Liquidity providers pull `share` of their resting orders and post `share` less."""

    def restore_liquidity(self) -> None:
        """Liquidity providers behave normally again."""


def script(venue: Venue, occurrence: Occurrence, rng: np.random.Generator) -> Script:
    """The script of one scheduled incident (starting at its time)."""
    actor = Actor(venue, occurrence.episode_id, rng)
    return SCRIPTS[occurrence.kind](actor, occurrence.params)


class Actor:
    """An ordinary trader turned actor of one episode: its orders carry the episode.

    It sends one instruction at a time and waits a random latency between them, so that its
    rows neither share timestamps nor fall on round times, which ordinary rows never do.
    """

    def __init__(self, venue: Venue, episode_id: EpisodeId, rng: np.random.Generator):
        self.venue = venue
        self.exchange = venue.exchange
        self.episode_id = episode_id
        self.rng = rng
        self.trader_id = venue.pick_trader(rng)

    def size(self, multiple: float) -> int:
        """An order size of about `multiple` x the mean ordinary size (+-30 %, at least 1)."""
        mean = multiple * self.venue.mean_order_size()
        return max(1, round(mean * self.rng.uniform(0.7, 1.3)))

    def side(self, choice: Side) -> int:
        """BUY or SELL, as the params say or at random."""
        if choice == "random":
            return int(self.rng.integers(2))
        return BUY if choice == "buy" else SELL

    def latency(self) -> Seconds:
        """A short random pause between two instructions (exponential, mean 0.3 s)."""
        return float(self.rng.exponential(MEAN_LATENCY))

    def about(self, seconds: Seconds) -> Seconds:
        """`seconds`, give or take a quarter."""
        return seconds * float(self.rng.uniform(0.75, 1.25))

    def limit(self, side: int, price: int, quantity: int) -> tuple[int, Result]:
        """Send a limit order now; its order id and what it did."""
        batch = self.exchange.batch()
        order_id = batch.limit(
            self.venue.now, self.trader_id, side, price, quantity, self.episode_id, MANIPULATOR
        )
        return order_id, self._send(batch)

    def market(self, side: int, quantity: int) -> Result:
        """Send a market order now; what it did."""
        batch = self.exchange.batch()
        batch.market(self.venue.now, self.trader_id, side, quantity, self.episode_id, MANIPULATOR)
        return self._send(batch)

    def cancel(self, order_id: int) -> bool:
        """Cancel what rests of one of the actor's orders; whether anything did."""
        if not self.exchange.book.resting_quantity(order_id):
            return False
        batch = self.exchange.batch()
        batch.cancel(self.venue.now, self.trader_id, order_id, self.episode_id, MANIPULATOR)
        self._send(batch)
        return True

    @staticmethod
    def _send(batch: OrderBatch) -> Result:
        results = batch.send()
        assert results is not None
        return results.row(0)

    def price(self) -> float:
        """The mid price now, in currency."""
        return self.exchange.mid() * self.exchange.tick_size

    def open_window(self) -> None:
        """Label every other row as affected from now on; the episode starts now, with the
        window, so that all rows inside the episode's times carry its label."""
        self.exchange.open_window(self.episode_id)
        self.exchange.episodes.start(self.episode_id, self.venue.now)

    def end(self, **details: object) -> None:
        """Close the episode now, with what the script decided."""
        episodes = self.exchange.episodes
        episodes.end(self.episode_id, self.venue.now)
        episodes.resolve(self.episode_id, trader_id=self.trader_id, **details)


MEAN_LATENCY = 0.3
"""Mean seconds between two instructions of an incident's actor."""


def _away(side: int, price: int, ticks: int) -> int:
    """`ticks` further from the market than `price` on `side` (lower for bids)."""
    return price - ticks if side == BUY else price + ticks


def spoofing(actor: Actor, params: SpoofingParams) -> Script:
    venue, exchange = actor.venue, actor.exchange
    yield actor.latency()
    genuine_side = actor.side(params.side)
    spoof_side = 1 - genuine_side
    end = venue.now + params.duration
    rounds = 0
    while venue.now < end:
        rounds += 1
        spoofs = []
        for layer in range(params.layers):
            price = _away(spoof_side, exchange.touch(spoof_side), params.distance + layer)
            spoofs.append(actor.limit(spoof_side, price, actor.size(params.spoof_size))[0])
            yield actor.latency()
        yield actor.about(params.hold / 2)
        genuine, _ = actor.limit(
            genuine_side, exchange.touch(genuine_side), actor.size(params.genuine_size)
        )
        yield actor.about(params.hold / 2)
        for order_id in spoofs:
            if actor.cancel(order_id):
                yield actor.latency()
        yield actor.about(max(params.cycle - params.hold, 0.0) / 2)
        actor.cancel(genuine)
        yield actor.about(max(params.cycle - params.hold, 0.0) / 2)
    actor.end(genuine_side="buy" if genuine_side == BUY else "sell", rounds=rounds)


def pump_and_dump(actor: Actor, params: PumpAndDumpParams) -> Script:
    venue = actor.venue
    yield actor.latency()
    accounts = [
        actor.trader_id,
        *(venue.pick_trader(actor.rng) for _ in range(params.accounts - 1)),
    ]
    held = dict.fromkeys(accounts, 0)
    prices = {"start_price": actor.price()}
    for phase, side, length in (("pump", BUY, params.pump), ("dump", SELL, params.dump)):
        end = venue.now + length
        while venue.now < end:
            account = accounts[int(actor.rng.integers(len(accounts)))]
            quantity = actor.size(params.size) if side == BUY else held[account]
            if quantity > 0:
                actor.trader_id = account
                filled = yield from _take(actor, side, quantity)
                held[account] += filled if side == BUY else -filled
            yield float(actor.rng.exponential(1.0 / (params.order_rate * len(accounts))))
        prices[f"{phase}_end_price"] = actor.price()
    actor.trader_id = accounts[0]
    actor.end(accounts=accounts, unsold=sum(held.values()), **prices)


def _take(actor: Actor, side: int, quantity: int) -> Generator[Seconds, None, int]:
    """Take liquidity the way ordinary traders of the venue do: a limit order at the opposite
    best whose rest is cancelled at once, or a market order. Returns the quantity filled."""
    if not actor.venue.marketable_limits:
        return actor.market(side, quantity).filled
    order_id, result = actor.limit(side, actor.exchange.touch(1 - side), quantity)
    if actor.cancel(order_id):  # marketable limit: never leave the rest behind
        yield actor.latency()
    return result.filled


def fat_finger(actor: Actor, params: FatFingerParams) -> Script:
    exchange = actor.exchange
    yield actor.latency()
    side = actor.side(params.side)
    quantity = actor.size(params.size)
    order_type = params.order_type or ("limit" if actor.venue.marketable_limits else "market")
    if order_type == "market":
        actor.market(side, quantity)
    else:
        price = _away(1 - side, exchange.touch(1 - side), params.through)
        order_id, _ = actor.limit(side, price, quantity)
        yield actor.about(params.notice)
        actor.cancel(order_id)
    actor.end(side="buy" if side == BUY else "sell", quantity=quantity)


def liquidity_withdrawal(actor: Actor, params: LiquidityWithdrawalParams) -> Script:
    exchange = actor.exchange
    yield actor.latency()
    actor.open_window()
    actor.venue.withdraw_liquidity(params.share)
    yield params.duration
    actor.venue.restore_liquidity()
    exchange.close_window(actor.episode_id)
    actor.end()


def flash_crash(actor: Actor, params: FlashCrashParams) -> Script:
    venue, exchange = actor.venue, actor.exchange
    yield actor.latency()
    start, start_price = venue.now, actor.price()
    actor.open_window()
    venue.withdraw_liquidity(params.share)
    total = actor.size(params.size)
    floor = max(exchange.book.min_price, round(exchange.mid() * (1 - params.floor)))
    sold, low = 0, start_price
    for index in range(params.slices):
        yield actor.about(params.sweep / params.slices)
        quantity = total // params.slices + (index < total % params.slices)
        sold += actor.limit(SELL, floor, quantity)[1].filled
        low = min(low, actor.price())
    yield max(start + params.withdrawal - venue.now, 0.0)
    venue.restore_liquidity()
    yield max(start + params.duration - venue.now, 0.0)
    exchange.close_window(actor.episode_id)
    actor.end(quantity=total, sold=sold, start_price=start_price, low_price=low)


SCRIPTS: dict[str, Callable[..., Script]] = {
    "spoofing": spoofing,
    "pump_and_dump": pump_and_dump,
    "fat_finger": fat_finger,
    "liquidity_withdrawal": liquidity_withdrawal,
    "flash_crash": flash_crash,
}


def simpy_process(env: simpy.Environment, at: Seconds, steps: Iterator[Seconds]):
    """A SimPy process running a script from time `at`."""
    yield env.timeout(max(at - env.now, 0.0))
    for delay in steps:
        yield env.timeout(delay)


class ScriptClock:
    """Runs scripts in a time-stepped model: `wake(now)` advances every script that is due."""

    def __init__(self) -> None:
        self._due: list[tuple[Seconds, int, Iterator[Seconds]]] = []
        self._count = 0

    def start(self, at: Seconds, steps: Iterator[Seconds]) -> None:
        """Run `steps` from time `at` on."""
        heapq.heappush(self._due, (at, self._count, steps))
        self._count += 1

    def next_time(self) -> Seconds:
        """When the next script is due (infinity if none is)."""
        return self._due[0][0] if self._due else math.inf

    def wake(self, now: Seconds) -> None:
        """Advance every script due at or before `now`, each as often as it is due."""
        while self._due and self._due[0][0] <= now:
            at, order, steps = heapq.heappop(self._due)
            delay = next(steps, None)
            if delay is not None:
                heapq.heappush(self._due, (at + delay, order, steps))
