"""Running the counterfactual twin of each collected run that had incidents.

A twin is the same run (same run id, so the same seeds, and the same grid values) of the
scenario with its incidents removed; twins are staged next to the runs, in `twins/`.
"""

from __future__ import annotations

from pathlib import Path

from simsynth.scenario import Scenario
from simsynth.sweep.executors import ExecutorName, run_all
from simsynth.sweep.plan import PlannedRun
from simsynth.sweep.staging import RunRecord, SweepStaging
from simsynth.sweep.sweep import SweepFailed

from .twins import twin_scenario

TWINS = "twins"


def run_twins(
    scenario: Scenario,
    records: list[RunRecord],
    staging: SweepStaging,
    *,
    workers: int = 1,
    executor: ExecutorName = "local",
    address: str | None = None,
) -> Path:
    """Run (or, when resuming, reuse) the twin of every run that had an episode of an injected
    kind; return the root of the twins' data."""
    injected = {entry.kind for entry in scenario.incidents}
    twin_json = twin_scenario(scenario).model_dump(mode="json")
    twins = SweepStaging(staging.root / TWINS)
    twins.open({"twins_of": scenario.model_dump(mode="json")}, resume=True)
    done = twins.finished()
    todo = [
        PlannedRun(int(record["run_id"]), _without_incident_keys(record.get("values") or {}))
        for record in records
        if int(record["run_id"]) not in done
        and any(record["episodes_by_kind"].get(kind, 0) for kind in injected)
    ]
    failed = [
        outcome
        for outcome in run_all(
            todo, twin_json, str(twins.root), workers=workers, executor=executor, address=address
        )
        if outcome.record is None
    ]
    if failed:
        raise SweepFailed(failed, staging.root)
    return twins.data


def _without_incident_keys(values: dict[str, object]) -> dict[str, object]:
    """Grid values minus those setting incidents (which the twin does not have)."""
    return {key: value for key, value in values.items() if not key.startswith("incidents")}
