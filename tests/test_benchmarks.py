"""Smoke test of the benchmark scripts: they run and print their side-by-side tables.

Only `--quick` sizes; the figures themselves are never checked (benchmarks, not tests).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow
"""Every script runs its contenders: `make test-slow`, CI's second step."""

RATIO = re.compile(r"\d+\.\d\dx")
FIGURES = re.compile(r"[\d,]+ +\d+\.\d\d +[\d,]+ +[\d,]+$")
"""events, seconds, events/s, peak RSS: the PaySim-size script prints no ratio."""


@pytest.mark.parametrize(
    ("script", "rows"),
    [
        (
            "sink_throughput.py",
            [
                "pyarrow write_table (prebuilt table)",
                "EventSink.emit_columns + close",
                "EventSink.emit per event + close",
            ],
        ),
        (
            "card_network_throughput.py",
            ["simsynth.run (numba kernel + Parquet)", "plain Mesa, one step per holder-hour"],
        ),
        ("card_network_paysim.py", ["30 days", "60 days"]),
        (
            "contact_center_throughput.py",
            ["simsynth.run (model + Parquet)", "bare SimPy M/M/c (reference)", "ciw M/M/c"],
        ),
        (
            "intersection_throughput.py",
            ["simsynth.run (model + Parquet)", "bare SimPy intersection (reference)"],
        ),
        ("order_book_throughput.py", ["numba book, one batch", "pure Python book (reference)"]),
        (
            "road_network_throughput.py",
            [
                "numba kernel alone",
                "Mesa discrete_space grid (idiom)",
                "plain Mesa, road as a list",
            ],
        ),
        (
            "order_flow_throughput.py",
            [
                "simsynth.run (model + Parquet)",
                "simsynth model, rows discarded",
                "bare SimPy + Parquet (reference)",
                "bare SimPy, rows counted",
            ],
        ),
        ("sweep_scaling.py", ["local, 1 worker", "local, 2 workers", "dask, 2 workers"]),
        (
            "rare_training_set.py",
            ["simsynth rare, 2 workers", "simsynth sweep of the same runs, 2 workers (reference)"],
        ),
        (
            "traders_throughput.py",
            [
                "simsynth.run: Mesa agents + numba book, labelled Parquet",
                "idiomatic Mesa: shuffle_do, pure-Python book, tuples (reference)",
            ],
        ),
    ],
)
def test_benchmark_script_prints_its_table(script, rows, tmp_path):
    lines = run_quick(script, tmp_path)
    for name in rows:
        (line,) = [line for line in lines if line.startswith(name)]
        figure = FIGURES if script == "card_network_paysim.py" else RATIO
        assert figure.search(line), line


def test_headline_comparison_prints_each_score_for_each_candidate(tmp_path):
    lines = run_quick("synthetic_vs_baselines.py", tmp_path)
    models = [line for line in lines if line.startswith("customers.")]
    assert len(models) == 2, "--quick compares two models"
    for label in ("temporal score (mean)", "detectability ROC AUC (0.5 best)"):
        rows = [line for line in lines if line.startswith(label)]
        assert len(rows) == len(models), label
        for row in rows:
            cells = row[len(label) :].split()
            assert len(cells) == 3, row  # simulation, marginals, copula
            assert all(0.0 <= float(cell) <= 1.0 for cell in cells), row
    assert sum(line.startswith("shortcut audit") for line in lines) == len(models)


def run_quick(script: str, directory: Path) -> list[str]:
    """The output lines of a benchmark script run with `--quick --repeats 1`."""
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), "--quick", "--repeats", "1"],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_city_benchmark_reports_wall_time_and_memory(tmp_path):
    lines = run_quick("road_network_city.py", tmp_path)
    summary = re.compile(r"wall \d+\.\d s, peak RSS [\d,]+ MB, [\d,]+ events/s")
    assert any(summary.fullmatch(line) for line in lines)
    assert any(line.startswith("trips started ") for line in lines)
