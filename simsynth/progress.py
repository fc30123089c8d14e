"""Rich progress bars, shown only on a terminal: simulated time of a run, runs of a sweep."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from simsynth.runner import Progress as ProgressCallback
from simsynth.units import Seconds, format_seconds

if TYPE_CHECKING:
    from simsynth.sweep.executors import Outcome


def _bar(*figures: TextColumn, transient: bool) -> Progress:
    """A bar on stderr: the task's name, the bar, `figures`, the time elapsed and the time
    left (estimated from the pace so far)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        *figures,
        TimeElapsedColumn(),
        TextColumn("· ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=transient,
    )


@contextmanager
def simulated_time_progress(name: str, *, enabled: bool) -> Iterator[ProgressCallback | None]:
    """Yield a callback updating a bar of simulated time done / total, or None if disabled."""
    if not enabled:
        yield None
        return
    bar = _bar(
        TextColumn("{task.fields[done]} / {task.fields[total_text]} simulated"), transient=True
    )
    task = bar.add_task(name, total=1.0, done="0s", total_text="?")

    def update(done: Seconds, total: Seconds) -> None:
        bar.update(
            task,
            completed=done / total,
            done=format_seconds(done),
            total_text=format_seconds(total),
        )

    with bar:
        yield update


@contextmanager
def runs_progress(name: str, *, enabled: bool) -> Iterator[SweepProgress | None]:
    """Yield a bar over a sweep's runs (done, failed, events per second), or None if disabled."""
    if not enabled:
        yield None
        return
    bar = _bar(
        TextColumn("{task.fields[ended]}/{task.fields[runs]} runs · {task.fields[failed]} failed"),
        TextColumn("· {task.fields[rate]} events/s"),
        transient=False,
    )
    with bar:
        task = bar.add_task(name, total=None, ended=0, runs="?", failed=0, rate="–")
        yield SweepProgress(bar, task)


class SweepProgress:
    """Updates a sweep's bar as runs are planned and end."""

    def __init__(self, bar: Progress, task: TaskID):
        self.bar = bar
        self.task = task
        self.failed = 0
        self.events = 0
        self.ended_runs = 0
        self.started = time.perf_counter()

    def planned(self, total: int, already_done: int) -> None:
        self.ended_runs = already_done
        self.bar.update(
            self.task, total=total, completed=already_done, ended=already_done, runs=total
        )

    def ended(self, outcome: Outcome) -> None:
        if outcome.record is None:
            self.failed += 1
        else:
            self.events += outcome.record["counts"]["events"]
        self.ended_runs += 1
        rate = self.events / max(time.perf_counter() - self.started, 1e-9)
        self.bar.update(
            self.task, advance=1, ended=self.ended_runs, failed=self.failed, rate=f"{rate:,.0f}"
        )
