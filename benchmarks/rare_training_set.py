"""Cost of a rare-event training set of 1,000 positive episodes, against simulating its runs.

`simsynth rare scenarios/card_fraud_training.yaml --positives 334 --prevalence 0.1` on 2
workers: runs until each of its three fraud kinds has 334 episodes (>= 1,000 in all), then
samples negatives down to 10% fraud with weights and splits by run. The reference is the plain
sweep (`run_sweep`, 2 workers) of the same runs: the ratio is what sampling, splitting and
writing the set cost on top of simulating (events/s over the simulated events; < 1 is slower).
Each sweep is checked to have simulated the set's very runs (run ids, seeds, events, episodes
and positives, run for run) before any figure is printed; runs the set simulated and dropped
(a batch overshooting its target) are in its time, not in its events.
Also printed: runs, episodes, rows and bytes of the set. `--quick`: 10 episodes per kind.

    python benchmarks/rare_training_set.py            # >= 1,000 episodes
    python benchmarks/rare_training_set.py --quick    # 10 per kind
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import TIMING, Contender, measure, parse_options, print_table

from simsynth.rare.build import build_training_set
from simsynth.rare.options import RareOptions
from simsynth.scenario import load_scenario
from simsynth.sweep.sweep import run_sweep

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "card_fraud_training.yaml"
WORKERS = 2


def check_same_runs(rare: dict[str, Any], sweep: dict[str, Any]) -> None:
    """The sweep must have simulated the very runs the set was made of: the same seeds, events,
    episodes and positives, run for run (else the ratio compares different work)."""
    ours = [(run["run_id"], run["seed"], run["simulated"]) for run in rare["runs"]]
    theirs = [(run["run_id"], run["seed"], run["counts"]) for run in sweep["runs"]]
    if ours != theirs:
        raise SystemExit("the sweep did not simulate the runs of the training set")


def main() -> None:
    options = parse_options(__doc__.splitlines()[0])
    per_kind = 10 if options.quick else 334
    scenario = load_scenario(SCENARIO)
    built: dict[str, Any] = {}

    def rare(path: Path) -> int:
        shutil.rmtree(path, ignore_errors=True)
        rare_options = RareOptions(positives=per_kind, prevalence=0.1)
        manifest = build_training_set(scenario, path, rare_options, workers=WORKERS)
        built["manifest"] = manifest
        built["bytes"] = sum(entry["bytes"] for entry in manifest["files"].values())
        shutil.rmtree(path)
        return sum(run["simulated"]["events"] for run in manifest["runs"])

    def sweep(path: Path) -> int:
        shutil.rmtree(path, ignore_errors=True)
        runs = len(built["manifest"]["runs"])
        manifest = run_sweep(scenario, path, runs=runs, workers=WORKERS).manifest
        shutil.rmtree(path)
        check_same_runs(built["manifest"], manifest)
        if not built.get("checked"):
            built["checked"] = True
            print(
                f"same-work check: the sweep simulated the set's {runs} runs (seeds, events,"
                " episodes, positives), run for run"
            )
        return int(manifest["counts"]["events"])

    contenders = [
        Contender(f"simsynth rare, {WORKERS} workers", rare),
        Contender(f"simsynth sweep of the same runs, {WORKERS} workers (reference)", sweep),
    ]
    with TemporaryDirectory() as directory:
        measure(contenders, options.repeats or 1, Path(directory))
    manifest = built["manifest"]
    trained = manifest["training_set"]
    episodes = trained["episodes_by_kind"]
    print(
        f"{SCENARIO.name}: {len(manifest['runs'])} runs "
        f"({trained['runs_simulated']} simulated), {sum(episodes.values()):,} episodes "
        f"({', '.join(f'{k} {n}' for k, n in episodes.items())})"
    )
    print(
        f"set: {manifest['counts']['events']:,} rows at {trained['achieved_prevalence']:.1%} "
        f"positives from {trained['natural_prevalence']:.2%}, "
        f"{built['bytes'] / 1e6:.1f} MB"
    )
    print_table(
        "Training set of rare episodes (events/s over the simulated events)",
        contenders,
        references=[contenders[1].name],
        columns=TIMING,
    )


if __name__ == "__main__":
    main()
