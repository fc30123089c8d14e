"""Events per second of the `traffic.intersection` model, side by side with bare SimPy.

The same signalised junction (four approaches of two 1800/h lanes, Poisson arrivals, turning
movements drawn per vehicle, a two-phase fixed-time plan with a 90 s cycle and 40 s effective
greens, no incidents) is simulated for the same simulated time T by:

* `simsynth.run`: the public API on a scenario file, writing the dataset (Parquet events,
  episodes, manifest) into a temporary directory; events = manifest["counts"]["events"].
* the simsynth model alone: the same model class advanced as the runner advances it, but with a
  sink that only counts the rows it is given (no buffers, no Parquet). Uses internal API.
* reference, bare SimPy: an idiomatic SimPy junction (one arrival process per approach, a
  `simpy.Store` and a discharge process per lane, the fixed plan computed arithmetically
  instead of by a controller process, `random` draws) counting 2 events per vehicle (arrival,
  depart) and adding up the delays, storing nothing.

Before timing, one run of each (simsynth's doubles as the warm-up) is compared: arrivals on the
main (north, south) and side (east, west) approaches and departures must agree within 4
standard errors of Poisson counts, and the mean delay of the vehicles that crossed within
`delay_tolerance` (relative; see `Junction`). The script stops if a figure differs.

Wall clock is `time.perf_counter`, best of N repeats with the contenders interleaved in one
process. Figures are printed, never checked against limits.

    python benchmarks/intersection_throughput.py            # ~1.33M events per run
    python benchmarks/intersection_throughput.py --quick    # ~44k events, a few seconds
"""

from __future__ import annotations

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

MODEL = "traffic.intersection"
EVENTS_PER_VEHICLE = 2
SEED = 1
TURNING = (0.15, 0.7, 0.15)


@dataclass(frozen=True)
class Junction:
    """A four-arm junction under a two-phase fixed-time plan, simulated for `duration` s."""

    main_rate: float = 1100 / 3600
    """Vehicles per second on north and south (x = 0.69)."""
    side_rate: float = 900 / 3600
    """Vehicles per second on east and west (x = 0.56)."""
    lanes: int = 2
    saturation_flow: float = 0.5
    cycle: float = 90.0
    lost_time: float = 5.0
    duration: float = 600_000.0
    delay_tolerance: float = 0.012
    """Relative difference of mean delays the same-work check allows: about 4 standard
    deviations of the difference of two runs with their own seeds (the mean delay of one bare
    SimPy run varies by 0.20 % between seeds over 600,000 s, 0.98 % over 20,000 s)."""

    @property
    def rates(self) -> dict[str, float]:
        main, side = self.main_rate, self.side_rate
        return {"north": main, "south": main, "east": side, "west": side}

    @property
    def green(self) -> float:
        """Effective green of each of the two phases."""
        return (self.cycle - 2 * self.lost_time) / 2

    @property
    def expected_events(self) -> int:
        return round(EVENTS_PER_VEHICLE * sum(self.rates.values()) * self.duration)

    def scenario_yaml(self) -> str:
        arms = ", ".join(
            f"{name}: {{arrival_rate: {rate!r}/s, lanes: {self.lanes}, "
            f"saturation_flow: {self.saturation_flow!r}/s}}"
            for name, rate in self.rates.items()
        )
        return (
            "name: bench\n"
            f"model: {MODEL}\n"
            f"seed: {SEED}\n"
            f"duration: {self.duration!r}s\n"
            f"params:\n"
            f"  cycle: {self.cycle!r}s\n"
            f"  lost_time: {self.lost_time!r}s\n"
            f"  approaches: {{{arms}}}\n"
            "  phases: [{approaches: [north, south], split: 0.5}, "
            "{approaches: [east, west], split: 0.5}]\n"
        )


DEFAULT = Junction(duration=600_000.0)
QUICK = Junction(duration=20_000.0, delay_tolerance=0.06)
DEFAULT_REPEATS = 3
QUICK_REPEATS = 2


# --- contenders: each simulates the junction once and returns the number of events --------------


def run_simsynth(scenario: Path, out: Path) -> int:
    manifest = simsynth.run(scenario, out=out, overwrite=True)
    return int(manifest["counts"]["events"])


@dataclass(frozen=True)
class Traffic:
    """What a contender's junction did."""

    main_arrivals: int
    side_arrivals: int
    departures: int
    delay: float
    """Seconds from arrival to crossing, summed over the vehicles that crossed."""

    @property
    def events(self) -> int:
        return self.main_arrivals + self.side_arrivals + self.departures


