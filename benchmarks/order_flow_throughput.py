"""Labelled events per second of the `markets.order_flow` model, side by side with bare SimPy.

The same zero-intelligence order flow of Smith, Farmer, Gillemot & Krishnamurthy (2003) is
simulated for the same simulated time T, from an empty book at a price of 100 (tick 0.01), with
no incidents: per side, limit orders at 5/s priced uniformly over the 50 ticks beyond the
opposite best (a buy from ask - 50 to ask - 1, a sell from bid + 1 to bid + 50; the last trade
price stands in for an empty side), market orders at 0.5/s; every resting order is cancelled at
rate 1/60 s; lognormal sizes of mean 100 and shape 1 (rounded, at least 1); 500 anonymous
trader ids. A row per order, per cancel and per fill (trade). The contenders:

* `simsynth.run`: the public API on a scenario file written to a temporary directory, writing
  the dataset (Parquet events with their label columns, the metrics table, episodes, manifest);
  events = manifest["counts"]["events"]. The flow is a numba kernel (Gillespie: one event at a
  time at the total rate, a cancel picking a resting order uniformly) driven by SimPy.
* the simsynth model alone: the same model class advanced as the runner advances it, with a
  sink that only counts the rows it is given (no buffers, no Parquet). Uses internal API.
* reference, bare SimPy + Parquet: the model as one would write it directly in SimPy and plain
  Python: a `simpy.Environment` with one process per arrival stream (limit buy, limit sell,
  market buy, market sell; `env.timeout(random.expovariate(rate))`), and a cancellation process
  per limit order (an exponential lifetime, then the cancel if the order still rests: the same
  per-order rate as the kernel's, memorylessness making the two alike); the pure-Python book of
  `order_book_throughput.py` (per side a dict of deques and a heap of prices); `random` draws;
  one tuple per row (time, event type, trader, order id, side, order type, price, quantity,
  counterparty, maker order id, best bid, best ask after the instruction, as simsynth's rows)
  appended to a list, converted at the end into an Arrow table and written with
  `pyarrow.parquet.write_table` (its defaults: snappy, dictionary pages; simsynth writes zstd).
  It writes no label columns, event ids or metrics.
* bare SimPy, rows counted: the same simulation, its row tuples built and counted, not stored.

Before timing, both flows are run for one simulated day (an hour with --quick), their Parquet
files read back and their rows per simulated second of each event type, mean spread and mean
trade size printed side by side; the script stops if one differs by more than 5 %.
Wall clock is `time.perf_counter`, best of N repeats with the contenders interleaved in one
process; after each run Arrow's memory pool returns what it freed, so that "peak RSS +MB" is
each contender's own (the largest over its runs). Figures are printed, never checked.

    python benchmarks/order_flow_throughput.py            # 2 simulated days, ~3.8M rows per run
    python benchmarks/order_flow_throughput.py --quick    # 1 simulated hour, ~80k rows
"""

from __future__ import annotations

