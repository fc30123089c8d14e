"""Card payments of a population of holders at merchants, with five kinds of rare events.

Holders (Mesa agents) shop mostly at habitual merchants linked by preferential attachment;
a numba kernel draws each hour's payments with daily, weekly and payday rhythms, and plans
(Mesa agents) carry out card testing, account takeovers, merchant compromises, bust-outs and
churn on top. Validated by recovering its configured rates, amounts and seasonality.
"""

from __future__ import annotations

import heapq
from functools import cached_property
from typing import ClassVar

import mesa
import numpy as np
import pyarrow as pa

from simsynth.calendar import Calendar
from simsynth.incidents import EpisodeId
from simsynth.model import (
    Column,
    IncidentKind,
    ParamsModel,
    RunContext,
    RunCost,
    SimModel,
    dictionary_type,
    with_categories,
)
from simsynth.models.customers.card_network.agents import PLANS, CardHolder, Payment
from simsynth.models.customers.card_network.incidents import (
    CHURNER,
    INCIDENT_KINDS,
    NORMAL,
    ROLES,
    VICTIM,
)
from simsynth.models.customers.card_network.kernels import CHANNELS
from simsynth.models.customers.card_network.params import CardNetworkParams
from simsynth.models.customers.card_network.world import (
    CARD_IDS,
    DEVICE_IDS,
    EpisodeLabels,
    Payments,
    build_world,
    everyday_payments,
)
from simsynth.units import Seconds

HOUR = 3600.0
DAY = 86400.0
KERNEL_ROLES = {"merchant_compromise": VICTIM, "churn": CHURNER}
"""Role of the payments the kernel labels with an episode of these kinds."""


