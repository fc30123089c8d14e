"""Events per second of the `customers.contact_center` model, side by side with SimPy and ciw.

The same M/M/c queue (c agents, Poisson arrivals at rate lambda, exponential talk times of mean
1/mu, nobody hangs up, no incidents) is simulated for the same simulated time T by:

* `simsynth.run`: the public API on a scenario file, writing the dataset (Parquet events,
  episodes, manifest) into a temporary directory; events = manifest["counts"]["events"].
* the simsynth model alone: the same model class advanced as the runner advances it, but with a
  sink that only counts the rows it is given (no buffers, no Parquet). Uses internal API.
* reference, bare SimPy: an idiomatic M/M/c (`simpy.Resource`, one process per caller,
  `random.expovariate` draws) counting 3 events per call (arrival, answered, completed) and
  adding up the waits, storing nothing.
* ciw, a queueing-network library: `Simulation.simulate_until_max_time(T)`, 3 events per
  completed-customer record.

Before timing, one run of each (simsynth's doubles as the warm-up) is compared with
simsynth's: calls arrived, answered (not for ciw, whose records are of completed calls) and
completed must agree within 4 standard errors of Poisson counts, simsynth must have blocked and
lost no call (nor do the others: no patience, no capacity), and the mean wait must agree within
`wait_tolerance` (16 %: the mean wait of one 50,000 s run varies by 2.9 % between seeds at
this load, rho = 0.9; --quick 100 %: over 2,000 s it varies by 18 %, so there the wait is barely
checked). Erlang C's mean wait is printed alongside. The script stops if a figure differs.

Wall clock is `time.perf_counter`, best of N repeats with the contenders interleaved in one
process. Figures are printed, never checked against limits; the target is simsynth >= 0.7x
bare SimPy.

    python benchmarks/contact_center_throughput.py            # ~1.35M events per run
    python benchmarks/contact_center_throughput.py --quick    # ~54k events, a few seconds
"""

from __future__ import annotations

import math
import random
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import ciw
import pyarrow.compute as pc
import pyarrow.parquet as pq
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (
    TIMING,
    Contender,
    Figure,
    check_same_work,
    counts_tolerance,
    measure,
    parse_options,
    print_table,
    run_model_only,
)

import simsynth

MODEL = "customers.contact_center"
EVENTS_PER_CALL = 3
SEED = 1


@dataclass(frozen=True)
class Queue:
    """An M/M/c queue simulated for `duration` seconds."""

    agents: int = 10
    arrival_rate: float = 9.0
    """Callers per second (lambda)."""
    service_time: float = 1.0
    """Mean talk time in seconds (1/mu)."""
    duration: float = 50_000.0
    wait_tolerance: float = 0.16
    """Relative difference of mean waits the same-work check allows (see the module doc)."""

    @property
    def expected_events(self) -> int:
        return round(EVENTS_PER_CALL * self.arrival_rate * self.duration)

    def scenario_yaml(self) -> str:
        return (
            "name: bench\n"
            f"model: {MODEL}\n"
            f"seed: {SEED}\n"
            f"duration: {self.duration!r}s\n"
            f"params: {{agents: {self.agents}, arrival_rate: {self.arrival_rate!r}/s, "
            f"service_time: {self.service_time!r}s}}\n"
        )


DEFAULT = Queue(duration=50_000.0)
QUICK = Queue(duration=2_000.0, wait_tolerance=1.0)
DEFAULT_REPEATS = 3
QUICK_REPEATS = 2


# --- contenders: each simulates the queue once and returns the number of events ------------------


def run_simsynth(scenario: Path, out: Path) -> int:
    manifest = simsynth.run(scenario, out=out, overwrite=True)
    return int(manifest["counts"]["events"])


@dataclass(frozen=True)
class Calls:
    """What a contender's queue did."""

    arrived: int
    answered: int | None
    completed: int
    waited: float
    """Seconds waited in all, by the calls answered (ciw: by those completed)."""

    @property
    def events(self) -> int:
        return self.arrived + (self.answered or 0) + self.completed

    @property
    def mean_wait(self) -> float:
        return self.waited / (self.completed if self.answered is None else self.answered)


def run_bare_simpy(queue: Queue) -> Calls:
    """Idiomatic SimPy M/M/c that counts arrival, answer and completion of each call."""
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=queue.agents)
    rng = random.Random(SEED)
    service_rate = 1 / queue.service_time
    arrived = answered = completed = 0
    waited = 0.0

    def call() -> simpy.events.ProcessGenerator:
        nonlocal arrived, answered, completed, waited
        arrived += 1
        arrival = env.now
        with agents.request() as request:
            yield request
            answered += 1
            waited += env.now - arrival
            yield env.timeout(rng.expovariate(service_rate))
        completed += 1

    def arrivals() -> simpy.events.ProcessGenerator:
        while True:
            yield env.timeout(rng.expovariate(queue.arrival_rate))
            env.process(call())

    env.process(arrivals())
    env.run(until=queue.duration)
    return Calls(arrived, answered, completed, waited)


