"""Events per second of the `customers.contact_center` model, side by side with SimPy and ciw.

The same M/M/c queue (c agents, Poisson arrivals at rate lambda, exponential talk times of mean
1/mu, nobody hangs up, no incidents) is simulated for the same simulated time T by:

* `simsynth.run`: the public API on a scenario file, writing the dataset (Parquet events,
  episodes, manifest) into a temporary directory; events = manifest["counts"]["events"].
* the simsynth model alone: the same model class advanced as the runner advances it, but with a
  sink that only counts the rows it is given (no buffers, no Parquet). Uses internal API.
* reference, bare SimPy: an idiomatic M/M/c (`simpy.Resource`, one process per caller,
  `random.expovariate` draws) counting 3 events per call (arrival, answered, completed) and
  storing nothing.
* ciw, a queueing-network library: `Simulation.simulate_until_max_time(T)`, 3 events per
  completed-customer record.

Wall clock is `time.perf_counter`, best of N repeats with the contenders interleaved in one
process. Figures are printed, never checked against limits; the target is simsynth >= 0.7x
bare SimPy.

    python benchmarks/contact_center_throughput.py            # ~1.35M events per run
    python benchmarks/contact_center_throughput.py --quick    # ~54k events, a few seconds
"""

from __future__ import annotations

import random
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import ciw
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import TIMING, Contender, measure, parse_options, print_table, run_model_only

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

    @property
    def expected_events(self) -> int:
        return round(EVENTS_PER_CALL * self.arrival_rate * self.duration)

    def scenario_yaml(self) -> str:
        return (
            "name: bench\n"
            f"model: {MODEL}\n"
            f"seed: {SEED}\n"
            f"duration: {self.duration}\n"
            f"params: {{agents: {self.agents}, arrival_rate: {self.arrival_rate}, "
            f"service_time: {self.service_time}}}\n"
        )


DEFAULT = Queue(duration=50_000.0)
QUICK = Queue(duration=2_000.0)
DEFAULT_REPEATS = 3
QUICK_REPEATS = 2


# --- contenders: each simulates the queue once and returns the number of events ------------------


def run_simsynth(scenario: Path, out: Path) -> int:
    manifest = simsynth.run(scenario, out=out, overwrite=True)
    return int(manifest["counts"]["events"])


def run_bare_simpy(queue: Queue) -> int:
    """Idiomatic SimPy M/M/c that counts arrival, answer and completion of each call."""
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=queue.agents)
    rng = random.Random(SEED)
    service_rate = 1 / queue.service_time
    events = 0

    def call() -> simpy.events.ProcessGenerator:
        nonlocal events
        events += 1  # arrival
        with agents.request() as request:
            yield request
            events += 1  # answered
            yield env.timeout(rng.expovariate(service_rate))
        events += 1  # completed

    def arrivals() -> simpy.events.ProcessGenerator:
        while True:
            yield env.timeout(rng.expovariate(queue.arrival_rate))
            env.process(call())

    env.process(arrivals())
    env.run(until=queue.duration)
    return events


def run_ciw(queue: Queue) -> int:
    ciw.seed(SEED)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(queue.arrival_rate)],
        service_distributions=[ciw.dists.Exponential(1 / queue.service_time)],
        number_of_servers=[queue.agents],
    )
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(queue.duration)
    return EVENTS_PER_CALL * len(simulation.get_all_records())


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
        bare = Contender("bare SimPy M/M/c (reference)", lambda _: run_bare_simpy(queue))
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
