"""Transactions per second of `customers.card_network` against an idiomatic plain-Mesa version.

Both simulate the same normal world (no incidents): the same holders, segments, habitual
merchants (preferential attachment), hour-of-day and weekday rhythms, lognormal amounts per
category and credit-limit approvals, one step per hour.

* `simsynth.run`: the public API on a scenario file; the numba kernel draws each hour's
  payments and the sink writes them, labelled, to Parquet. Timing includes building the world.
* the simsynth model alone: the same run with its rows counted instead of written (internal
  API), which splits simsynth's time between simulating and recording.
* reference, plain Mesa: one `CardHolder.step()` per holder per hour (`model.agents.do`)
  drawing its payments with the model's generators and appending them to a list; it stores
  nothing else and writes nothing. It reuses simsynth's world (arrays) so that both simulate
  the very same population; building it is not timed.

Target: simsynth >= 50x the plain-Mesa version. Figures are printed, never checked.

    python benchmarks/card_network_throughput.py           # 10,000 holders, 30 days
    python benchmarks/card_network_throughput.py --quick   # smoke test, a few seconds
"""

from __future__ import annotations

import math
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import mesa
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Contender, measure, parse_options, print_table, run_model_only

import simsynth
from simsynth.calendar import Calendar
from simsynth.models.customers.card_network.params import CardNetworkParams
from simsynth.models.customers.card_network.world import World, build_world

HOUR = 3600.0


@dataclass(frozen=True)
class Size:
    holders: int
    merchants: int
    days: int
    repeats: int

    def scenario_yaml(self) -> str:
        return (
            f"name: bench\nmodel: customers.card_network\nseed: 1\nduration: {self.days}d\n"
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
        self.balance = 0.0

    def step(self) -> None:
        model = self.model
        count = self.rng.poisson(self.rate_per_hour * model.factor)
        for _ in range(count):
            if self.random.random() < model.params.habit_share:
                merchant = self.random.choice(self.habits)
            else:
                merchant = model.popular_merchant()
            category = model.categories[merchant]
            amount = round(
                self.multiplier
                * math.exp(self.random.gauss(model.mu[category], model.sigma[category])),
                2,
            )
            online = self.random.random() < model.online[category]
            channel = (
                "online"
                if online
                else ("contactless" if self.random.random() < self.contactless else "card_present")
            )
            approved = (
                self.balance + amount <= self.limit
                and self.random.random() >= model.params.decline_rate
            )
            if approved:
                self.balance += amount
            model.payments.append(
                (
                    model.now + self.random.random() * HOUR,
                    self.index,
                    merchant,
                    amount,
                    channel,
                    approved,
                )
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
        self.calendar = Calendar()
        self.now = 0.0
        self.factor = 1.0
        self.payments: list[tuple] = []
        PlainCardHolder.create_agents(self, world.holders, list(range(world.holders)))

    def popular_merchant(self) -> int:
        return int(
            np.searchsorted(
                self.popularity, self.random.random() * self.popularity[-1], side="right"
            )
        )

    def step(self) -> None:
        moment = self.calendar.at(self.now)
        hourly, weekly = self.params.hourly_profile, self.params.weekly_profile
        self.factor = (
            hourly[moment.hour] / (sum(hourly) / 24) * weekly[moment.weekday()] / (sum(weekly) / 7)
        )
        self.agents.do("step")
        self.now += HOUR


def run_plain_mesa(size: Size) -> int:
    params = CardNetworkParams(card_holders=size.holders, merchants=size.merchants)
    world = build_world(params, np.random.default_rng(1))
    model = PlainCardWorld(world, params)
    for _ in range(size.days * 24):
        model.step()
    return len(model.payments)


def run_simsynth(scenario: Path, out: Path) -> int:
    return int(simsynth.run(scenario, out=out, overwrite=True)["counts"]["events"])


def main() -> None:
    options = parse_options(__doc__.splitlines()[0])
    size = QUICK if options.quick else DEFAULT
    repeats = options.repeats or size.repeats
    with tempfile.TemporaryDirectory(prefix="simsynth-bench-") as tmp:
        scenario = Path(tmp) / "bench.yaml"
        scenario.write_text(size.scenario_yaml())
        run_simsynth(scenario, Path(tmp) / "warm-up")  # numba compiles (or loads its cache)
        plain = Contender("plain Mesa, one step per holder-hour", lambda _: run_plain_mesa(size))
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
