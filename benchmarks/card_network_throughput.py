"""Transactions per second of `customers.card_network` against an idiomatic plain-Mesa version.

Both simulate the same normal world (no incidents): the same holders, segments, habitual
merchants (preferential attachment), hour-of-day and weekday rhythms, lognormal amounts per
category and credit-limit approvals, one step per hour.

* `simsynth.run`: the public API on a scenario file; the numba kernel draws each hour's
  payments and the sink writes them, labelled, to Parquet. Timing includes building the world.
* the simsynth model alone: the same run with its rows counted instead of written (internal
  API), which splits simsynth's time between simulating and recording.
* reference, plain Mesa: what a competent Mesa 3.3 user writes for the same rules: one
  `CardHolder.step()` per holder per hour (`model.agents.do`) drawing its payments with the
  model's generators (a Poisson count from `self.rng`, the rest from `self.random`), picking a
  merchant by popularity with `bisect` on the cumulative popularity (a Python list), and
  appending a tuple per payment to a list; at midnight `agents.do("new_day")` lets holders come
  home from or leave on trips (paying in store at the region's merchants) and, on payday, pay
  off their balance; the hour's spending level includes the payday and holiday boosts. It
  stores nothing else and writes nothing (nor draws new devices, which change none of its
  columns). It runs on simsynth's very world (the same arrays, drawn by simsynth's
  `build_world` from the same seed stream, ~25 ms) and, like `simsynth.run`, builds its world
  and agents (~0.25 s of its ~9 s) inside the timing.

Before timing, the reference's payments are checked against simsynth's (the warm-up run of
the same scenario): the number of payments, the mean amount, the distribution of amounts (a
two-sample Kolmogorov-Smirnov test at 0.1 %), the approval rate and the online share must agree
within sampling error (`harness.Z` standard errors); quantiles are printed alongside. The
script stops if one does not.

Target: simsynth >= 50x the plain-Mesa version. Figures are printed, never checked.

    python benchmarks/card_network_throughput.py           # 10,000 holders, 30 days
    python benchmarks/card_network_throughput.py --quick   # smoke test, a few seconds
"""

from __future__ import annotations

import bisect
import itertools
import math
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import mesa
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (
    Contender,
    Figure,
    check_same_work,
    counts_tolerance,
    means_tolerance,
    measure,
    parse_options,
    print_table,
    run_model_only,
    shares_tolerance,
)

import simsynth
from simsynth.calendar import Calendar
from simsynth.models.customers.card_network.params import CardNetworkParams
from simsynth.models.customers.card_network.world import World, build_world
from simsynth.seeding import RunSeeds

HOUR = 3600.0
DAY = 86400.0
SEED = 1


@dataclass(frozen=True)
class Size:
    holders: int
    merchants: int
    days: int
    repeats: int

    def scenario_yaml(self) -> str:
        return (
            f"name: bench\nmodel: customers.card_network\nseed: {SEED}\nduration: {self.days}d\n"
            f"params: {{card_holders: {self.holders}, merchants: {self.merchants}}}\n"
        )


DEFAULT = Size(holders=10_000, merchants=1_000, days=30, repeats=3)
QUICK = Size(holders=1_000, merchants=100, days=1, repeats=1)


class PlainCardHolder(mesa.Agent):
    """A holder that draws its own payments every hour, the way plain Mesa models do."""

    model: PlainCardWorld

    def __init__(self, model: PlainCardWorld, index: int):
        super().__init__(model)
        self.index = index
        world = model.world
        self.rate_per_hour = world.transactions_per_day[index] / 24.0
        self.habits = world.habits[index].tolist()
        self.multiplier = float(world.amount_multiplier[index])
        self.contactless = float(world.contactless_share[index])
        self.limit = float(world.credit_limit[index])
        self.region = int(world.region[index])
        self.balance = 0.0
        self.away: list[int] | None = None
        """The merchants of the region the holder is travelling in; None at home."""
        self.back = 0.0

    def new_day(self) -> None:
        """Midnight: come home from a trip or leave on one; on payday the balance is paid off."""
        model = self.model
        if self.away is not None and self.back <= model.now:
            self.away = None
        if self.away is None and model.regions > 1 and self.random.random() < model.trip_chance:
            region = (self.region + self.random.randint(1, model.regions - 1)) % model.regions
            self.away = model.region_merchants[region] or None  # a region without merchants
            days = max(1, round(self.random.expovariate(1.0) * model.trip_days))
            self.back = model.now + days * DAY
        if model.payday_today:
            self.balance = 0.0

    def step(self) -> None:
        model = self.model
        count = self.rng.poisson(self.rate_per_hour * model.factor)
        for _ in range(count):
            random = self.random.random
            if self.away is not None:
                merchant = self.random.choice(self.away)
            elif random() < model.habit_share:
                merchant = self.random.choice(self.habits)
            else:
                merchant = bisect.bisect_right(model.popularity, random() * model.popularity[-1])
            category = model.categories[merchant]
            noise = self.random.gauss(model.mu[category], model.sigma[category])
            amount = round(self.multiplier * math.exp(noise), 2)
            if random() < model.online[category]:
                channel = "online"
            else:
                channel = "contactless" if random() < self.contactless else "card_present"
            approved = self.balance + amount <= self.limit and random() >= model.decline_rate
            if approved:
                self.balance += amount
            model.payments.append(
                (model.now + random() * HOUR, self.index, merchant, amount, channel, approved)
            )


