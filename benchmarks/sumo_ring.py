"""Eclipse SUMO as a peer on the Nagel–Schreckenberg (NaSch) ring-road benchmark.

The work: a closed single-lane ring of `cells` cells of 7.5 m with `round(density * cells)`
vehicles, speed limit 37.5 m/s (vmax = 5 cells per step), step length 1 s, `steps` steps. SUMO
(PyPI `eclipse-sumo`, which ships the `sumo` and `netconvert` binaries; EPL-2.0 OR
GPL-2.0-or-later, so an optional benchmark peer, never a runtime dependency) runs as a subprocess
on files, without TraCI, so that the time is SUMO's own: loading the network and routes, then
simulating. Building the network (`netconvert`) is not timed.

SUMO has no cellular automaton; its closest model is Krauss (`KraussOrig1`). The mapping is an
approximation of NaSch, not the same model:

=========================  ==================================  ================================
NaSch                      SUMO vType                          difference
=========================  ==================================  ================================
cell 7.5 m                 length 5 m + minGap 2.5 m           same jam spacing; positions and
                                                               speeds continuous, not integer
vmax 5 cells/step          maxSpeed = lane speed 37.5 m/s,     no speed distribution
                           speedFactor 1, speedDev 0
accelerate +1 cell/step    accel 7.5 m/s²
v <= gap (stops at once)   decel = emergencyDecel 7.5 m/s²,    Krauss' safe speed assumes the
                           tau 1 s                             leader may brake at 7.5 m/s²
dawdle -1 cell w.p. p      sigma = p = 0.25                    speed -= U(0,1)·sigma·accel:
                                                               mean 0.94 m/s, NaSch 1.875 m/s
parallel update            semi-implicit Euler (the default)
=========================  ==================================  ================================

Dynamics are not NaSch's. At ρ = 0.15, NaSch (p = 0.25) is congested: mean speed 3.33
cells/step (25 m/s), flow 0.50 vehicles/cell/step. Krauss here stays in free flow: 36.0 m/s = 4.80
cells/step, flow 0.72 (second half of the run; SUMO 1.28, 1,000 and 10,000 cells alike).
Its small, continuous dawdling does not start jams, and its safe-speed rule keeps free flow
up to a net gap of vmax·tau + decel·tau²/2 = 41.25 m, i.e. up to ρ ≈ 0.154. sigma 0.5 or decel
50 m/s² do not change that (32–36.5 m/s). The work per vehicle and step is comparable; the
traffic it produces is not.

The ring is `ring_edges` edges of about `EDGE_CELLS` (200) cells, 1.5 km, each drawn as an arc.
The edges have explicit lengths and the junctions no internal lanes, so the lane lengths add up
to exactly `cells * 7.5` m. SUMO's cost per vehicle grows with the number of vehicles on a lane:
on 10,000 cells, 4 edges of 18.75 km run about 3x slower than 50 edges (about flat from 100 to
400 cells per edge), so short edges, as in real SUMO networks, give SUMO a fair run. At t = 0,
every vehicle is inserted at rest, its front at the end of its cell, the cells spread evenly
along the ring (`departEdge`, `departPos`). All use one cyclic route (`repeat`) that is long
enough never to end. SUMO moves vehicles from t = 1, so it runs to `--end steps + 1` for `steps`
moves per vehicle. Teleporting is off. A run fails unless SUMO's statistics report every vehicle
inserted and still running and none teleported.
"""

from __future__ import annotations

import bisect
import itertools
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

CELL_M = 7.5
"""Length of a NaSch cell: one vehicle (5 m) plus its minimum gap (2.5 m)."""
VMAX_CELLS = 5
"""NaSch speed limit in cells per step."""
STEP_S = 1.0
"""Step length in seconds."""
VMAX_MPS = VMAX_CELLS * CELL_M / STEP_S
"""The speed limit, 37.5 m/s."""
CAR_FOLLOW_MODEL = "KraussOrig1"
"""SUMO's car-following model closest to NaSch (Krauss' original formulation)."""
EDGE_CELLS = 200
"""Cells per edge of the ring (1.5 km); see `ring_edges`."""
MIN_EDGES = 4
"""The ring has at least this many edges."""
ARC_POINTS = 8
"""Each edge is drawn as an arc of this many straight pieces (cosmetic: lengths are explicit)."""
SEED = 42
"""SUMO's random seed, for repeatable dawdling."""


def sumo_binary(name: str = "sumo") -> str:
    """Path of a SUMO binary: from the `eclipse-sumo` wheel if installed, else from PATH."""
    try:
        import sumo  # the eclipse-sumo wheel

        path = os.path.join(sumo.SUMO_HOME, "bin", name)
        if os.access(path, os.X_OK):
            return path
    except ImportError:
        pass
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"SUMO's {name!r} not found: pip install eclipse-sumo")
    return found