def simulate_ciw(queue: Queue) -> ciw.Simulation:
    ciw.seed(SEED)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(queue.arrival_rate)],
        service_distributions=[ciw.dists.Exponential(1 / queue.service_time)],
        number_of_servers=[queue.agents],
    )
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(queue.duration)
    return simulation


def run_ciw(queue: Queue) -> int:
    return EVENTS_PER_CALL * len(simulate_ciw(queue).get_all_records())


# --- the same-work check: the queues alike before they are timed --------------------------------


def simsynth_calls(out: Path) -> tuple[Calls, int]:
    """A dataset's calls, and how many were blocked or abandoned."""
    events = pq.read_table(out / "events", columns=["event_type", "wait_s"])
    kinds = events["event_type"].cast("string")
    names = ("call_arrival", "call_answered", "call_completed", "call_abandoned", "call_blocked")
    counts = {kind: pc.sum(pc.equal(kinds, kind)).as_py() or 0 for kind in names}
    answered = events.filter(pc.equal(kinds, "call_answered"))
    calls = Calls(
        counts["call_arrival"],
        counts["call_answered"],
        counts["call_completed"],
        pc.sum(answered["wait_s"]).as_py() or 0.0,
    )
    return calls, counts["call_abandoned"] + counts["call_blocked"]


def ciw_calls(queue: Queue) -> Calls:
    simulation = simulate_ciw(queue)
    records = simulation.get_all_records()
    waited = math.fsum(record.waiting_time for record in records)
    return Calls(simulation.nodes[0].number_of_individuals, None, len(records), waited)


def erlang_c_wait(queue: Queue) -> float:
    """Mean wait in queue of the M/M/c queue in equilibrium (Erlang C)."""
    c, offered = queue.agents, queue.arrival_rate * queue.service_time
    head = sum(offered**k / math.factorial(k) for k in range(c))
    tail = offered**c / math.factorial(c) * c / (c - offered)
    return tail / (head + tail) * queue.service_time / (c - offered)


def check_same_calls(queue: Queue, out: Path) -> None:
    ours, lost = simsynth_calls(out)
    for name, theirs in (("bare SimPy", run_bare_simpy(queue)), ("ciw", ciw_calls(queue))):
        figures = [
            Figure(
                "calls arrived",
                ours.arrived,
                theirs.arrived,
                counts_tolerance(ours.arrived, theirs.arrived),
            ),
            Figure(
                "calls completed",
                ours.completed,
                theirs.completed,
                counts_tolerance(ours.completed, theirs.completed),
            ),
            Figure("calls blocked or abandoned", lost, 0, 0),
            Figure(
                "mean wait, s",
                ours.mean_wait,
                theirs.mean_wait,
                queue.wait_tolerance * ours.mean_wait,
            ),
        ]
        if theirs.answered is not None:
            answered = ours.answered or 0
            tolerance = counts_tolerance(answered, theirs.answered)
            figures.insert(1, Figure("calls answered", answered, theirs.answered, tolerance))
        check_same_work(
            f"M/M/{queue.agents} over T={queue.duration:g} s, simsynth against {name}, own random"
            f" draws (Erlang C mean wait {erlang_c_wait(queue):.3f} s)",
            ("simsynth", name),
            figures,
        )


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(__doc__.splitlines()[0], argv)
    queue = QUICK if options.quick else DEFAULT
    repeats = options.repeats or (QUICK_REPEATS if options.quick else DEFAULT_REPEATS)
    title = (
        f"M/M/c, c={queue.agents}, lambda={queue.arrival_rate:g}/s, "
        f"mean service={queue.service_time:g}s, T={queue.duration:g}s "
        f"(~{queue.expected_events:,} events), best of {repeats} interleaved runs "
        f"(simpy {simpy.__version__}, ciw {ciw.__version__}); target: simsynth.run >= 0.7x SimPy"
    )
    with tempfile.TemporaryDirectory(prefix="simsynth-bench-") as tmp:
        scenario = Path(tmp) / "bench.yaml"
        scenario.write_text(queue.scenario_yaml())
        run_simsynth(scenario, Path(tmp) / "check")  # also the warm-up
        check_same_calls(queue, Path(tmp) / "check")
        bare = Contender("bare SimPy M/M/c (reference)", lambda _: run_bare_simpy(queue).events)
        library = Contender("ciw M/M/c", lambda _: run_ciw(queue))
        contenders = [
            Contender("simsynth.run (model + Parquet)", lambda out: run_simsynth(scenario, out)),
            bare,
            Contender("simsynth model, rows discarded", lambda _: run_model_only(scenario)),
            library,
        ]
        measure(contenders, repeats, Path(tmp))
    print_table(title, contenders, [bare.name, library.name], TIMING, ["SimPy", "ciw"])


if __name__ == "__main__":
    main()
