"""Smoke test of the benchmark scripts: they run and print their side-by-side tables.

Only `--quick` sizes; the figures themselves are never checked (benchmarks, not tests).
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import REPO

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
    ],
)
def test_benchmark_script_prints_its_table(script, rows, tmp_path):
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), "--quick", "--repeats", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for name in rows:
        (line,) = [line for line in lines if line.startswith(name)]
        figure = FIGURES if script == "card_network_paysim.py" else RATIO
        assert figure.search(line), line