def sumo_version() -> str:
    """SUMO's version, e.g. "1.28.0", as reported by `sumo --version`."""
    out = subprocess.run(
        [sumo_binary(), "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"SUMO sumo v?(\S+)", out)
    return match.group(1) if match else out.splitlines()[0]


def _run(args: Sequence[str]) -> float:
    """Run a SUMO tool; return its wall time in seconds, raise with its stderr on failure."""
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{Path(args[0]).name} failed ({proc.returncode}):\n{proc.stderr}")
    return seconds


def ring_edges(cells: int, edge_cells: int = EDGE_CELLS) -> list[int]:
    """Cells of each ring edge: at least four edges of about `edge_cells` cells each."""
    count = max(MIN_EDGES, round(cells / edge_cells))
    return [cells * (i + 1) // count - cells * i // count for i in range(count)]


def build_ring(directory: Path, cells: int, edge_cells: int = EDGE_CELLS) -> Path:
    """Write the ring's nodes and edges to `directory` and `netconvert` them; return net.xml."""
    lengths = ring_edges(cells, edge_cells)
    if min(lengths) < 10:
        raise ValueError(f"ring edges of {min(lengths)} cells: need 10 or more")
    count = len(lengths)
    radius = cells * CELL_M / (2 * math.pi)

    def xy(cell: float) -> tuple[str, str]:
        angle = 2 * math.pi * cell / cells
        return f"{radius * math.cos(angle):.2f}", f"{radius * math.sin(angle):.2f}"

    starts = list(itertools.accumulate(lengths, initial=0))
    nodes = [
        '    <node id="n{}" x="{}" y="{}" type="priority"/>'.format(i, *xy(starts[i]))
        for i in range(count)
    ]
    edges = []
    for i, n in enumerate(lengths):
        arc = " ".join(",".join(xy(starts[i] + n * k / ARC_POINTS)) for k in range(1, ARC_POINTS))
        edges.append(
            f'    <edge id="e{i}" from="n{i}" to="n{(i + 1) % count}" numLanes="1"'
            f' speed="{VMAX_MPS}" length="{n * CELL_M}" shape="{arc}"/>'
        )
    (directory / "ring.nod.xml").write_text("<nodes>\n" + "\n".join(nodes) + "\n</nodes>\n")
    (directory / "ring.edg.xml").write_text("<edges>\n" + "\n".join(edges) + "\n</edges>\n")
    net = directory / "ring.net.xml"
    _run(
        [
            sumo_binary("netconvert"),
            "--node-files",
            str(directory / "ring.nod.xml"),
            "--edge-files",
            str(directory / "ring.edg.xml"),
            "--output-file",
            str(net),
            "--no-internal-links",
            "true",
            "--no-turnarounds",
            "true",
            "--offset.disable-normalization",
            "true",
            "--no-warnings",
            "true",
        ]
    )
    return net


def vehicle_count(cells: int, density: float) -> int:
    """`round(density * cells)`, checked to fit the ring."""
    vehicles = round(density * cells)
    if not 1 <= vehicles <= cells:
        raise ValueError(f"density {density} puts {vehicles} vehicles on {cells} cells")
    return vehicles


def write_routes(
    directory: Path,
    cells: int,
    vehicles: int,
    steps: int,
    sigma: float,
    edge_cells: int = EDGE_CELLS,
) -> Path:
    """Write the vehicle type, the cyclic route and the vehicles; return the route file."""
    lengths = ring_edges(cells, edge_cells)
    starts = list(itertools.accumulate(lengths, initial=0))
    laps = math.ceil(steps * VMAX_MPS / (cells * CELL_M)) + 1
    ring = " ".join(f"e{i}" for i in range(len(lengths)))
    lines = [
        "<routes>",
        f'    <vType id="nasch" carFollowModel="{CAR_FOLLOW_MODEL}" length="5" minGap="2.5"'
        f' maxSpeed="{VMAX_MPS}" speedFactor="1" speedDev="0" accel="{CELL_M / STEP_S}"'
        f' decel="{CELL_M / STEP_S}" emergencyDecel="{CELL_M / STEP_S}" tau="{STEP_S}"'
        f' sigma="{sigma}"/>',
        f'    <route id="ring" edges="{ring}" repeat="{laps}"/>',
    ]
    for v in range(vehicles):
        cell = v * cells // vehicles  # evenly spread, as in a NaSch initial state
        edge = bisect.bisect_right(starts, cell) - 1
        pos = (cell - starts[edge] + 1) * CELL_M  # the vehicle's front at the end of its cell
        lines.append(
            f'    <vehicle id="v{v}" type="nasch" route="ring" departEdge="{edge}" depart="0"'
            f' departLane="0" departPos="{pos}" departSpeed="0"/>'
        )
    lines.append("</routes>")
    routes = directory / "ring.rou.xml"
    routes.write_text("\n".join(lines) + "\n")
    return routes


@dataclass(frozen=True)
class SumoRing:
    """The outcome of one SUMO ring run."""

    cells: int
    vehicles: int
    steps: int
    """Steps every vehicle moved (SUMO inserts them at t = 0 and moves them at t = 1..steps)."""
    seconds: float
    """Wall time of the `sumo` process: loading net and routes, simulating, writing output."""
    clock_seconds: float
    """SUMO's own clock of the simulation loop alone (its statistics, 10 ms resolution)."""
    mean_speed_mps: float | None = None
    """Mean speed over the steps of the second half of the run (only if `summary` was kept)."""

    @property
    def updates(self) -> int:
        """Vehicle updates: vehicles times steps."""
        return self.vehicles * self.steps

    @property
    def mean_speed_cells(self) -> float | None:
        """Mean speed in cells per step."""
        return None if self.mean_speed_mps is None else self.mean_speed_mps * STEP_S / CELL_M

    @property
    def flow(self) -> float | None:
        """Flow in vehicles per cell per step: density times mean speed in cells per step."""
        speed = self.mean_speed_cells
        return None if speed is None else speed * self.vehicles / self.cells


def simulate(
    cells: int,
    density: float,
    steps: int,
    sigma: float = 0.25,
    summary: bool = False,
    edge_cells: int = EDGE_CELLS,
) -> SumoRing:
    """Build the ring in a temporary directory and run `sumo` on it for `steps` steps.

    Only the `sumo` process is timed (network building is not). SUMO inserts the vehicles in
    its step at t = 0 and moves them from t = 1 on, so it runs to `--end steps + 1`. With
    `summary`, SUMO also writes its per-step summary, from which the mean speed is taken.
    """
    if steps < 1:
        raise ValueError(f"steps must be positive, got {steps}")
    vehicles = vehicle_count(cells, density)
    with tempfile.TemporaryDirectory(prefix="sumo_ring_") as tmp:
        directory = Path(tmp)
        net = build_ring(directory, cells, edge_cells)
        routes = write_routes(directory, cells, vehicles, steps, sigma, edge_cells)
        statistics = directory / "statistics.xml"
        args = [
            sumo_binary(),
            "--net-file",
            str(net),
            "--route-files",
            str(routes),
            "--begin",
            "0",
            "--end",
            str(steps + 1),
            "--step-length",
            str(STEP_S),
            "--time-to-teleport",
            "-1",
            "--seed",
            str(SEED),
            "--no-step-log",
            "true",
            "--no-warnings",
            "true",
            "--duration-log.disable",
            "true",
            "--statistic-output",
            str(statistics),
        ]
        if summary:
            args += ["--summary-output", str(directory / "summary.xml")]
        seconds = _run(args)
        clock = _check(ET.parse(statistics).getroot(), vehicles)
        speed = _mean_speed(directory / "summary.xml", steps) if summary else None
    return SumoRing(cells, vehicles, steps, seconds, clock, speed)


def _check(stats: ET.Element, vehicles: int) -> float:
    """Raise unless SUMO inserted all vehicles, kept them all running and teleported none.

    Return SUMO's own clock of its simulation loop in seconds.
    """
    counts, teleports, performance = (
        stats.find(tag) for tag in ("vehicles", "teleports", "performance")
    )
    if counts is None or teleports is None or performance is None:
        raise RuntimeError("SUMO ring: unexpected statistic-output")
    inserted, running = int(counts.get("inserted", -1)), int(counts.get("running", -1))
    teleported = int(teleports.get("total", -1))
    if inserted != vehicles or running != vehicles or teleported != 0:
        raise RuntimeError(
            f"SUMO ring: {vehicles} vehicles, {inserted} inserted, {running} running at the end,"
            f" {teleported} teleported"
        )
    return float(performance.get("clockDuration", "nan"))


def _mean_speed(summary: Path, steps: int) -> float:
    """Mean over the steps of the second half of the run of SUMO's mean speed (m/s)."""
    speeds = [
        float(step.get("meanSpeed", "nan"))
        for step in ET.parse(summary).getroot().iter("step")
        if float(step.get("time", 0)) > steps / 2
    ]
    return sum(speeds) / len(speeds)


def run_sumo_ring(cells: int, density: float, steps: int, sigma: float = 0.25) -> tuple[int, float]:
    """(vehicle updates, wall seconds of the `sumo` run) for the ring; see the module docstring."""
    ring = simulate(cells, density, steps, sigma)
    return ring.updates, ring.seconds


if __name__ == "__main__":
    print(f"SUMO {sumo_version()} ({CAR_FOLLOW_MODEL}), ring of 7.5 m cells, vmax 37.5 m/s")
    for cells, steps in ((1_000, 300), (10_000, 3_600)):
        ring = simulate(cells, 0.15, steps, summary=True)
        print(
            f"{cells:>7,} cells {ring.vehicles:>6,} vehicles {steps:>6,} steps:"
            f" {ring.seconds:7.3f} s, {ring.updates / ring.seconds / 1e6:6.2f} M vehicle-updates/s;"
            f" mean speed {ring.mean_speed_mps:.1f} m/s = {ring.mean_speed_cells:.2f} cells/step,"
            f" flow {ring.flow:.3f} vehicles/cell/step"
        )
