"""Mesa agents of the card network: holders' rare decisions and the plans behind incidents.

Everyday payments come from the numba kernel; agents only decide what is rare (a new device,
a replaced card) or follow a plan (a fraudster's, a leaving customer's). Plans draw their
moves when they start, from the Mesa model's generator, and act hour by hour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from simsynth.incidents import Occurrence
from simsynth.models.customers.card_network.incidents import FRAUDSTER
from simsynth.models.customers.card_network.kernels import CONTACTLESS, NO_DEVICE, ONLINE
from simsynth.units import Seconds

if TYPE_CHECKING:
    from simsynth.models.customers.card_network.model import CardNetwork

CHURN_FLOOR = 0.01
"""A churner's activity below which it stops paying altogether."""


class CardHolder(mesa.Agent):
    """A card holder; its everyday state lives in the world's arrays at `index`."""

    model: CardNetwork

    def __init__(self, model: CardNetwork, index: int):
        super().__init__(model)
        self.index = index

    def change_device(self) -> None:
        """Start paying online from a new phone or computer."""
        self.model.world.device[self.index] = self.model.new_device_id()

    def start_trip(self, region: int) -> None:
        """Travel to `region`: in-store payments happen there until `end_trip`."""
        self.model.world.away_region[self.index] = region

    def end_trip(self) -> None:
        """Come home."""
        self.model.world.away_region[self.index] = -1

    def replace_card(self) -> None:
        """The bank reissues the card (after fraud on it)."""
        self.model.world.card_id[self.index] = self.model.new_card_id()


@dataclass(order=True, frozen=True)
class Payment:
    """A payment a plan will make."""

    time: Seconds
    holder: int
    merchant: int
    amount: float
    channel: int
    device: int
    role: int
    decline_rate: float


class Plan(mesa.Agent):
    """An incident's course of action: payments at planned times, then an end."""

    model: CardNetwork

    def __init__(self, model: CardNetwork, occurrence: Occurrence):
        super().__init__(model)
        self.episode = occurrence.episode_id
        self.params = occurrence.params
        self.start = occurrence.at
        self.pending: list[Payment] = []
        self.victims: list[int] = []
        self.last_time = occurrence.at

    def act(self, start: Seconds, end: Seconds) -> None:
        """Make the payments due in `[start, end)`; finish when nothing is left to do."""
        while self.pending and self.pending[0].time < end:
            payment = self.pending.pop(0)
            self.model.pay(payment, self.episode)
            self.last_time = payment.time
        if not self.pending and self.done(end):
            self.finish(end)

    def done(self, now: Seconds) -> bool:
        """Whether the plan is over once its pending payments are made."""
        return True

    def finish(self, now: Seconds) -> None:
        """Close the episode, reissue the victims' cards, and leave the model."""
        self.model.episodes.end(self.episode, self.last_time)
        for holder in self.victims:
            self.model.holders[holder].replace_card()
        self.model.plans.remove(self)
        self.remove()

    def close(self, now: Seconds) -> None:
        """The run ends at `now` with the plan unfinished: the episode ends at its last act."""
        self.model.episodes.end(self.episode, self.last_time)

    def plan(self, payments: list[Payment]) -> None:
        self.pending = sorted(payments)

    def holder(self) -> int:
        """A random active holder, recorded as this episode's entity."""
        active = np.flatnonzero(self.model.world.activity > CHURN_FLOOR)
        holder = int(self.rng.choice(active))
        self.model.episodes.touch(self.episode, holder)
        return holder

    def amount(self, category: int, multiplier: float = 1.0) -> float:
        world = self.model.world
        value = math.exp(
            world.category_mu[category]
            + world.category_sigma[category] * self.rng.standard_normal()
        )
        return round(value * multiplier, 2)


class CardTesting(Plan):
    """Small test payments at a few merchants, then one large purchase."""

    def __init__(self, model: CardNetwork, occurrence: Occurrence):
        super().__init__(model, occurrence)
        p = self.params
        holder = self.holder()
        self.victims = [holder]
        merchants = self.rng.choice(model.online_merchants, size=p.merchants)
        device = model.fraud_device_id()
        times = self.start + np.sort(self.rng.uniform(0, p.burst, p.tests))
        payments = [
            Payment(
                float(t),
                holder,
                int(self.rng.choice(merchants)),
                round(float(self.rng.uniform(0.5, p.test_amount_max)), 2),
                ONLINE,
                device,
                FRAUDSTER,
                p.decline_rate,
            )
            for t in times
        ]
        big_merchant = int(self.rng.choice(model.online_merchants))
        big_time = float(times[-1] + self.rng.exponential(p.cash_out_delay))
        big_amount = round(float(p.cash_out_amount * math.exp(0.5 * self.rng.standard_normal())), 2)
        payments.append(
            Payment(
                big_time,
                holder,
                big_merchant,
                big_amount,
                ONLINE,
                device,
                FRAUDSTER,
                model.params.decline_rate,
            )
        )
        self.plan(payments)
        model.episodes.resolve(self.episode, holder=holder, merchants=sorted(map(int, merchants)))


