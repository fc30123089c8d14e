"""Labelled events per second of `markets.traders`, side by side with idiomatic Mesa.

The same market (the model's default parameters: 6 market makers, 40 noise traders, 40
fundamentalists, 120 herding speculators, 1 s steps, no incidents) is simulated for the same
simulated time T by:

* `simsynth.run`: the public API on a scenario file, writing the dataset (Parquet events with
  labels and best quotes, the metrics table, entities, manifest) into a temporary directory;
  events = manifest["counts"]["events"];
* the simsynth model alone: the same model driven as the runner drives it, rows counted instead
  of written (internal API);
* reference, idiomatic Mesa: the same rules written the way a Mesa 3 user would: one `Agent`
  subclass per trader type whose `step` first draws whether the agent is active this step,
  `model.agents.shuffle_do("step")` each step, the herding as a loop over the switching
  agents, the pure-Python order book of `order_book_throughput.py` (dict of deques and heaps)
  called once per instruction, and one tuple per row (order, effective cancel, trade) appended
  to a list, with the quotes after each instruction; nothing written to disk.

Before timing, the reference runs once and its rows per simulated second are compared with
the simsynth run's (the warm-up): orders within 1.2 %, cancels plus trades within 4 % (--quick:
7.5 % and 10 %), about 4 standard deviations of the difference of two runs with their own seeds
(measured over 12 seeds of each over the day: orders vary by 0.2 %, cancels plus trades by
0.7 %; over 10 minutes, 1.3 % and 1.7 %). Cancels and trades apart are printed, not checked:
the herding regimes last hours, so over one day the mix of chartists (market orders, trades)
and fundamentalists (limit orders, cancels) varies from run to run (by 14 % and 6 % between
seeds, in both models alike: their means over 12 seeds agree within 1.1 standard errors). The
script stops if a checked figure differs. Timings are printed, never checked.

    python benchmarks/traders_throughput.py           # one 6.5-hour day per contender
    python benchmarks/traders_throughput.py --quick   # 10 simulated minutes
"""

from __future__ import annotations

import math
import sys
import tempfile
from collections import Counter, deque
from pathlib import Path

import mesa
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (
    TIMING,
    Contender,
    Figure,
    check_same_work,
    measure,
    parse_options,
    print_table,
    run_model_only,
)
from order_book_throughput import PythonBook

import simsynth
from simsynth.models.markets.book import BUY, CANCEL, LIMIT, MARKET, SELL
from simsynth.models.markets.traders.params import TradersParams

MODEL = "markets.traders"
SEED = 1
TOLERANCES = (0.012, 0.04)
"""Relative differences the same-work check allows over the day: orders, cancels + trades."""
QUICK_TOLERANCES = (0.075, 0.10)
"""The same over the 10 minutes of --quick."""


class Trader(mesa.Agent):
    """Activation, position and expiring limit orders, as in the simsynth model."""

    def __init__(self, model: ReferenceMarket, rate: float):
        super().__init__(model)
        self.rate = rate
        self.position = 0
        self.open: deque[tuple[float, int]] = deque()

    def active(self) -> bool:
        return self.random.random() < self.rate * self.model.params.step

    def expire(self) -> None:
        while self.open and self.open[0][0] <= self.model.now:
            self.model.send(self, CANCEL, BUY, 0, 0, self.open.popleft()[1])

    def limit_or_market(self, side: int, quantity: int, share: float, cap: float | None = None):
        model = self.model
        if self.random.random() < share:
            model.send(self, MARKET, side, 0, quantity)
            return
        offset = int(model.rng.exponential(model.params.limit_offset))
        if side == BUY:
            price = (model.ask if model.ask is not None else math.floor(model.mid) + 1) - offset
        else:
            price = (model.bid if model.bid is not None else math.ceil(model.mid) - 1) + offset
        if cap is not None:
            price = min(price, math.floor(cap)) if side == BUY else max(price, math.ceil(cap))
        order_id = model.send(self, LIMIT, side, price, quantity)
        self.open.append((model.now + model.params.order_lifetime, order_id))