class PlainCardWorld(mesa.Model):
    """The same world as `customers.card_network`, one agent call per holder per hour."""

    def __init__(self, world: World, params: CardNetworkParams, seed: int = 1):
        super().__init__(seed=seed)
        self.world, self.params = world, params
        self.categories = world.merchant_category.tolist()
        self.mu, self.sigma = world.category_mu.tolist(), world.category_sigma.tolist()
        self.online = world.category_online.tolist()
        self.popularity = world.popularity_cumsum.tolist()
        self.region_merchants = [
            world.region_merchants[first:last].tolist()
            for first, last in itertools.pairwise(world.region_offsets.tolist())
        ]
        self.habit_share, self.decline_rate = params.habit_share, params.decline_rate
        self.regions = params.regions
        self.trip_chance = params.trips_per_year / 365.0
        self.trip_days = params.trip_length / DAY
        hourly, weekly = params.hourly_profile, params.weekly_profile
        self.hourly = [level / (sum(hourly) / 24) for level in hourly]
        self.weekly = [level / (sum(weekly) / 7) for level in weekly]
        self.calendar = Calendar()
        self.now = 0.0
        self.factor = 1.0
        self.payday_today = False
        self.payments: list[tuple] = []
        PlainCardHolder.create_agents(self, world.holders, list(range(world.holders)))

    def step(self) -> None:
        """An hour: at midnight the holders' day starts; then every holder draws its payments."""
        params = self.params
        moment = self.calendar.at(self.now)
        if moment.hour == 0:
            self.payday_today = moment.day == params.payday
            self.agents.do("new_day")
        self.factor = self.hourly[moment.hour] * self.weekly[moment.weekday()]
        if params.payday is not None and 0 <= moment.day - params.payday <= 2:
            self.factor *= params.payday_boost
        if moment.date() in params.holidays:
            self.factor *= params.holiday_boost
        self.agents.do("step")
        self.now += HOUR


def run_plain_mesa(size: Size) -> PlainCardWorld:
    """The plain-Mesa model over simsynth's very world (drawn from the same seed stream)."""
    params = CardNetworkParams(card_holders=size.holders, merchants=size.merchants)
    world = build_world(params, RunSeeds(SEED, 0).rng("world"))
    model = PlainCardWorld(world, params)
    for _ in range(size.days * 24):
        model.step()
    return model


# --- the same-work check: both drew the same payments before they are timed ---------------------


def check_same_payments(simsynth_out: Path, model: PlainCardWorld, size: Size) -> None:
    """Counts, amounts, approvals and channels of a simsynth run and of the plain-Mesa model
    must agree within sampling error (`harness.Z` standard errors; for the whole distribution
    of amounts, a two-sample Kolmogorov-Smirnov test at the 0.1 % level)."""
    events = pq.read_table(simsynth_out / "events", columns=["amount", "approved", "channel"])
    ours = events["amount"].to_numpy()
    our_approved = events["approved"].to_numpy()
    our_online = events["channel"].cast(pa.string()).to_numpy(zero_copy_only=False) == "online"
    _, _, _, theirs, channels, their_approved = zip(*model.payments, strict=True)
    theirs = np.asarray(theirs)
    their_online = np.asarray(channels) == "online"
    n, m = ours.size, theirs.size
    figures = [
        Figure("payments", n, m, counts_tolerance(n, m)),
        Figure("mean amount", ours.mean(), theirs.mean(), means_tolerance(ours, theirs)),
    ]
    for q in (0.5, 0.9, 0.99):  # printed for reading; the KS statistic below decides
        a, b = np.quantile(ours, q), np.quantile(theirs, q)
        figures.append(Figure(f"amount, {q:.0%} quantile", a, b, None))
    grid = np.union1d(ours, theirs)
    ks = np.abs(
        np.searchsorted(np.sort(ours), grid, "right") / n
        - np.searchsorted(np.sort(theirs), grid, "right") / m
    ).max()
    figures.append(Figure("amounts, KS distance", ks, 0.0, 1.949 * math.sqrt((n + m) / (n * m))))
    for name, a, b in (
        ("approval rate", our_approved.mean(), np.mean(their_approved)),
        ("online share", our_online.mean(), their_online.mean()),
    ):
        figures.append(Figure(name, a, b, shares_tolerance(a, n, b, m)))
    check_same_work(
        f"{size.holders:,} holders, {size.days} days, same world, own random draws",
        ("simsynth", "plain Mesa"),
        figures,
    )


def run_simsynth(scenario: Path, out: Path) -> int:
    return int(simsynth.run(scenario, out=out, overwrite=True)["counts"]["events"])


def main() -> None:
    options = parse_options(__doc__.splitlines()[0])
    size = QUICK if options.quick else DEFAULT
    repeats = options.repeats or size.repeats
    with tempfile.TemporaryDirectory(prefix="simsynth-bench-") as tmp:
        scenario = Path(tmp) / "bench.yaml"
        scenario.write_text(size.scenario_yaml())
        warm_up = Path(tmp) / "warm-up"
        run_simsynth(scenario, warm_up)  # numba compiles (or loads its cache)
        check_same_payments(warm_up, run_plain_mesa(size), size)
        plain = Contender(
            "plain Mesa, one step per holder-hour", lambda _: len(run_plain_mesa(size).payments)
        )
        contenders = [
            Contender(
                "simsynth.run (numba kernel + Parquet)", lambda out: run_simsynth(scenario, out)
            ),
            plain,
            Contender("simsynth model, rows discarded", lambda _: run_model_only(scenario)),
        ]
        measure(contenders, repeats, Path(tmp))
    print_table(
        f"card network, {size.holders:,} holders, {size.merchants:,} merchants, {size.days} days,"
        f" normal world; best of {repeats} rounds; target: simsynth >= 50x plain Mesa",
        contenders,
        [plain.name],
    )


if __name__ == "__main__":
    main()
