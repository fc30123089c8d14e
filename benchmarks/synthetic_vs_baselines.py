"""The headline comparison: simulation against i.i.d. baselines, per built-in model.

For each model, one shipped scenario (shortened where long) runs as two sweeps of 3 runs with
different seeds: A is the reference, B the training data. The candidates are B itself ("another
simulation"), and the marginals and copula baselines fitted to B (`simsynth baseline`), each
evaluated against A (`simsynth evaluate`, target `label`). Rows are headline scores; the last
rows are the shortcut audit of the reference: for each incident kind, the best single-column
rule's F1 and a depth-3 tree's F1 on the kind's rows (one-vs-rest). Figures are printed, never
checked. `--quick`: two models, shorter runs. Before scoring, every candidate is checked to
have the training data's runs, rows per run and event columns.

    python benchmarks/synthetic_vs_baselines.py            # every model (~13 min on 2 cores)
    python benchmarks/synthetic_vs_baselines.py --quick
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import parse_options

from simsynth.baseline.build import write_baseline
from simsynth.column_roles import ColumnRoles
from simsynth.dataset import read_events, read_manifest
from simsynth.evaluate import evaluate
from simsynth.evaluate.shortcuts import audit
from simsynth.scenario import load_scenario
from simsynth.sweep.sweep import run_sweep

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
RUNS = 3
SEEDS = (101, 202)
CANDIDATES = ("simulation", "marginals", "copula")


@dataclass(frozen=True)
class Case:
    scenario: str
    duration: float | None
    """Seconds (None: as shipped)."""


CASES = {
    "customers.contact_center": Case("contact_center_outage.yaml", 86400.0),
    "customers.card_network": Case("card_mixed_month.yaml", None),
    "markets.order_flow": Case("market_order_flow_spoofing.yaml", None),
    "markets.traders": Case("market_traders_flash_crash.yaml", None),
    "traffic.road_network": Case("traffic_grid_rush_hour_accident.yaml", None),
    "traffic.intersection": Case("intersection_signal_failure.yaml", None),
}
QUICK = {
    "customers.contact_center": Case("contact_center_outage.yaml", 6 * 3600.0),
    "customers.card_network": Case("card_fraud_training.yaml", 86400.0),
}
ROWS = [
    ("fidelity", "column_shapes", "column shapes (KS/TV complement, 1 best)"),
    ("fidelity", "column_pair_trends", "column pair trends (1 best)"),
    ("fidelity", "exact_copy_rate", "rows copying a reference row (share)"),
    ("temporal", "inter_event_ks_complement", "inter-event times (KS complement)"),
    ("temporal", "acf_similarity", "autocorrelation of counts (1 best)"),
    ("temporal", "burstiness_similarity", "burstiness (1 best)"),
    ("temporal", "events_per_entity_ks_complement", "events per entity (KS complement)"),
    ("temporal", "transition_similarity", "event-type transitions (1 best)"),
    ("temporal", "temporal_score", "temporal score (mean)"),
    ("utility", "label.tstr_pr_auc", "TSTR PR-AUC, any label"),
    ("utility", "label.trtr_pr_auc", "TRTR PR-AUC, any label (reference)"),
    ("detectability", "auc", "detectability ROC AUC (0.5 best)"),
    ("privacy", "dcr_ratio", "DCR ratio vs holdout (~1 good)"),
]


def main() -> None:
    options = parse_options(__doc__.splitlines()[0])
    cases = QUICK if options.quick else CASES
    with TemporaryDirectory() as directory:
        for model, case in cases.items():
            compare(model, case, Path(directory) / model)


def compare(model: str, case: Case, root: Path) -> None:
    started = time.perf_counter()
    scenario = load_scenario(SCENARIOS / case.scenario)
    if case.duration is not None:
        scenario = scenario.model_copy(update={"duration": case.duration})
    reference, training = root / "reference", root / "training"
    for seed, out in zip(SEEDS, (reference, training), strict=True):
        run_sweep(scenario.model_copy(update={"seed": seed}), out, runs=RUNS, workers=2)
    candidates = {"simulation": training}
    for method in ("marginals", "copula"):
        candidates[method] = root / method
        write_baseline(training, method, out=candidates[method])
    check_same_shape(candidates)
    scores = {name: evaluate(reference, path) for name, path in candidates.items()}
    events = read_events(reference)
    print(
        f"\n{model} ({case.scenario}, {RUNS} runs per side, "
        f"{len(events):,} reference events; {time.perf_counter() - started:.0f} s)"
    )
    width = max(len(label) for *_, label in ROWS)
    print(f"{'':<{width}}  " + "  ".join(f"{name:>10}" for name in CANDIDATES))
    for section, key, label in ROWS:
        cells = [_cell(_find(scores[name], section, key)) for name in CANDIDATES]
        print(f"{label:<{width}}  " + "  ".join(f"{cell:>10}" for cell in cells))
    found = audit(events, ColumnRoles.of(events), seed=0)
    print("shortcut audit of the reference (F1 on each kind's rows):")
    for kind, rows in found.groupby("kind", sort=True):
        columns = rows[rows["source"] != "tree"]
        best = columns.sort_values("f1", ascending=False).iloc[0]
        tree = rows.loc[rows["source"] == "tree", "f1"]
        tree_f1 = f"{tree.max():.2f}" if len(tree) else "n/a"
        print(
            f"  {kind:<22} best column {best['column']:<14} F1 {best['f1']:.2f} · tree F1 {tree_f1}"
        )


def check_same_shape(candidates: dict[str, Path]) -> None:
    """Every candidate must have the training data's runs, rows per run and event columns (the
    baselines are sampled to that shape), so that their scores compare like with like."""
    shapes = {}
    for name, path in candidates.items():
        manifest = read_manifest(path)
        rows = {run["run_id"]: run["counts"]["events"] for run in manifest["runs"]}
        columns = pq.read_schema(next((path / "events").rglob("*.parquet"))).names
        shapes[name] = (rows, sorted(set(columns) - {"run_id"}))
    training = shapes["simulation"]
    differing = [name for name, shape in shapes.items() if shape != training]
    if differing:
        raise SystemExit(f"{', '.join(differing)}: not the training data's runs, rows or columns")
    print(
        f"same-work check: every candidate has the training data's {len(training[0])} runs,"
        f" {sum(training[0].values()):,} rows and {len(training[1])} columns"
    )


def _find(document: dict[str, Any], section: str, key: str) -> Any:
    value: Any = document["sections"].get(section, {}).get("summary", {})
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _cell(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    main()
