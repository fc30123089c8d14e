"""A rich progress bar in simulated time, shown only on a terminal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from simsynth.runner import Progress as ProgressCallback
from simsynth.units import Seconds, format_seconds


@contextmanager
def simulated_time_progress(name: str, *, enabled: bool) -> Iterator[ProgressCallback | None]:
    """Yield a callback updating a bar of simulated time done / total, or None if disabled."""
    if not enabled:
        yield None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[done]} / {task.fields[total_text]} simulated"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
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
