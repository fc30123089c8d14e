"""Timing shared by the benchmark scripts: best of N interleaved runs, printed side by side.

Each contender runs once per round, all contenders in every round, so that drift in the
machine's speed hits them alike; the fastest run of each is kept. Peak resident memory growth
(Linux) and the size of what a contender wrote are recorded next to the time.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import simsynth
from simsynth import registry
from simsynth.episodes import EpisodeLog
from simsynth.incidents import schedule
from simsynth.model import RunContext, SimModel
from simsynth.runner import PROGRESS_STEPS
from simsynth.scenario import Scenario
from simsynth.seeding import RunSeeds
from simsynth.sink import NORMAL

SIMSYNTH = [sys.executable, "-m", "simsynth"]
"""The command line of simsynth in this interpreter."""


def run_in_own_process(scenario: Path, out: Path) -> tuple[int, float, float]:
    """(events, wall seconds, peak RSS MB) of one `simsynth run` in a fresh process, pinned to
    one core when `taskset` is available (its RSS is its own, imports included)."""
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    started = time.perf_counter()
    child = subprocess.Popen([*pin, *SIMSYNTH, "run", str(scenario), "--out", str(out), "-q"])
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"simsynth run failed with status {code}")
    events = json.loads((out / "manifest.json").read_text())["counts"]["events"]
    return events, seconds, usage.ru_maxrss / 1024


@dataclass(frozen=True)
class Options:
    """What every benchmark script accepts on its command line."""

    quick: bool
    """Small sizes: a smoke test of a few seconds."""
    repeats: int | None
    """Runs per contender (the best is kept); None for the script's default."""


def parse_options(description: str, argv: Sequence[str] | None = None) -> Options:
    """`--quick` and `--repeats N`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--repeats", type=int, help="runs per contender (best is kept)")
    args = parser.parse_args(argv)
    return Options(quick=args.quick, repeats=args.repeats)


@dataclass
class Contender:
    """One way of doing the benchmark's work."""

    name: str
    run: Callable[[Path], int]
    """Does the work once, may write to the given path, returns the events handled."""
    events: int = 0
    seconds: float = float("inf")
    rss_mb: float | None = None
    file_mb: float | None = None

    @property
    def rate(self) -> float:
        """Events per second of the fastest run."""
        return self.events / self.seconds


def _status_kib(key: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key):
                return int(line.split()[1])
    raise KeyError(key)


def reset_peak_rss() -> int | None:
    """Reset the resident-memory high-water mark; return the current RSS in KiB (Linux only)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return _status_kib("VmRSS:")
    except OSError:
        return None


def peak_rss_growth_mb(before_kib: int | None) -> float | None:
    """How far resident memory rose above `before_kib` since the last reset, in MB."""
    if before_kib is None:
        return None
    return (_status_kib("VmHWM:") - before_kib) / 1024


def time_once(contender: Contender, path: Path) -> None:
    """Run a contender once; keep its figures if this is its fastest run so far."""
    gc.collect()
    before = reset_peak_rss()
    started = time.perf_counter()
    events = contender.run(path)
    seconds = time.perf_counter() - started
    rss_mb = peak_rss_growth_mb(before)
    if seconds < contender.seconds:
        contender.events, contender.seconds = events, seconds
    if rss_mb is not None:
        contender.rss_mb = max(rss_mb, contender.rss_mb or 0.0)
    if path.is_file():
        contender.file_mb = path.stat().st_size / 1e6
        path.unlink()


SECONDS_PER_ROUND = 1.0
"""A contender faster than this runs again within a round (up to `MAX_RUNS_PER_ROUND` times),
as `timeit` does: on a shared machine the best of many short runs is the steadiest figure."""
MAX_RUNS_PER_ROUND = 5


def measure(contenders: Sequence[Contender], repeats: int, directory: Path) -> None:
    """Best of `repeats` rounds of each contender, interleaved; output goes under `directory`.
    With more than one round, short contenders run several times a round (see
    `SECONDS_PER_ROUND`); a single round (a smoke test) runs each contender once.

    The objects alive beforehand (imported modules, inputs) are frozen out of the garbage
    collector first, so that no contender pays for full collections over what it did not make.
    """
    gc.collect()
    gc.freeze()
    for _ in range(repeats):
        for contender in contenders:
            started = time.perf_counter()
            for _ in range(MAX_RUNS_PER_ROUND if repeats > 1 else 1):
                time_once(contender, directory / "output")
                if time.perf_counter() - started >= SECONDS_PER_ROUND:
                    break


Cell = tuple[str, int, Callable[[Contender], str]]
"""A table column: its heading, its width and how a contender's row fills it."""

