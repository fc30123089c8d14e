"""How big a run will be, before it runs: events, bytes and time from the model's declared cost.

Each model declares the events it writes per simulated second for given params
(`SimModel.expected_event_rate`), the bytes an event takes in Parquet and the events it writes
per second of wall time (`SimModel.cost`, measured on the shipped scenarios). The figures are
rough (a factor of two either way; tests check a factor of three on the shipped scenarios), but
enough to see that a scenario would write 20 GB before it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from simsynth import registry
from simsynth.machine import format_bytes, free_disk_space
from simsynth.model import SimModel
from simsynth.scenario.grid import point_count
from simsynth.scenario.schema import Scenario

LARGE_BYTES = 2e9
"""A run writing more than this (2 GB) gets a warning."""
LONG_SECONDS = 15 * 60.0
"""A run expected to take longer than this (15 min) gets a warning."""


@dataclass(frozen=True)
class SizeEstimate:
    """Expected size of one run, or of all runs of a sweep."""

    events: float
    bytes: float
    seconds: float
    runs: int = 1

    def text(self) -> str:
        """`≈ 1.2M events, 21 MB, < 1 min` (`4 runs ≈ ...` for several)."""
        took = _duration(self.seconds)
        runs = "" if self.runs == 1 else f"{self.runs:,} runs "
        return f"{runs}≈ {_count(self.events)} events, {format_bytes(self.bytes)}, {took}"


def estimate_run(scenario: Scenario) -> SizeEstimate | None:
    """The expected size of one run of `scenario` (None if its model declares no cost)."""
    model: type[SimModel] = registry.load(scenario.model)
    rate = model.expected_event_rate(scenario.params)
    if rate is None:
        return None
    events = rate * scenario.duration
    cost = model.cost
    return SizeEstimate(events, events * cost.bytes_per_event, events / cost.events_per_second)


def estimate_runs(scenario: Scenario, runs: int | None = None) -> SizeEstimate | None:
    """The expected size of `runs` runs like the scenario's own (default: its sweep's runs
    times its grid points, or one run), at the scenario's own params (grid values are not
    applied)."""
    one = estimate_run(scenario)
    if one is None:
        return None
    if runs is None:
        sweep = scenario.sweep
        runs = 1 if sweep is None else sweep.runs * point_count(scenario)
    return SizeEstimate(one.events * runs, one.bytes * runs, one.seconds * runs, runs)


def size_warnings(estimate: SizeEstimate | None, out: Path) -> list[str]:
    """Warnings (never errors) for a very large or long run, or one the disk cannot hold."""
    if estimate is None:
        return []
    what = "this run" if estimate.runs == 1 else f"these {estimate.runs:,} runs"
    warnings = []
    if estimate.bytes > LARGE_BYTES or estimate.seconds > LONG_SECONDS:
        warnings.append(
            f"warning: {what} would write {estimate.text()} (rough, from the model's declared "
            "cost); a shorter duration or fewer entities tries it first"
        )
    free = free_disk_space(out)
    if free is not None and estimate.bytes > free:
        warnings.append(
            f"warning: {what} would write about {format_bytes(estimate.bytes)} but "
            f"{format_bytes(free)} is free where {out} goes"
        )
    return warnings


def _duration(seconds: float) -> str:
    """A rough wall time: `< 1 min`, `12 min`, `3.5 h`."""
    if seconds < 60:
        return "< 1 min"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.2g} h"


def _count(events: float) -> str:
    for size, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if events >= size:
            return f"{events / size:.3g}{unit}"
    return f"{events:.0f}"