class MarketMaker(Trader):
    def __init__(self, model: ReferenceMarket):
        super().__init__(model, model.params.market_makers.rate)
        self.quotes: list[int] = []

    def step(self) -> None:
        if not self.active():
            return
        model, rules = self.model, self.model.params.market_makers
        for order_id in self.quotes:
            model.send(self, CANCEL, BUY, 0, 0, order_id)
        self.quotes = []
        centre = model.mid - rules.skew * self.position
        if self.position < rules.inventory_limit:
            bid = math.floor(centre - rules.half_spread)
            self.quotes.append(model.send(self, LIMIT, BUY, bid, rules.size))
        if self.position > -rules.inventory_limit:
            ask = math.ceil(centre + rules.half_spread)
            self.quotes.append(model.send(self, LIMIT, SELL, ask, rules.size))


class NoiseTrader(Trader):
    def __init__(self, model: ReferenceMarket):
        super().__init__(model, model.params.noise_traders.rate)

    def step(self) -> None:
        if not self.active():
            return
        self.expire()
        rules = self.model.params.noise_traders
        side = BUY if self.random.random() < 0.5 else SELL
        self.limit_or_market(side, self.random.randint(1, rules.max_size), rules.market_share)


class Speculator(Trader):
    def __init__(self, model: ReferenceMarket, chartist: bool, switches: bool):
        params = model.params
        super().__init__(model, params.chartists.rate if chartist else params.fundamentalists.rate)
        self.chartist, self.switches = chartist, switches
        self.bias = model.rng.normal(0.0, params.fundamentalists.bias)
        low, high = params.chartists.horizon_min, params.chartists.horizon_max
        self.horizon = round(math.exp(model.rng.uniform(math.log(low), math.log(high))))

    def switch(self) -> None:
        params = self.model.params
        self.chartist = not self.chartist
        self.rate = params.chartists.rate if self.chartist else params.fundamentalists.rate

    def step(self) -> None:
        if not self.active():
            return
        self.expire()
        model, params = self.model, self.model.params
        if self.chartist:
            rules = params.chartists
            past = model.mids[max(0, len(model.mids) - 1 - self.horizon)]
            expected = rules.gain * math.log(model.mid / past) + model.rng.normal(0, rules.noise)
            self.limit_or_market(BUY if expected > 0 else SELL, rules.size, rules.market_share)
        else:
            rules = params.fundamentalists
            value = model.log_value + self.bias + model.rng.normal(0.0, rules.noise)
            mispricing = value - math.log(model.mid)
            quantity = min(
                rules.max_size,
                self.random.randint(1, rules.size) + int(abs(mispricing) / rules.size_unit),
            )
            side = BUY if mispricing > 0 else SELL
            self.limit_or_market(side, quantity, rules.market_share, cap=math.exp(value))


class ReferenceMarket(mesa.Model):
    """The traders world in idiomatic Mesa over a pure-Python book, rows kept as tuples."""

    def __init__(self, params: TradersParams, seed: int):
        super().__init__(seed=seed)
        self.params = params
        self.book = PythonBook()
        self.rows: list[tuple] = []
        self.now = 0.0
        self.next_id = 0
        initial = round(params.initial_price / params.tick_size)
        self.bid = self.ask = None
        self.mid = float(initial)
        self.mids = [self.mid]
        self.log_value = math.log(initial)
        MarketMaker.create_agents(self, params.market_makers.count)
        NoiseTrader.create_agents(self, params.noise_traders.count)
        Speculator.create_agents(self, params.fundamentalists.count, False, False)
        switching = params.switching.count
        Speculator.create_agents(self, switching, list(self.rng.random(switching) < 0.5), True)
        self.switchers = [a for a in self.agents if isinstance(a, Speculator) and a.switches]
        self.by_id = {agent.unique_id: agent for agent in self.agents}

    def send(
        self,
        trader: Trader,
        kind: int,
        side: int,
        price: int,
        quantity: int,
        order_id: int | None = None,
    ) -> int:
        """Carry out one instruction now and append its rows; the order's id."""
        book, rows = self.book, self.rows
        if kind == CANCEL:
            cancelled = book.cancel(order_id)
            if cancelled:
                rows.append(
                    (
                        self.now,
                        "cancel",
                        trader.unique_id,
                        order_id,
                        cancelled,
                        book.best(BUY),
                        book.best(SELL),
                    )
                )
            return order_id
        order_id, self.next_id = self.next_id, self.next_id + 1
        first = len(book.trades)
        book.submit(kind, side, price, quantity, order_id, trader.unique_id)
        bid, ask = book.best(BUY), book.best(SELL)
        rows.append(
            (self.now, "order", trader.unique_id, order_id, side, price, quantity, bid, ask)
        )
        for maker_order, _, maker, taker, fill_price, traded in book.trades[first:]:
            rows.append(
                (
                    self.now,
                    "trade",
                    taker,
                    order_id,
                    side,
                    fill_price,
                    traded,
                    maker,
                    maker_order,
                    bid,
                    ask,
                )
            )
            bought = traded if side == BUY else -traded
            self.by_id[taker].position += bought
            self.by_id[maker].position -= bought
        return order_id

    def step(self) -> None:
        params = self.params
        self.now = self.steps * params.step
        fundamental = params.fundamental
        self.log_value += fundamental.volatility * math.sqrt(params.step / 60) * self.rng.normal()
        chartists = sum(s.chartist for s in self.switchers) / len(self.switchers)
        herding = params.switching.idiosyncratic * len(self.switchers) / params.switching.alpha
        for speculator in self.switchers:
            other = 1 - chartists if speculator.chartist else chartists
            chance = (params.switching.idiosyncratic + herding * other) * params.step
            if self.random.random() < chance:
                speculator.switch()
        self.bid, self.ask = self.book.best(BUY), self.book.best(SELL)
        if self.bid is not None and self.ask is not None:
            self.mid = (self.bid + self.ask) / 2
        self.mids.append(self.mid)
        self.agents.shuffle_do("step")


