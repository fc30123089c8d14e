"""Running a scenario's sweep into one dataset: plan, stage, run, merge the manifest."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from simsynth.contract_tables import total_counts
from simsynth.dataset import DatasetWriter
from simsynth.runner import package_versions
from simsynth.scenario import Scenario
from simsynth.scenario.grid import written_json
from simsynth.sweep.executors import ExecutorName, Outcome, run_all
from simsynth.sweep.plan import PlannedRun, plan_runs
from simsynth.sweep.staging import RunRecord, SweepStaging

OnOutcome = Callable[[Outcome], None]


class SweepFailed(Exception):
    """Some runs raised (exit status 1, not bad input); the others are staged and `--resume`
    retries the failed ones."""

    def __init__(self, failed: list[Outcome], staging: Path):
        self.failed = failed
        lines = [f"run {o.run.run_id} {_values(o.run)}failed: {o.error}" for o in failed]
        lines.append(
            f"{len(failed)} run(s) failed; the others are kept in {staging}: "
            "rerun with --resume to retry the failed ones"
        )
        super().__init__("\n".join(lines))
        self._lines = lines

    def lines(self) -> list[str]:
        return self._lines


@dataclass
class SweepResult:
    manifest: dict[str, Any]
    ran: int
    reused: int
    records: list[RunRecord] = field(default_factory=list)


def run_sweep(
    scenario: Scenario,
    target: Path,
    *,
    runs: int | None = None,
    workers: int = 1,
    executor: ExecutorName = "local",
    address: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    on_planned: Callable[[int, int], None] | None = None,
    on_outcome: OnOutcome | None = None,
) -> SweepResult:
    """Run every planned run not already staged, then commit the dataset at `target`.

    Raises SweepFailed (after the other runs finished) if any run raised.
    """
    started = time.perf_counter()
    planned = plan_runs(scenario, runs)
    scenario_json = scenario.model_dump(mode="json")
    staging = SweepStaging.for_target(target)
    identity = {"scenario": scenario_json, "runs": [[r.run_id, r.values] for r in planned]}
    with DatasetWriter(target, overwrite=overwrite, staging=staging.data) as writer:
        staging.open(identity, resume=resume)
        records = staging.finished()
        todo = [run for run in planned if run.run_id not in records]
        if on_planned is not None:
            on_planned(len(planned), len(planned) - len(todo))
        failed: list[Outcome] = []
        for outcome in run_all(
            todo,
            written_json(scenario),
            str(staging.root),
            workers=workers,
            executor=executor,
            address=address,
        ):
            if outcome.record is not None:
                records[outcome.run.run_id] = outcome.record
            else:
                failed.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
        if failed:
            raise SweepFailed(sorted(failed, key=lambda o: o.run.run_id), staging.root)
        ordered = [records[run.run_id] for run in planned]
        files = {path: entry for record in ordered for path, entry in record["files"].items()}
        manifest = writer.commit(sweep_manifest(scenario_json, ordered, started), files)
    staging.remove()
    return SweepResult(manifest, ran=len(todo), reused=len(planned) - len(todo), records=ordered)


def sweep_manifest(
    scenario_json: dict[str, Any], records: list[RunRecord], started: float
) -> dict[str, Any]:
    """The manifest of a finished sweep: each run's seed, grid values and counts, the totals."""
    return {
        "scenario": scenario_json,
        "seed": scenario_json["seed"],
        "runs": [
            {key: record[key] for key in ("run_id", "seed", "values", "counts")}
            for record in records
        ],
        "counts": total_counts(record["counts"] for record in records),
        "versions": package_versions(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_time_s": round(time.perf_counter() - started, 3),
    }


def _values(run: PlannedRun) -> str:
    return f"({', '.join(f'{k}={v!r}' for k, v in run.values.items())}) " if run.values else ""
