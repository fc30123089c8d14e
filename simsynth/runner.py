"""Running scenarios: one run of a model into a dataset partition, and whole datasets.

`run_once` is the unit a sweep executor ships to a worker: it needs only the scenario, the run
id and a dataset root, and its output depends on nothing else.
"""

from __future__ import annotations

import functools
import platform
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from simsynth import registry
from simsynth.dataset import DatasetWriter
from simsynth.incidents import schedule
from simsynth.model import RunContext, SimModel
from simsynth.recorder import RunCounts, RunRecorder
from simsynth.scenario import Scenario, load_scenario
from simsynth.scenario.grid import scheduled_kinds
from simsynth.seeding import RunId, RunSeeds
from simsynth.stores import PartitionStore, RunStore
from simsynth.units import Seconds

Progress = Callable[[Seconds, Seconds], None]
"""Called with (simulated time done, total) as a run advances."""

PROGRESS_STEPS = 200
VERSIONED_PACKAGES = (
    "simsynth",
    "numpy",
    "pyarrow",
    "pandas",
    "simpy",
    "mesa",
    "numba",
    "pydantic",
)


def run_once(
    scenario: Scenario, run_id: RunId, root: Path, progress: Progress | None = None
) -> tuple[RunCounts, RunSeeds]:
    """Simulate one run of `scenario` and write its partition under `root`."""
    model_class, context = prepare_run(scenario, run_id, PartitionStore(root, run_id))
    recorder = context.recorder
    try:
        model = model_class(context)
        for step in range(1, PROGRESS_STEPS + 1):
            until = scenario.duration * step / PROGRESS_STEPS
            model.advance(until)
            if progress is not None:
                progress(until, scenario.duration)
        model.finish()
    except BaseException:
        recorder.abort()
        raise
    return recorder.close(model.entities()), context.seeds


def prepare_run(
    scenario: Scenario, run_id: RunId, store: RunStore
) -> tuple[type[SimModel], RunContext]:
    """The model class of `scenario` and the context of its run `run_id`, recording into
    `store`: seeds, scheduled incidents and a recorder."""
    model_class = registry.load(scenario.model)
    seeds = RunSeeds(scenario.seed, run_id)
    occurrences = schedule(
        scenario.incidents, scenario.duration, seeds.rng("incidents"), seeds.rng("incident-params")
    )
    columns = model_class.event_columns(scenario.params)
    kinds = scheduled_kinds(scenario)
    recorder = RunRecorder(
        store, model_class, occurrences, columns, scheduled=kinds, start=scenario.start
    )
    context = RunContext(
        params=scenario.params,
        duration=scenario.duration,
        occurrences=occurrences,
        seeds=seeds,
        recorder=recorder,
        start=scenario.start,
    )
    return model_class, context


def run(
    scenario: Scenario | str | Path,
    *,
    out: str | Path | None = None,
    seed: int | None = None,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run a scenario (object or file path) into a dataset directory; return its manifest.

    Args:
        scenario: a loaded `Scenario` or the path of a scenario file.
        out: dataset directory; default the scenario's `output.dir` (or `out/<name>`).
        seed: replaces the scenario's seed.
        overwrite: replace an existing directory instead of refusing.
        progress: called with (simulated seconds done, total) as the run advances.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if seed is not None:
        scenario = scenario.model_copy(update={"seed": seed})
    target = Path(out) if out is not None else scenario.output_dir
    started = time.perf_counter()
    with DatasetWriter(target, overwrite=overwrite) as writer:
        assert writer.root is not None
        counts, seeds = run_once(scenario, 0, writer.root, progress)
        if scenario.output.plots:
            write_plots(scenario, writer.root, 0)
        manifest = {
            "scenario": scenario.model_dump(mode="json"),
            "seed": scenario.seed,
            "runs": [{"run_id": 0, "seed": seeds.describe(), "counts": asdict(counts)}],
            "counts": asdict(counts),
            "versions": package_versions(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "wall_time_s": round(time.perf_counter() - started, 3),
        }
        return writer.commit(manifest)


def write_plots(scenario: Scenario, root: Path, run_id: RunId) -> None:
    """Figures of one run under `root/plots/`: the timeline and the model's overview."""
    from simsynth.figures import write_figures

    write_figures(root, run_id, scenario.model_dump(mode="json"), root / "plots")


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages that shape a dataset's bytes."""
    return dict(_installed_versions())


@functools.cache
def _installed_versions() -> tuple[tuple[str, str], ...]:
    """Read once per process: reading package metadata costs ~15 ms, as much as a small run."""
    found = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return tuple(found.items())