FIGURES: dict[str, Cell] = {
    "events": ("events", 11, lambda c: f"{c.events:,}"),
    "seconds": ("seconds", 8, lambda c: f"{c.seconds:.3f}"),
    "events/s": ("events/s", 11, lambda c: f"{c.rate:,.0f}"),
    "peak RSS": ("peak RSS +MB", 12, lambda c: _optional(c.rss_mb)),
    "file": ("file MB", 8, lambda c: _optional(c.file_mb)),
}
"""The columns `print_table` can show besides the ratios, by the name it is given them."""

TIMING = ("events", "seconds", "events/s", "ratios")
"""Time only: counts, seconds, rate and one ratio per reference."""
ALL_COLUMNS = (*TIMING, "peak RSS", "file")
"""Time, peak resident memory growth and the size of the file written."""


def _optional(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _ratio(reference: Contender) -> Callable[[Contender], str]:
    return lambda c: f"{c.rate / reference.rate:.2f}x"


def print_table(
    title: str,
    contenders: Sequence[Contender],
    references: Sequence[str],
    columns: Sequence[str] = ALL_COLUMNS,
    ratio_heads: Sequence[str] | None = None,
) -> None:
    """A row per contender with the `columns` named (keys of `FIGURES`, and "ratios": one ratio
    of events/s per reference name, headed "vs <head>"; heads default to `_short_labels`)."""
    by_name = {c.name: c for c in contenders}
    heads = _short_labels(references) if ratio_heads is None else list(ratio_heads)
    cells: list[Cell] = []
    for column in columns:
        if column == "ratios":
            cells += [
                (f"vs {head}", 9, _ratio(by_name[name]))
                for head, name in zip(heads, references, strict=True)
            ]
        else:
            cells.append(FIGURES[column])
    width = max(len(c.name) for c in contenders)
    print(f"\n{title}")
    header = f"{'contender':<{width}}" + "".join(f"  {head:>{w}}" for head, w, _ in cells)
    print(header)
    print("-" * len(header))
    for c in contenders:
        print(f"{c.name:<{width}}" + "".join(f"  {cell(c):>{w}}" for _, w, cell in cells))


def _short_labels(references: Sequence[str]) -> list[str]:
    """`ref` for a single reference, else the first word of each reference's name."""
    if len(references) == 1:
        return ["ref"]
    return [name.split(" ")[0] for name in references]


@dataclass(frozen=True)
class Figure:
    """One figure of the work two contenders did, and how far apart they may be."""

    name: str
    ours: float
    theirs: float
    allowed: float | None
    """Largest |ours - theirs| accepted (0: must be equal; None: printed, not checked)."""

    @property
    def agrees(self) -> bool:
        return self.allowed is None or abs(self.ours - self.theirs) <= self.allowed


def check_same_work(title: str, heads: tuple[str, str], figures: Sequence[Figure]) -> None:
    """Print the figures side by side with the difference allowed, and stop the script (exit
    status 1) unless every one agrees: a ratio of speeds means nothing unless the contenders
    did the same work."""
    width = max(len(f.name) for f in figures)
    ours, theirs = heads
    a, b = max(14, len(ours)), max(14, len(theirs))
    print(f"\nsame-work check: {title}")
    header = f"{'figure':<{width}}  {ours:>{a}}  {theirs:>{b}}  {'difference':>11}  {'allowed':>13}"
    print(header)
    print("-" * len(header))
    for f in figures:
        allowed = "(not checked)" if f.allowed is None else f"{f.allowed:.3g}"
        difference = f.ours - f.theirs
        print(
            f"{f.name:<{width}}  {f.ours:>{a},.6g}  {f.theirs:>{b},.6g}  {difference:>+11.3g}"
            f"  {allowed:>13}{'' if f.agrees else '  <- differs'}"
        )
    failed = [f.name for f in figures if not f.agrees]
    if failed:
        raise SystemExit(f"{theirs} did not do the work {ours} did: {', '.join(failed)} differ")
    print("all agree within the allowed differences")


Z = 4.0
"""Standard errors allowed between two contenders' figures that differ only by their random
draws: a fixed-seed run of a fair peer lands outside with probability about 6e-5 per figure."""


def counts_tolerance(ours: float, theirs: float, z: float = Z) -> float:
    """Allowed difference of two independent Poisson counts of the same mean."""
    return z * math.sqrt(ours + theirs)


def means_tolerance(ours: Sequence[float], theirs: Sequence[float], z: float = Z) -> float:
    """Allowed difference of two sample means (Welch's standard error)."""
    a, b = np.asarray(ours, float), np.asarray(theirs, float)
    return z * math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)


