"""A sweep's runs: every grid combination times `runs` seeds, each a run id.

Run `k` takes the `k`-th child of the scenario's `SeedSequence` (`RunSeeds(seed, k)`), so its
output depends on nothing but the scenario and `k`. Grid combinations are taken in the order
the grid lists its keys and values (`simsynth.scenario.grid`); run ids count through the seeds
of the first combination, then of the next.
"""

from __future__ import annotations

from dataclasses import dataclass

from simsynth.errors import SimsynthError
from simsynth.scenario import Scenario
from simsynth.scenario.grid import GridValues, grid_points, point_count
from simsynth.scenario.schema import MAX_RUNS


@dataclass(frozen=True)
class PlannedRun:
    """One run of a sweep: its id and the grid values it sets."""

    run_id: int
    values: GridValues


class TooManyRuns(SimsynthError):
    """A sweep asks for more runs than one sweep holds."""


def plan_runs(scenario: Scenario, runs: int | None = None) -> list[PlannedRun]:
    """The runs of `scenario`'s sweep (`runs` replaces its `sweep.runs`)."""
    sweep = scenario.sweep
    per_point = runs if runs is not None else (sweep.runs if sweep is not None else 1)
    total = per_point * point_count(scenario)
    if total > MAX_RUNS:
        raise TooManyRuns(
            f"{scenario.name}: {total:,} runs ({point_count(scenario):,} grid combinations x "
            f"{per_point:,}); a sweep holds at most {MAX_RUNS:,} (split it into several)"
        )
    return [
        PlannedRun(run_id=index * per_point + replicate, values=point)
        for index, point in enumerate(grid_points(scenario))
        for replicate in range(per_point)
    ]