class AccountTakeover(Plan):
    """Online purchases from a new device at merchants the holder never used."""

    def __init__(self, model: CardNetwork, occurrence: Occurrence):
        super().__init__(model, occurrence)
        p = self.params
        holder = self.holder()
        self.victims = [holder]
        world = model.world
        device = model.fraud_device_id()
        candidates = np.setdiff1d(model.high_value_merchants, world.habits[holder])
        times = self.start + np.sort(self.rng.uniform(0, p.duration, p.purchases))
        payments = []
        for t in times:
            merchant = int(self.rng.choice(candidates))
            amount = self.amount(world.merchant_category[merchant], p.amount_multiplier)
            payments.append(
                Payment(
                    float(t),
                    holder,
                    merchant,
                    amount,
                    ONLINE,
                    device,
                    FRAUDSTER,
                    model.params.decline_rate,
                )
            )
        self.plan(payments)
        model.episodes.resolve(self.episode, holder=holder, device=device)


class BustOut(Plan):
    """Many high-value purchases, together worth more than the remaining credit."""

    def __init__(self, model: CardNetwork, occurrence: Occurrence):
        super().__init__(model, occurrence)
        p = self.params
        holder = self.holder()
        world = model.world
        remaining = max(world.credit_limit[holder] - world.balance[holder], 100.0)
        shares = self.rng.dirichlet(np.ones(p.purchases))
        times = self.start + np.sort(self.rng.uniform(0, p.duration, p.purchases))
        payments = []
        for t, share in zip(times, shares, strict=True):
            merchant = int(self.rng.choice(model.high_value_merchants))
            channel = ONLINE if self.rng.random() < 0.5 else CONTACTLESS
            device = int(world.device[holder]) if channel == ONLINE else NO_DEVICE
            payments.append(
                Payment(
                    float(t),
                    holder,
                    merchant,
                    round(float(share * remaining * p.limit_multiple), 2),
                    channel,
                    device,
                    FRAUDSTER,
                    model.params.decline_rate,
                )
            )
        self.plan(payments)
        model.episodes.resolve(self.episode, holder=holder)


class MerchantCompromise(Plan):
    """Skimmers at a few merchants for a window; later, some exposed cards are used elsewhere."""

    def __init__(self, model: CardNetwork, occurrence: Occurrence):
        super().__init__(model, occurrence)
        p = self.params
        self.merchants = self.rng.choice(model.world.merchants, size=p.merchants, replace=False)
        self.window_end = self.start + p.window
        model.label_window(self.episode, self.start, self.window_end)
        self.skimming = False
        self.cashing_out = False
        model.episodes.resolve(self.episode, compromised_merchants=sorted(map(int, self.merchants)))

    def act(self, start: Seconds, end: Seconds) -> None:
        if not self.skimming and not self.cashing_out and self.start < end:
            self._set_skimming(True)
        if self.skimming and self.window_end < end:
            self._set_skimming(False)
            self.last_time = self.window_end
            self._plan_cash_out()
        super().act(start, end)

    def _set_skimming(self, on: bool) -> None:
        self.skimming = on
        self.cashing_out = not on
        self.model.skimmed[self.merchants] = self.episode if on else -1

    def done(self, now: Seconds) -> bool:
        return self.cashing_out

    def close(self, now: Seconds) -> None:
        if self.skimming:
            self.last_time = now
        super().close(now)

    def _plan_cash_out(self) -> None:
        p = self.params
        world = self.model.world
        exposed = np.unique(self.model.episodes.entities[self.episode])
        used = exposed[self.rng.random(len(exposed)) < p.cash_out_share]
        self.victims = [int(h) for h in used]
        payments = []
        for holder in self.victims:
            first = self.window_end + self.rng.exponential(p.cash_out_delay)
            device = self.model.fraud_device_id()
            for use in range(p.uses_per_card):
                merchant = int(self.rng.choice(self.model.high_value_merchants))
                online = self.rng.random() < 0.6
                payments.append(
                    Payment(
                        float(first + use * self.rng.exponential(3600.0)),
                        holder,
                        merchant,
                        self.amount(world.merchant_category[merchant], 2.0),
                        ONLINE if online else CONTACTLESS,
                        device if online else NO_DEVICE,
                        FRAUDSTER,
                        self.model.params.decline_rate,
                    )
                )
        self.plan(payments)


class Churn(Plan):
    """A holder whose spending decays exponentially until it stops."""

    def __init__(self, model: CardNetwork, occurrence: Occurrence):
        super().__init__(model, occurrence)
        self.holder_index = self.holder()
        model.holder_episode[self.holder_index] = self.episode
        model.label_window(self.episode, self.start, np.inf)
        model.episodes.resolve(self.episode, holder=self.holder_index)

    def act(self, start: Seconds, end: Seconds) -> None:
        level = math.exp(-(end - self.start) / self.params.decay)
        self.model.world.set_activity(self.holder_index, level if level > CHURN_FLOOR else 0.0)
        if level <= CHURN_FLOOR:
            self.finish(end)

    def close(self, now: Seconds) -> None:
        self.model.episodes.end(self.episode, now)

    def finish(self, now: Seconds) -> None:
        self.model.holder_episode[self.holder_index] = -1
        self.model.episodes.end(self.episode, now)
        self.model.plans.remove(self)
        self.remove()


PLANS: dict[str, type[Plan]] = {
    "card_testing": CardTesting,
    "account_takeover": AccountTakeover,
    "merchant_compromise": MerchantCompromise,
    "bust_out": BustOut,
    "churn": Churn,
}
"""The plan that carries out each incident kind."""
