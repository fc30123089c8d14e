"""Running a scenario's runs until every incident kind has enough episodes.

Run `k` is the scenario's run `k` as a sweep would run it (the `k`-th seed child), at grid point
`k mod points` when the scenario has a grid. Runs go in batches sized from the episode rate seen
so far; the runs kept are the shortest prefix 0..K-1 that reaches the target, so the set does not
depend on batch sizes, workers or executor (a batch may overshoot; the extra runs are dropped).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow.parquet as pq

from simsynth.errors import SimsynthError
from simsynth.scenario import Scenario
from simsynth.scenario.grid import GridValues, grid_points, written_json
from simsynth.stores import partition_file
from simsynth.sweep.executors import ExecutorName, Outcome, run_all
from simsynth.sweep.plan import PlannedRun
from simsynth.sweep.staging import RunRecord, SweepStaging
from simsynth.sweep.sweep import SweepFailed

from .options import RareOptions

EpisodeCounts = Counter[str]


@dataclass(frozen=True)
class RunsSetBy:
    """What set the number of runs a set keeps: `--runs` (`runs`), one run per split
    (`splits`), or the kinds that reached `--positives` episodes last (`positives`)."""

    cause: Literal["runs", "splits", "positives"]
    kinds: tuple[str, ...] = ()

    def describe(self) -> dict[str, Any]:
        """JSON-able form for the manifest."""
        return {"cause": self.cause, "kinds": list(self.kinds)}


class NotEnoughEpisodes(SimsynthError):
    """The scenario does not produce the requested episodes within `max_runs` runs."""


def planned_run(points: list[GridValues], run_id: int) -> PlannedRun:
    return PlannedRun(run_id=run_id, values=points[run_id % len(points)])


def episodes_by_kind(root: Path, run_id: int) -> EpisodeCounts:
    """How many episodes of each kind a staged run wrote."""
    path = partition_file(root, "episodes", run_id)
    kinds = pq.read_table(path, columns=["kind"]).column("kind").to_pylist()
    return Counter(str(kind) for kind in kinds)


class RunCollector:
    """Runs a scenario's runs into a staging area until the options' target is reached."""

    def __init__(
        self,
        scenario: Scenario,
        staging: SweepStaging,
        options: RareOptions,
        *,
        workers: int = 1,
        executor: ExecutorName = "local",
        address: str | None = None,
        on_planned: Callable[[int, int], None] | None = None,
        on_outcome: Callable[[Outcome], None] | None = None,
    ):
        self.scenario = scenario
        self.staging = staging
        self.options = options
        self.workers = workers
        self.executor = executor
        self.address = address
        self.on_planned = on_planned
        self.on_outcome = on_outcome
        self.points = list(grid_points(scenario))
        self.kinds = sorted({entry.kind for entry in scenario.incidents})
        if options.runs is None and not self.kinds:
            raise NotEnoughEpisodes(
                f"{scenario.name}: the scenario has no incidents, so no episodes to collect "
                "(give --runs N to build a set from N runs anyway)"
            )
        self.records: dict[int, RunRecord] = {}
        self.episodes: dict[int, EpisodeCounts] = {}

    def collect(self, resume: bool = False) -> list[RunRecord]:
        """Run until the target is met; the records of runs 0..K-1, the shortest prefix that
        meets it (records carry `episodes_by_kind`)."""
        identity = {"rare": self.scenario.model_dump(mode="json")}
        self.staging.open(identity, resume=resume)
        for record in self.staging.finished().values():
            self._keep(record)
        while (kept := self._prefix_meeting_target()) is None:
            self._run(self._next_batch())
        return [
            {**self.records[k], "episodes_by_kind": dict(self.episodes[k])} for k in range(kept)
        ]

    def runs_set_by(self, kept: int) -> RunsSetBy:
        """What made the set `kept` runs long: with `--positives`, the kinds one run fewer
        would leave short (or, if none, the one run each split needs)."""
        if self.options.runs is not None:
            return RunsSetBy("runs" if self.options.runs >= kept else "splits")
        before: EpisodeCounts = sum((self.episodes[k] for k in range(kept - 1)), Counter())
        short = tuple(kind for kind in self.kinds if before[kind] < self.options.positives)
        return RunsSetBy("positives", short) if short else RunsSetBy("splits")

    def _keep(self, record: RunRecord) -> None:
        run_id = int(record["run_id"])
        self.records[run_id] = record
        self.episodes[run_id] = episodes_by_kind(self.staging.data, run_id)

    def _done_prefix(self) -> int:
        return next(k for k in itertools.count() if k not in self.records)

    def _prefix_meeting_target(self) -> int | None:
        done = self._done_prefix()
        least = self.options.splits_needed
        if self.options.runs is not None:
            return max(self.options.runs, least) if done >= max(self.options.runs, least) else None
        total: EpisodeCounts = Counter()
        for k in range(done):
            total += self.episodes[k]
            if k + 1 >= least and all(total[kind] >= self.options.positives for kind in self.kinds):
                return k + 1
        return None

    def _next_batch(self) -> list[PlannedRun]:
        done = self._done_prefix()
        if self.options.runs is not None:
            wanted = max(self.options.runs, self.options.splits_needed) - done
        else:
            if done >= self.options.max_runs:
                raise NotEnoughEpisodes(self._shortfall(done))
            wanted = min(self._runs_still_needed(done), self.options.max_runs - done)
        wanted = max(wanted, self.workers if self.options.runs is None else 1)
        return [
            planned_run(self.points, k) for k in range(done, done + wanted) if k not in self.records
        ]

    def _runs_still_needed(self, done: int) -> int:
        """Runs to add, from the episodes per run seen so far (or, before any, the scenario's
        expected count per run), at least enough for one run per split."""
        least = max(self.options.splits_needed - done, 1)
        seen: EpisodeCounts = sum((self.episodes[k] for k in range(done)), Counter())
        needed = least
        for kind in self.kinds:
            missing = self.options.positives - seen[kind]
            if missing <= 0:
                continue
            per_run = seen[kind] / done if done and seen[kind] else self._expected_per_run(kind)
            needed = max(needed, math.ceil(missing / per_run) if per_run > 0 else max(done, 1))
        return needed

    def _expected_per_run(self, kind: str) -> float:
        return sum(
            1.0 if entry.at is not None else (entry.rate or 0.0) * self.scenario.duration
            for entry in self.scenario.incidents
            if entry.kind == kind
        )

    def _shortfall(self, done: int) -> str:
        seen: EpisodeCounts = sum((self.episodes[k] for k in range(done)), Counter())
        short = ", ".join(
            f"{kind} {seen[kind]}" for kind in self.kinds if seen[kind] < self.options.positives
        )
        return (
            f"{self.scenario.name}: after {done} runs some kinds have fewer than "
            f"{self.options.positives} episodes ({short}); raise their rate in the scenario, "
            "lower --positives or raise --max-runs"
        )

    def _run(self, batch: list[PlannedRun]) -> None:
        if self.on_planned is not None:
            self.on_planned(len(self.records) + len(batch), len(self.records))
        failed: list[Outcome] = []
        for outcome in run_all(
            batch,
            written_json(self.scenario),
            str(self.staging.root),
            workers=self.workers,
            executor=self.executor,
            address=self.address,
        ):
            if outcome.record is not None:
                self._keep(outcome.record)
            else:
                failed.append(outcome)
            if self.on_outcome is not None:
                self.on_outcome(outcome)
        if failed:
            raise SweepFailed(sorted(failed, key=lambda o: o.run.run_id), self.staging.root)
