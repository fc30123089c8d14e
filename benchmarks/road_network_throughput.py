"""Vehicle-updates per second of `traffic.road_network` against an idiomatic plain-Mesa model.

All contenders move the same kind of traffic: a single-lane ring of 10,000 cells (75 km) with
15 % of its cells occupied (1,500 vehicles), Nagel-Schreckenberg with vmax = 5 and p = 0.25,
one-second steps, for an hour. A vehicle-update is one vehicle advanced by one step.

* numba kernel alone: `kernels.run` over the model's arrays for the whole hour, called again
  only when its event buffers fill up (what the issue's target is about);
* simsynth model, rows counted: the whole model (signals, incidents, event rows, near-miss
  episodes) with its rows counted instead of written (internal API);
* `simsynth.run`: the public API on a scenario file, Parquet and manifest included;
* references, plain Mesa, one agent per vehicle with a Python step, decide then move (the
  parallel update): (space) the idiomatic Mesa 3 model the issue asks for, `CellAgent`s on
  Mesa's own 1-D torus `OrthogonalVonNeumannGrid`, `agents.shuffle_do`; (list) a hand-tuned
  floor, `mesa.Agent`s on a Python list of cells with `agents.do`: the fastest plain Python we
  could write, not how Mesa models are written;
* SUMO (`eclipse-sumo`, run as a subprocess without output files): the same ring with
  Krauss car following, for scale only: a different and richer model (see sumo_ring.py).

Target: the kernel >= 300x the idiomatic Mesa model (space); the ratio to the hand-tuned list
is printed too. Figures are printed, never checked.

    python benchmarks/road_network_throughput.py           # 10,000 cells, 1 hour
    python benchmarks/road_network_throughput.py --quick   # smoke test, a few seconds
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import mesa
from mesa.discrete_space import Cell, CellAgent, OrthogonalVonNeumannGrid

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (
    Contender,
    build_model_only,
    measure,
    parse_options,
    print_table,
    run_model_only,
)

import simsynth
from simsynth.models.traffic.road_network import kernels
from simsynth.models.traffic.road_network.model import RoadNetwork


@dataclass(frozen=True)
class Size:
    cells: int
    density: float
    steps: int
    repeats: int

    @property
    def vehicles(self) -> int:
        return round(self.density * self.cells)

    def scenario_yaml(self) -> str:
        return (
            f"name: bench\nmodel: traffic.road_network\nseed: 1\nduration: {self.steps}s\n"
            f"params:\n  network: {{kind: ring, length: {self.cells * 7.5}, links: 10,"
            f" density: {self.density}}}\n  slowdown: 0.25\n  trajectory_every: 0\n"
        )


DEFAULT = Size(cells=10_000, density=0.15, steps=3600, repeats=3)
QUICK = Size(cells=1_000, density=0.15, steps=60, repeats=1)


class Car(mesa.Agent):
    """A vehicle on the ring: decides its speed from the state at t, then moves."""

    model: PlainRing

    def __init__(self, model: PlainRing, cell: int):
        super().__init__(model)
        self.cell = cell
        self.speed = 0
        self.next_speed = 0

    def decide(self) -> None:
        road, length = self.model.road, self.model.length
        speed = min(self.speed + 1, self.model.vmax)
        gap = 0
        while gap < speed and road[(self.cell + gap + 1) % length] is None:
            gap += 1
        speed = min(speed, gap)
        if speed > 0 and self.random.random() < self.model.p:
            speed -= 1
        self.next_speed = speed

    def move(self) -> None:
        road = self.model.road
        road[self.cell] = None
        self.speed = self.next_speed
        self.cell = (self.cell + self.speed) % self.model.length
        road[self.cell] = self


class PlainRing(mesa.Model):
    """The NaSch ring the way a Mesa user writes it."""

    def __init__(self, size: Size, p: float = 0.25, vmax: int = 5, seed: int = 1):
        super().__init__(seed=seed)
        self.length, self.p, self.vmax = size.cells, p, vmax
        self.road: list[Car | None] = [None] * size.cells
        for cell in self.random.sample(range(size.cells), size.vehicles):
            self.road[cell] = Car(self, cell)

    def step(self) -> None:
        self.agents.do("decide")
        self.agents.do("move")


AHEAD = (1,)
"""The connection to the next cell of a one-dimensional `mesa.discrete_space` grid."""


class CellCar(CellAgent):
    """The same car on Mesa's own space: a 1-D torus grid of cells."""

    model: GridRing

    def __init__(self, model: GridRing, cell: Cell):
        super().__init__(model)
        self.cell = cell
        self.speed = 0
        self.next_speed = 0

    def decide(self) -> None:
        speed = min(self.speed + 1, self.model.vmax)
        gap = 0
        ahead = self.cell
        while gap < speed:
            ahead = ahead.connections[AHEAD]
            if not ahead.is_empty:
                break
            gap += 1
        speed = min(speed, gap)
        if speed > 0 and self.random.random() < self.model.p:
            speed -= 1
        self.next_speed = speed

    def move(self) -> None:
        target = self.cell
        for _ in range(self.next_speed):
            target = target.connections[AHEAD]
        self.cell = target
        self.speed = self.next_speed


