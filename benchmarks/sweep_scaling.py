"""Runs per second of an 8-run sweep: 2 local workers against 1, and a Dask LocalCluster of 2
workers against the local pool of 2, side by side.

The sweep is `scenarios/contact_center_outage.yaml` run for 30 simulated days (~350k events and
about 4 s a run: sweeps are for runs of seconds or more, where starting workers is small
beside the work), 8 runs (`--quick`: 4 runs of 2 hours). The contenders all call
`simsynth.sweep.sweep.run_sweep` into a fresh directory:

* 1 worker: the runs one after another in this process (the reference);
* local pool, 2 workers: a `ProcessPoolExecutor` of 2 spawned processes (started per sweep, so
  their imports are part of the time);
* Dask LocalCluster, 2 workers: the same runs sent to a `dask.distributed.LocalCluster` of 2
  single-threaded worker processes (started per sweep, like the pool).

Each sweep checks that its manifest equals the reference's (timing fields aside). Events/s is
the sweep's total events over its wall time; best of N repeats, contenders interleaved; the
ratio column is the speed-up. The target of the sweep issue is >= 1.7x for 2 local workers on 2
cores. Figures are printed, never checked.

    python benchmarks/sweep_scaling.py            # 8 runs of 30 simulated days
    python benchmarks/sweep_scaling.py --quick    # 4 runs of 2 hours
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from tempfile import TemporaryDirectory

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import TIMING, Contender, measure, parse_options, print_table

from simsynth.scenario import load_scenario
from simsynth.sweep.sweep import run_sweep
from simsynth.units import format_seconds

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "contact_center_outage.yaml"
TIMING_FIELDS = ("created_at", "wall_time_s")


def main() -> None:
    options = parse_options(__doc__.splitlines()[0])
    runs, duration = (4, 7200.0) if options.quick else (8, 30 * 86400.0)
    scenario = load_scenario(SCENARIO).model_copy(update={"duration": duration})
    reference: dict[str, object] = {}

    def sweep(workers: int, executor: str) -> Contender:
        def run(path: Path) -> int:
            shutil.rmtree(path, ignore_errors=True)
            manifest = run_sweep(
                scenario,
                path,
                runs=runs,
                workers=workers,
                executor=executor,  # type: ignore[arg-type]
            ).manifest
            shutil.rmtree(path)
            timeless = {k: v for k, v in manifest.items() if k not in TIMING_FIELDS}
            if reference.setdefault("manifest", timeless) != timeless:
                raise SystemExit("the sweeps wrote different datasets")
            return int(manifest["counts"]["events"])

        return Contender(f"{executor}, {workers} worker{'s' if workers > 1 else ''}", run)

    one, pool, dask = sweep(1, "local"), sweep(2, "local"), sweep(2, "dask")
    print(f"{runs} runs of {format_seconds(duration)} of {SCENARIO.name}")
    with TemporaryDirectory() as directory:
        measure([one, pool, dask], options.repeats or (1 if options.quick else 2), Path(directory))
    print(
        "same-work check: every sweep wrote the dataset of the first (manifest equal but for"
        f" {', '.join(TIMING_FIELDS)}: runs, seeds, counts, file checksums)"
    )
    print_table(
        "Sweep scaling (events/s over the whole sweep)",
        [one, pool, dask],
        references=[one.name, pool.name],
        columns=TIMING,
        ratio_heads=["1 worker", "pool of 2"],
    )


if __name__ == "__main__":
    main()