import itertools
import math
import random
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (
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
from simsynth.models.markets.book import BUY, LIMIT, MARKET, SELL

MODEL = "markets.order_flow"
SEED = 1
PRICE_RANGE = 4
"""The model's default `price_range`: its book spans 1 tick to 4 x the initial price."""
TOLERANCE = 0.05
"""Largest relative difference of a figure between the two flows that the check accepts (over
one simulated day they agree within 1 %, over the --quick hour within 3.2 %)."""
EVENT_TYPES = ("order", "cancel", "trade")
SIDES = {BUY: "buy", SELL: "sell"}
ORDER_TYPES = {LIMIT: "limit", MARKET: "market"}
ROW = pa.struct(
    [
        ("time", pa.float64()),
        ("event_type", pa.string()),
        ("trader_id", pa.int32()),
        ("order_id", pa.int64()),
        ("side", pa.string()),
        ("order_type", pa.string()),
        ("price", pa.float64()),
        ("quantity", pa.int64()),
        ("counterparty_id", pa.int32()),
        ("maker_order_id", pa.int64()),
        ("best_bid", pa.float64()),
        ("best_ask", pa.float64()),
    ]
)
"""The bare SimPy rows' fields, as simsynth names them."""


@dataclass(frozen=True)
class Flow:
    """The order flow (rates per side; `cancel_rate` per resting order), for `duration` s."""

    limit_rate: float = 5.0
    market_rate: float = 0.5
    cancel_rate: float = 1 / 60
    band: int = 50
    size_mean: float = 100.0
    size_sigma: float = 1.0
    tick_size: float = 0.01
    initial_price: float = 100.0
    traders: int = 500
    duration: float = 2 * 86_400.0
    check_duration: float = 86_400.0
    """Simulated time of the flow check run before timing."""

    def scenario_yaml(self, duration: float) -> str:
        return (
            "name: bench\n"
            f"model: {MODEL}\n"
            f"seed: {SEED}\n"
            f"duration: {duration!r}s\n"
            "params:\n"
            f"  limit_rate: {self.limit_rate!r}/s\n"
            f"  market_rate: {self.market_rate!r}/s\n"
            f"  cancel_rate: {self.cancel_rate!r}/s\n"
            f"  band: {self.band}\n"
            f"  size_mean: {self.size_mean!r}\n"
            f"  size_sigma: {self.size_sigma!r}\n"
            f"  tick_size: {self.tick_size!r}\n"
            f"  initial_price: {self.initial_price!r}\n"
            f"  price_range: {PRICE_RANGE}\n"
            f"  traders: {self.traders}\n"
        )


DEFAULT = Flow()
QUICK = Flow(duration=3_600.0, check_duration=3_600.0)
DEFAULT_REPEATS = 3
QUICK_REPEATS = 2


# --- contenders: each simulates the flow once and returns the number of rows --------------------


def run_simsynth(scenario: Path, out: Path) -> int:
    manifest = simsynth.run(scenario, out=out, overwrite=True)
    return int(manifest["counts"]["events"])


def released(rows: int) -> int:
    """`rows`, once Arrow's memory pool has handed back to the system what it has freed.

    mimalloc keeps freed pages for reuse: without this, a contender would rise in resident
    memory into what an earlier one (or the flow check) left behind, and seem to need none."""
    pa.default_memory_pool().release_unused()
    return rows


class RowCounter:
    """Stands in for the list of rows: counts what is appended."""

    def __init__(self) -> None:
        self.rows = 0

    def append(self, row: tuple[object, ...]) -> None:
        self.rows += 1


def run_bare_simpy(flow: Flow, duration: float, out: Path | None) -> int:
    """The flow in idiomatic SimPy over a pure-Python book; its rows written to Parquet at
    `out`, or only counted when `out` is None. Returns the number of rows."""
    env = simpy.Environment()
    rng = random.Random(SEED)
    book = PythonBook()
    rows: list[tuple[object, ...]] | RowCounter = [] if out is not None else RowCounter()
    emit = rows.append
    tick = flow.tick_size
    order_ids = itertools.count()
    reference = round(flow.initial_price / tick)  # the last trade price, in ticks
    lowest, highest = 1, reference * PRICE_RANGE
    size_mu = math.log(flow.size_mean) - flow.size_sigma**2 / 2

    def quotes() -> tuple[float | None, float | None]:
        bid, ask = book.best(BUY), book.best(SELL)
        return (None if bid is None else bid * tick, None if ask is None else ask * tick)

    def send(kind: int, side: int, price: int, trader: int) -> int:
        """Carry out a new order, emit its row and its trades; its order id."""
        nonlocal reference
        quantity = max(1, round(rng.lognormvariate(size_mu, flow.size_sigma)))
        order_id = next(order_ids)
        book.submit(kind, side, price, quantity, order_id, trader)
        bid, ask = quotes()
        now, side_name, order_type = env.now, SIDES[side], ORDER_TYPES[kind]
        limit_price = price * tick if kind == LIMIT else None
        emit(
            (
                now,
                "order",
                trader,
                order_id,
                side_name,
                order_type,
                limit_price,
                quantity,
                -1,
                -1,
                bid,
                ask,
            )
        )
        if book.trades:
            for maker_id, _, maker_trader, _, fill_price, traded in book.trades:
                emit(
                    (
                        now,
                        "trade",
                        trader,
                        order_id,
                        side_name,
                        order_type,
                        fill_price * tick,
                        traded,
                        maker_trader,
                        maker_id,
                        bid,
                        ask,
                    )
                )
            reference = book.trades[-1][4]
            book.trades.clear()
        return order_id

    def limit_orders(side: int) -> simpy.events.ProcessGenerator:
        while True:
            yield env.timeout(rng.expovariate(flow.limit_rate))
            offset = rng.randint(1, flow.band)
            if side == BUY:
                ask = book.best(SELL)
                price = (reference + 1 if ask is None else ask) - offset
            else:
                bid = book.best(BUY)
                price = (reference - 1 if bid is None else bid) + offset
            price = min(max(price, lowest), highest)
            trader = rng.randrange(flow.traders)
            order_id = send(LIMIT, side, price, trader)
            env.process(cancel_later(order_id, trader, side, price))

    def market_orders(side: int) -> simpy.events.ProcessGenerator:
        while True:
            yield env.timeout(rng.expovariate(flow.market_rate))
            send(MARKET, side, 0, rng.randrange(flow.traders))

    def cancel_later(
        order_id: int, trader: int, side: int, price: int
    ) -> simpy.events.ProcessGenerator:
        yield env.timeout(rng.expovariate(flow.cancel_rate))
        quantity = book.cancel(order_id)
        if quantity:  # 0: filled meanwhile, nothing to cancel
            bid, ask = quotes()
            emit(
                (
                    env.now,
                    "cancel",
                    trader,
                    order_id,
                    SIDES[side],
                    "limit",
                    price * tick,
                    quantity,
                    -1,
                    -1,
                    bid,
                    ask,
                )
            )

    for side in (BUY, SELL):
        env.process(limit_orders(side))
        if flow.market_rate > 0:
            env.process(market_orders(side))
    env.run(until=duration)
    if isinstance(rows, RowCounter):
        return rows.rows
    write_rows(rows, out)
    return len(rows)


def write_rows(rows: list[tuple[object, ...]], path: Path) -> None:
    """The row tuples as a Parquet file, a column per field of `ROW` (pyarrow converts tuples
    to structs by position, twice as fast as transposing the rows with `zip` first)."""
    pq.write_table(pa.Table.from_struct_array(pa.array(rows, ROW)), path)


# --- the flow check: both flows alike before they are timed -------------------------------------


def flow_figures(events: pa.Table, duration: float, tick: float) -> dict[str, float]:
    """Rows per simulated second of each event type, mean spread (ticks, over rows with both
    quotes) and mean trade size, of an events table."""
    kinds = events["event_type"].cast(pa.string())
    figures = {
        f"{kind} rows/s": pc.sum(pc.equal(kinds, kind)).as_py() / duration for kind in EVENT_TYPES
    }
    spread = pc.subtract(events["best_ask"], events["best_bid"])
    figures["mean spread, ticks"] = pc.mean(spread).as_py() / tick
    trades = events.filter(pc.equal(kinds, "trade"))
    figures["mean trade size"] = pc.mean(trades["quantity"]).as_py()
    return figures


def check_flows(flow: Flow, directory: Path) -> None:
    """Run both flows for `flow.check_duration` and stop unless each figure (row rates per
    event type, mean spread, mean trade size) agrees within `TOLERANCE`."""
    duration = flow.check_duration
    scenario = directory / "check.yaml"
    scenario.write_text(flow.scenario_yaml(duration))
    simsynth.run(scenario, out=directory / "check-simsynth", overwrite=True)
    ours = pq.read_table(directory / "check-simsynth" / "events")
    run_bare_simpy(flow, duration, directory / "check-simpy.parquet")
    theirs = pq.read_table(directory / "check-simpy.parquet")
    mine = flow_figures(ours, duration, flow.tick_size)
    reference = flow_figures(theirs, duration, flow.tick_size)
    check_same_work(
        f"order flow over T={duration:,.0f} s, same parameters, own random draws; each figure"
        f" within {TOLERANCE:.0%}",
        ("simsynth", "bare SimPy"),
        [
            Figure(name, value, reference[name], TOLERANCE * abs(reference[name]))
            for name, value in mine.items()
        ],
    )


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(__doc__.splitlines()[0], argv)
    flow = QUICK if options.quick else DEFAULT
    repeats = options.repeats or (QUICK_REPEATS if options.quick else DEFAULT_REPEATS)
    with tempfile.TemporaryDirectory(prefix="simsynth-bench-") as tmp:
        directory = Path(tmp)
        check_flows(flow, directory)
        released(0)
        scenario = directory / "bench.yaml"
        scenario.write_text(flow.scenario_yaml(flow.duration))
        bare = Contender(
            "bare SimPy + Parquet (reference)",
            lambda out: released(run_bare_simpy(flow, flow.duration, out.with_suffix(".parquet"))),
        )
        contenders = [
            Contender(
                "simsynth.run (model + Parquet)",
                lambda out: released(run_simsynth(scenario, out)),
            ),
            Contender(
                "simsynth model, rows discarded",
                lambda _: released(run_model_only(scenario)),
            ),
            bare,
            Contender(
                "bare SimPy, rows counted",
                lambda _: released(run_bare_simpy(flow, flow.duration, None)),
            ),
        ]
        measure(contenders, repeats, directory)
    title = (
        f"zero-intelligence order flow, per side limit {flow.limit_rate:g}/s over {flow.band} "
        f"ticks and market {flow.market_rate:g}/s, cancel {flow.cancel_rate * 60:g}/min per "
        f"order, T={flow.duration:,.0f} s; rows/s, best of {repeats} interleaved runs "
        f"(simpy {simpy.__version__})"
    )
    print_table(
        title,
        contenders,
        [bare.name],
        ("events", "seconds", "events/s", "peak RSS", "ratios"),
        ["SimPy"],
    )


if __name__ == "__main__":
    main()
