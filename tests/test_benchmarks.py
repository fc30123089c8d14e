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
        assert RATIO.search(line), line