class GridRing(mesa.Model):
    """The NaSch ring as Mesa 3's documentation would have it: `OrthogonalVonNeumannGrid`
    (1-D torus), `CellAgent`s, random activation (`shuffle_do`)."""

    def __init__(self, size: Size, p: float = 0.25, vmax: int = 5, seed: int = 1):
        super().__init__(seed=seed)
        self.p, self.vmax = p, vmax
        self.grid = OrthogonalVonNeumannGrid((size.cells,), torus=True, random=self.random)
        for cell in self.random.sample(list(self.grid.all_cells), size.vehicles):
            CellCar(self, cell)

    def step(self) -> None:
        self.agents.shuffle_do("decide")
        self.agents.do("move")


def run_mesa_space(size: Size) -> int:
    model = GridRing(size)
    for _ in range(size.steps):
        model.step()
    return size.vehicles * size.steps


def run_plain_mesa(size: Size) -> int:
    model = PlainRing(size)
    for _ in range(size.steps):
        model.step()
    return size.vehicles * size.steps


def run_kernel(scenario: Path, size: Size) -> int:
    """The NaSch kernel alone on the model's arrays: `kernels.run` for the whole hour, called
    again only when its event buffers are full (events are dropped)."""
    model, _ = build_model_only(simsynth.load_scenario(scenario))
    assert isinstance(model, RoadNetwork)
    roads, fleet = model.roads, model.fleet
    buffers = model._buffers.at_least(1 << 16).arrays()
    updates, now = 0, 0
    while now < size.steps:
        done, _, fleet.n = kernels.run(
            size.steps - now, now, fleet.n, model.kernel_seed, model.multilane, roads.phase,
            model.link_offset, float(model.params.cycle), model.signal_override, model.signal,
            *fleet.state(), *model.routes.arrays(), roads.cells, roads.lanes, roads.lane_first,
            roads.lane_link, roads.lane_start, roads.link_to, model.occupant, model.blocked,
            model.vmax_now, model.p_now, model.closed, model.detector_cell,
            model.detector_count, model.detector_speed, model.detector_occupied,
            model.params.hard_brake, model.near_miss_cells, *buffers,
        )  # fmt: skip
        updates += done * fleet.n
        now += done
    return updates


def run_model_counted(scenario: Path, size: Size) -> int:
    run_model_only(scenario)
    return size.vehicles * size.steps


def run_simsynth(scenario: Path, out: Path, size: Size) -> int:
    simsynth.run(scenario, out=out, overwrite=True)
    return size.vehicles * size.steps


def sumo_contender(size: Size) -> Contender | None:
    """SUMO on the same ring, if `eclipse-sumo` (the `bench` extra) is installed."""
    try:
        from sumo_ring import run_sumo_ring
    except ImportError:
        return None
    return Contender(
        "SUMO (Krauss), same ring", lambda _: run_sumo_ring(size.cells, size.density, size.steps)[0]
    )


def main() -> None:
    options = parse_options(__doc__.splitlines()[0])
    size = QUICK if options.quick else DEFAULT
    repeats = options.repeats or size.repeats
    with tempfile.TemporaryDirectory(prefix="simsynth-bench-") as tmp:
        scenario = Path(tmp) / "bench.yaml"
        scenario.write_text(size.scenario_yaml())
        run_simsynth(scenario, Path(tmp) / "warm-up", size)  # numba compiles (or loads its cache)
        spatial = Contender("Mesa discrete_space grid (idiom)", lambda _: run_mesa_space(size))
        plain = Contender("plain Mesa, road as a list", lambda _: run_plain_mesa(size))
        contenders = [
            Contender("numba kernel alone", lambda _: run_kernel(scenario, size)),
            Contender("simsynth model, rows counted", lambda _: run_model_counted(scenario, size)),
            Contender(
                "simsynth.run (model + Parquet)", lambda out: run_simsynth(scenario, out, size)
            ),
            spatial,
            plain,
        ]
        sumo = sumo_contender(size)
        if sumo is not None:
            contenders.append(sumo)
        measure(contenders, repeats, Path(tmp))
    print_table(
        f"NaSch ring, {size.cells:,} cells, {size.vehicles:,} vehicles (density {size.density}),"
        f" {size.steps:,} steps; vehicle-updates/s, best of {repeats};"
        " target: kernel >= 300x the Mesa idiom (space)",
        contenders,
        [spatial.name, plain.name],
        columns=("events", "seconds", "events/s", "ratios", "peak RSS"),
        ratio_heads=["space", "list"],
    )


if __name__ == "__main__":
    main()