def run_bare_simpy(junction: Junction) -> Traffic:
    """Idiomatic SimPy junction that counts the arrival and the departure of each vehicle."""
    env = simpy.Environment()
    rng = random.Random(SEED)
    headway = 1 / junction.saturation_flow
    cycle, green = junction.cycle, junction.green
    arrived = [0, 0, 0, 0]
    departed = 0
    delay = 0.0

    def wait_for_green(offset: float) -> float:
        """Seconds until a crossing whose whole headway fits in this phase's green."""
        into_cycle = (env.now - offset) % cycle
        return 0.0 if into_cycle + headway <= green + 1e-6 else cycle - into_cycle

    def discharge(queue: simpy.Store, offset: float) -> simpy.events.ProcessGenerator:
        nonlocal departed, delay
        while True:
            arrival, _movement = yield queue.get()
            wait = wait_for_green(offset)
            if wait > 0:
                yield env.timeout(wait)
            delay += env.now - arrival
            departed += 1
            yield env.timeout(headway)

    def arrivals(
        index: int, rate: float, lanes: list[simpy.Store]
    ) -> simpy.events.ProcessGenerator:
        while True:
            yield env.timeout(rng.expovariate(rate))
            movement = rng.choices(range(3), TURNING)[0]
            arrived[index] += 1
            min(lanes, key=lambda lane: len(lane.items)).put((env.now, movement))

    for index, rate in enumerate(junction.rates.values()):
        offset = 0.0 if index < 2 else green + junction.lost_time
        lanes = [simpy.Store(env) for _ in range(junction.lanes)]
        env.process(arrivals(index, rate, lanes))
        for lane in lanes:
            env.process(discharge(lane, offset))
    env.run(until=junction.duration)
    return Traffic(arrived[0] + arrived[1], arrived[2] + arrived[3], departed, delay)


# --- the same-work check: the junctions alike before they are timed -----------------------------


def simsynth_traffic(out: Path) -> Traffic:
    events = pq.read_table(out / "events", columns=["event_type", "approach", "delay_s"])
    kinds, approach = events["event_type"].cast("string"), events["approach"].cast("string")
    arrivals = pc.equal(kinds, "arrival")
    main = pc.and_(arrivals, pc.is_in(approach, pa.array(["north", "south"])))
    departures = events.filter(pc.equal(kinds, "depart"))
    return Traffic(
        pc.sum(main).as_py() or 0,
        (pc.sum(arrivals).as_py() or 0) - (pc.sum(main).as_py() or 0),
        departures.num_rows,
        pc.sum(departures["delay_s"]).as_py() or 0.0,
    )


def check_same_traffic(junction: Junction, out: Path) -> None:
    ours, theirs = simsynth_traffic(out), run_bare_simpy(junction)
    check_same_work(
        f"junction over T={junction.duration:g} s, own random draws",
        ("simsynth", "bare SimPy"),
        [
            Figure(
                "arrivals, north and south",
                ours.main_arrivals,
                theirs.main_arrivals,
                counts_tolerance(ours.main_arrivals, theirs.main_arrivals),
            ),
            Figure(
                "arrivals, east and west",
                ours.side_arrivals,
                theirs.side_arrivals,
                counts_tolerance(ours.side_arrivals, theirs.side_arrivals),
            ),
            Figure(
                "departures",
                ours.departures,
                theirs.departures,
                counts_tolerance(ours.departures, theirs.departures),
            ),
            Figure(
                "mean delay, s",
                ours.delay / ours.departures,
                theirs.delay / theirs.departures,
                junction.delay_tolerance * ours.delay / ours.departures,
            ),
        ],
    )


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(__doc__.splitlines()[0], argv)
    junction = QUICK if options.quick else DEFAULT
    repeats = options.repeats or (QUICK_REPEATS if options.quick else DEFAULT_REPEATS)
    title = (
        f"signalised junction, 4 approaches x {junction.lanes} lanes, "
        f"{3600 * sum(junction.rates.values()):g} veh/h, cycle {junction.cycle:g}s, "
        f"greens {junction.green:g}s, T={junction.duration:g}s "
        f"(~{junction.expected_events:,} events), best of {repeats} interleaved runs "
        f"(simpy {simpy.__version__})"
    )
    with tempfile.TemporaryDirectory(prefix="simsynth-bench-") as tmp:
        scenario = Path(tmp) / "bench.yaml"
        scenario.write_text(junction.scenario_yaml())
        run_simsynth(scenario, Path(tmp) / "check")  # also the warm-up
        check_same_traffic(junction, Path(tmp) / "check")
        bare = Contender(
            "bare SimPy intersection (reference)", lambda _: run_bare_simpy(junction).events
        )
        contenders = [
            Contender("simsynth.run (model + Parquet)", lambda out: run_simsynth(scenario, out)),
            bare,
            Contender("simsynth model, rows discarded", lambda _: run_model_only(scenario)),
        ]
        measure(contenders, repeats, Path(tmp))
    print_table(title, contenders, [bare.name], TIMING, ["SimPy"])


if __name__ == "__main__":
    main()