class CardNetwork(mesa.Model, SimModel):
    """Mesa model of a card portfolio; one step is `params.step` (an hour by default)."""

    key = "customers.card_network"
    summary = "Card holders pay merchants; card testing, takeovers, compromises, bust-outs, churn."
    reference = "its configured incident rates, amount distributions and seasonality"
    overview = "simsynth.models.customers.card_network.figures:overview"
    views = "simsynth.models.customers.card_network.views:panels"

    cost = RunCost(bytes_per_event=18.5, events_per_second=1_200_000.0)

    @classmethod
    def expected_event_rate(cls, params: ParamsModel) -> float:
        """One event a payment: holders times their segments' mean payments a day."""
        assert isinstance(params, CardNetworkParams)
        segments = params.segments.values()
        share = sum(s.share for s in segments)
        per_day = sum(s.share * s.transactions_per_day for s in segments) / share
        return params.card_holders * per_day / 86_400.0

    Params = CardNetworkParams
    incident_kinds: ClassVar[dict[str, IncidentKind]] = INCIDENT_KINDS
    event_types = ("transaction",)
    columns = (
        Column("card_id", pa.int64(), "The card paid with (opaque; reissued after fraud)."),
        Column("merchant_id", pa.int32(), "The merchant paid."),
        Column("mcc", dictionary_type(), "Merchant category (the names in params.categories)."),
        Column("channel", dictionary_type(), "card_present, contactless or online.", CHANNELS),
        Column("region", pa.int32(), "The merchant's region."),
        Column("home_region", pa.int32(), "The card holder's home region."),
        Column("device_id", pa.int64(), "Device of an online payment (opaque); -1 in store."),
        Column("amount", pa.float64(), "Amount of the payment."),
        Column("approved", pa.bool_(), "Whether the payment was authorised."),
        Column("role", dictionary_type(), "normal, fraudster, victim or churner.", ROLES),
    )

    @classmethod
    def event_columns(cls, params: CardNetworkParams) -> tuple[Column, ...]:  # type: ignore[override]
        return with_categories(cls.columns, "mcc", list(params.categories))

    def __init__(self, context: RunContext):
        super().__init__(rng=context.seeds.rng("agents"))
        params: CardNetworkParams = context.params  # type: ignore[assignment]
        self.params = params
        self.duration = context.duration
        self.calendar = Calendar(context.start)
        self.events = context.recorder.events
        self.episodes = context.recorder.episodes
        self.world = build_world(params, context.seeds.rng("world"))
        self.id_rng = context.seeds.rng("ids")
        self.incident_id_rng = context.seeds.rng("incident_ids")
        self.kernel_rng = context.seeds.rng("kernel")
        self.daily_rng = context.seeds.rng("daily")
        # by index (Mesa's own AgentSet of them is `self.agents_by_type[CardHolder]`)
        self.holders = [CardHolder(self, index) for index in range(self.world.holders)]
        self.plans = mesa.agent.AgentSet([], random=self.random)
        self.upcoming = list(context.occurrences)
        episodes = len(context.occurrences) + 1  # the last entry stands for "no episode" (-1)
        self.labels = EpisodeLabels(
            holder_episode=np.full(self.world.holders, -1, np.int64),
            merchant_episode=np.full(self.world.merchants, -1, np.int64),
            label_from=np.full(episodes, np.inf),
            label_until=np.full(episodes, np.inf),
            role=np.full(episodes, NORMAL, np.int32),
        )
        self.holder_episode = self.labels.holder_episode
        self.skimmed = self.labels.merchant_episode
        for occurrence in context.occurrences:
            self.labels.role[occurrence.episode_id] = KERNEL_ROLES.get(occurrence.kind, NORMAL)
        self.now: Seconds = 0.0
        self.next_midnight: Seconds = -self.calendar.clock_offset() % DAY
        self.trips_ending: list[tuple[Seconds, int]] = []
        self._fraud: list[tuple] = []

    def entities(self) -> pa.Table:
        """The card holders: segment, home region, spending rate, contactless habit, limit."""
        world = self.world
        segment = pa.DictionaryArray.from_arrays(
            world.segment, pa.array(list(world.segment_names), pa.string())
        )
        return pa.table(
            {
                "entity_id": pa.array(np.arange(world.holders, dtype=np.int64)),
                "segment": segment,
                "home_region": pa.array(world.region),
                "transactions_per_day": pa.array(world.transactions_per_day),
                "contactless_share": pa.array(world.contactless_share),
                "credit_limit": pa.array(world.credit_limit),
            }
        )

    # --- identifiers and merchant pools used by plans ------------------------------------------

    def new_card_id(self) -> int:
        """A fresh 15-digit card number (cards are reissued only after fraud, so from the
        incidents' own stream)."""
        return int(self.incident_id_rng.integers(*CARD_IDS))

    def new_device_id(self) -> int:
        """A fresh opaque device id for an honest holder's new phone or computer."""
        return int(self.id_rng.integers(*DEVICE_IDS))

    def fraud_device_id(self) -> int:
        """A fresh opaque device id for a fraudster, from the incidents' own stream (so that
        an incident never changes the ids honest holders get)."""
        return int(self.incident_id_rng.integers(*DEVICE_IDS))

    @cached_property
    def online_merchants(self) -> np.ndarray:
        """Merchants of categories mostly paid online (all merchants if there are none)."""
        online = np.flatnonzero(self.world.category_online >= 0.5)
        pool = np.flatnonzero(np.isin(self.world.merchant_category, online))
        return pool if len(pool) else np.arange(self.world.merchants)

    @cached_property
    def high_value_merchants(self) -> np.ndarray:
        """Merchants of the categories whose median amount is at least the median category's."""
        medians = self.world.category_mu
        rich = np.flatnonzero(medians >= np.median(medians))
        return np.flatnonzero(np.isin(self.world.merchant_category, rich))

    # --- running --------------------------------------------------------------------------------

    def advance(self, until: Seconds) -> None:
        while self.now + self.params.step <= until and self.now < self.duration:
            self.tick()

    def finish(self) -> None:
        while self.now < self.duration:
            self.tick()
        self.plans.do("close", self.now)

    def tick(self) -> None:
        start = self.now
        end = min(start + self.params.step, self.duration)
        while self.next_midnight < end:
            self._new_day(self.next_midnight)
            self.next_midnight += DAY
        while self.upcoming and self.upcoming[0].at < end:
            occurrence = self.upcoming.pop(0)
            self.plans.add(PLANS[occurrence.kind](self, occurrence))
        self.plans.do("act", start, end)
        self._emit(self._everyday_payments(start, end), self._take_fraud())
        self.now = end

    def _new_day(self, now: Seconds) -> None:
        """Midnight: holders come home or leave on trips, a few get new devices; on payday,
        balances are paid off."""
        params, world = self.params, self.world
        while self.trips_ending and self.trips_ending[0][0] <= now:
            _, holder = heapq.heappop(self.trips_ending)
            self.holders[holder].end_trip()
        chance = params.device_changes_per_year / 365.0
        for holder in np.flatnonzero(self.daily_rng.random(world.holders) < chance):
            self.holders[holder].change_device()
        if params.regions > 1:
            leaving = self.daily_rng.random(world.holders) < params.trips_per_year / 365.0
            for holder in np.flatnonzero(leaving & (world.away_region < 0)):
                offset = int(self.daily_rng.integers(1, params.regions))
                self.holders[holder].start_trip((world.region[holder] + offset) % params.regions)
                back = now + DAY * max(
                    1, round(self.daily_rng.exponential(params.trip_length / DAY))
                )
                heapq.heappush(self.trips_ending, (back, int(holder)))
        if self.params.payday is not None and self.calendar.at(now).day == self.params.payday:
            self.world.balance[:] = 0.0

    @cached_property
    def _hourly(self) -> np.ndarray:
        hourly = np.asarray(self.params.hourly_profile)
        return hourly / hourly.mean()

    @cached_property
    def _weekly(self) -> np.ndarray:
        weekly = np.asarray(self.params.weekly_profile)
        return weekly / weekly.mean()

    def spending_factor(self, now: Seconds) -> float:
        """Relative spending in the hour starting at `now` (1 = an average hour)."""
        params = self.params
        moment = self.calendar.at(now)
        factor = self._hourly[moment.hour] * self._weekly[moment.weekday()]
        if params.payday is not None and 0 <= moment.day - params.payday <= 2:
            factor *= params.payday_boost
        if moment.date() in params.holidays:
            factor *= params.holiday_boost
        return float(factor)

    def _everyday_payments(self, start: Seconds, end: Seconds) -> Payments:
        world, params = self.world, self.params
        piece_start = np.arange(start, end, HOUR)
        piece_length = np.minimum(piece_start + HOUR, end) - piece_start
        piece_weight = np.array([self.spending_factor(t) for t in piece_start]) * piece_length
        payments = everyday_payments(
            world,
            self.kernel_rng,
            (piece_start, piece_length, piece_weight),
            habit_share=params.habit_share,
            decline_rate=params.decline_rate,
            labels=self.labels,
        )
        labelled = np.flatnonzero(payments.episode >= 0)
        if len(labelled):
            pairs = zip(
                payments.episode[labelled].tolist(), payments.holder[labelled].tolist(), strict=True
            )
            for episode_id, who in sorted(set(pairs)):
                self.episodes.touch(episode_id, who)
        return payments

    def label_window(self, episode: EpisodeId, start: Seconds, end: Seconds) -> None:
        """Label the kernel's payments with `episode` only within `[start, end)`."""
        self.labels.label_from[episode] = start
        self.labels.label_until[episode] = end

    def pay(self, payment: Payment, episode: EpisodeId) -> None:
        """Authorise a planned (fraudulent) payment and record it for this hour's events."""
        world = self.world
        holder = payment.holder
        approved = (
            world.balance[holder] + payment.amount <= world.credit_limit[holder]
            and self.rng.random() >= payment.decline_rate
        )
        if approved:
            world.balance[holder] += payment.amount
        self._fraud.append(
            (
                payment.time,
                holder,
                payment.merchant,
                payment.amount,
                payment.channel,
                payment.device,
                approved,
                episode,
                payment.role,
            )
        )

    def _take_fraud(self) -> Payments | None:
        """This step's planned payments as columns, or None if there were none."""
        rows, self._fraud = self._fraud, []
        if not rows:
            return None
        time, holder, merchant, amount, channel, device, approved, episode, role = zip(
            *rows, strict=True
        )
        holder, merchant = np.asarray(holder, np.int64), np.asarray(merchant, np.int32)
        world = self.world
        return Payments(
            time=np.asarray(time, np.float64),
            holder=holder,
            card_id=world.card_id[holder],
            merchant=merchant,
            category=world.merchant_category[merchant],
            channel=np.asarray(channel, np.int32),
            region=world.merchant_region[merchant],
            home_region=world.region[holder],
            device=np.asarray(device, np.int64),
            amount=np.asarray(amount, np.float64),
            approved=np.asarray(approved, np.bool_),
            episode=np.asarray(episode, np.int64),
            role=np.asarray(role, np.int32),
        )

    def _emit(self, payments: Payments, fraud: Payments | None) -> None:
        """Record a step's payments, the planned ones merged in time order."""
        if fraud is not None:
            merged = (np.concatenate(pair) for pair in zip(payments, fraud, strict=True))
            payments = Payments(*merged)
            order = np.argsort(payments.time, kind="stable")
            payments = Payments(*(column[order] for column in payments))
        self.events.emit_columns(
            payments.time,
            np.zeros(len(payments.time), np.int32),
            payments.holder,
            payments.episode,
            [
                payments.card_id,
                payments.merchant,
                payments.category,
                payments.channel,
                payments.region,
                payments.home_region,
                payments.device,
                payments.amount,
                payments.approved,
                payments.role,
            ],
        )
