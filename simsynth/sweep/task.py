"""The unit of work a sweep ships to a worker: one run into the staging area, then its record.

It takes only JSON-able arguments (the scenario as the manifest writes it, a run id, grid values
and a path), so that a process pool or a Dask cluster can send it anywhere the path is shared.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from simsynth import registry
from simsynth.runner import run_once
from simsynth.scenario.grid import scenario_at
from simsynth.scenario.schema import scenario_class
from simsynth.sweep.staging import RunRecord, SweepStaging, clear_run, run_files, write_json


def execute_run(
    scenario_json: dict[str, Any], run_id: int, values: dict[str, Any], staging_root: str
) -> RunRecord:
    """Run `run_id` of the sweep (its grid `values` set) into `staging_root/data`, then write
    and return its record; a run's output depends on nothing else."""
    started = time.perf_counter()
    staging = SweepStaging(Path(staging_root))
    data = staging.data
    schema = scenario_class(registry.load(scenario_json["model"]))
    scenario = scenario_at(schema.model_validate(scenario_json), values)
    clear_run(data, run_id)
    counts, seeds = run_once(scenario, run_id, data)
    record: RunRecord = {
        "run_id": run_id,
        "seed": seeds.describe(),
        "values": values,
        "counts": asdict(counts),
        "files": run_files(data, run_id),
    }
    write_json(staging.record_path(run_id), record)
    return {**record, "wall_time_s": time.perf_counter() - started}