def shares_tolerance(ours: float, n_ours: int, theirs: float, n_theirs: int, z: float = Z) -> float:
    """Allowed difference of two proportions (binomial standard errors)."""
    return z * math.sqrt(ours * (1 - ours) / n_ours + theirs * (1 - theirs) / n_theirs)


class CountingSink:
    """Stands in for `EventSink`: takes a model's rows, counts them, stores nothing."""

    def __init__(self, event_types: Sequence[str]):
        self.event_code = {name: code for code, name in enumerate(event_types)}
        self.rows = 0

    def emit(self, *row: object) -> None:
        self.rows += 1

    def emit_columns(self, time: Sequence[float], *columns: object) -> None:
        self.rows += len(time)


class CountingTable:
    """Stands in for a `TableWriter`: counts the rows appended."""

    def __init__(self) -> None:
        self.rows = 0

    def append(self, time: Sequence[float], *columns: object) -> None:
        self.rows += len(time)


@dataclass(frozen=True)
class CountingRecorder:
    events: CountingSink
    episodes: EpisodeLog
    tables: dict[str, CountingTable]


def run_model_only(scenario: Path) -> int:
    """A scenario's model driven as `simsynth.runner.run_once` drives it, with its rows counted
    instead of written (internal API: splits a run's cost between simulating and recording)."""
    loaded = simsynth.load_scenario(scenario)
    model, recorder = build_model_only(loaded)
    for step in range(1, PROGRESS_STEPS + 1):
        model.advance(loaded.duration * step / PROGRESS_STEPS)
    model.finish()
    return recorder.events.rows


def build_model_only(loaded: Scenario) -> tuple[SimModel, CountingRecorder]:
    """A loaded scenario's model, built as `run_once` builds it, recording into counters."""
    model_class = registry.load(loaded.model)
    seeds = RunSeeds(loaded.seed, 0)
    occurrences = schedule(
        loaded.incidents, loaded.duration, seeds.rng("incidents"), seeds.rng("incident-params")
    )
    episodes = EpisodeLog((NORMAL, *model_class.incident_kinds, *model_class.emergent_kinds))
    episodes.open_scheduled(occurrences)
    tables = {name: CountingTable() for name in model_class.tables}
    recorder = CountingRecorder(CountingSink(model_class.event_types), episodes, tables)
    context = RunContext(
        params=loaded.params,
        duration=loaded.duration,
        occurrences=occurrences,
        seeds=seeds,
        recorder=recorder,  # type: ignore[arg-type]
        start=loaded.start,
    )
    return model_class(context), recorder