def run_reference(seconds: float) -> ReferenceMarket:
    model = ReferenceMarket(TradersParams(), SEED)
    for _ in range(int(seconds / model.params.step)):
        model.step()
    return model


# --- the same-work check: the two markets alike before they are timed ---------------------------


def check_same_rows(out: Path, seconds: float, quick: bool) -> None:
    """Rows per simulated second of the simsynth run at `out` and of the reference market:
    orders, and cancels plus trades, within the tolerances (relative) of the module doc."""
    import pandas as pd

    ours = pd.read_parquet(out / "events", columns=["event_type"])["event_type"].astype(str)
    our_counts = ours.value_counts()
    their_counts = Counter(row[1] for row in run_reference(seconds).rows)
    mine = {kind: int(our_counts.get(kind, 0)) / seconds for kind in ("order", "cancel", "trade")}
    theirs = {kind: their_counts[kind] / seconds for kind in ("order", "cancel", "trade")}
    order_tolerance, other_tolerance = QUICK_TOLERANCES if quick else TOLERANCES
    check_same_work(
        f"markets.traders over {seconds:,.0f} simulated seconds, own random draws",
        ("simsynth", "idiomatic Mesa"),
        [
            Figure("order rows/s", mine["order"], theirs["order"], order_tolerance * mine["order"]),
            Figure(
                "cancel + trade rows/s",
                mine["cancel"] + mine["trade"],
                theirs["cancel"] + theirs["trade"],
                other_tolerance * (mine["cancel"] + mine["trade"]),
            ),
            Figure("cancel rows/s", mine["cancel"], theirs["cancel"], None),
            Figure("trade rows/s", mine["trade"], theirs["trade"], None),
        ],
    )


def main() -> None:
    options = parse_options(__doc__.splitlines()[0])
    seconds = 600.0 if options.quick else 6.5 * 3600
    directory = Path(tempfile.mkdtemp(prefix="simsynth-bench-"))
    scenario = directory / "traders.yaml"
    scenario.write_text(
        yaml.safe_dump({"name": "bench", "model": MODEL, "seed": SEED, "duration": f"{seconds!r}s"})
    )
    out = directory / "out"

    def public_api(path: Path) -> int:
        return simsynth.run(scenario, out=path, overwrite=True)["counts"]["events"]

    def model_only(_: Path) -> int:
        return run_model_only(scenario)

    def reference(_: Path) -> int:
        return len(run_reference(seconds).rows)

    public_api(out)  # compiles the kernels (or loads the cache) outside the timing
    check_same_rows(out, seconds, options.quick)
    reference_name = "idiomatic Mesa: shuffle_do, pure-Python book, tuples (reference)"
    contenders = [
        Contender("simsynth.run: Mesa agents + numba book, labelled Parquet", public_api),
        Contender("simsynth model, rows counted (internal API)", model_only),
        Contender(reference_name, reference),
    ]
    measure(contenders, 1 if options.quick else (options.repeats or 3), directory)
    print_table(
        f"markets.traders, {seconds:,.0f} simulated seconds",
        contenders,
        [reference_name],
        columns=(*TIMING, "peak RSS"),
    )


if __name__ == "__main__":
    main()
