"""A run killed with SIGKILL leaves no dataset at its target; the next run cleans up after it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.conftest import SMALL_CONTACT_CENTER
from tests.contract import check_dataset

SIMSYNTH = [sys.executable, "-m", "simsynth"]


def temporaries(parent: Path) -> list[Path]:
    return [p for p in parent.iterdir() if p.name.startswith(".")]


def test_kill_9_leaves_no_dataset_and_next_run_cleans_up(tmp_path):
    long_run = {**SMALL_CONTACT_CENTER, "duration": "200d", "params": {"arrival_rate": "2/s"}}
    scenario = tmp_path / "long.yaml"
    scenario.write_text(yaml.safe_dump(long_run))
    out = tmp_path / "out"
    process = subprocess.Popen([*SIMSYNTH, "run", scenario, "--out", out, "--quiet"])
    try:
        # however slow the machine: the 200-day run writes Parquet long before it could end
        while not temporaries(tmp_path) or not any(temporaries(tmp_path)[0].rglob("*.parquet")):
            assert process.poll() is None, "the long run ended before it could be killed"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not out.exists(), "a killed run leaves nothing at the target path"
    assert temporaries(tmp_path), "the killed run's temporary directory is still there"

    scenario.write_text(yaml.safe_dump(SMALL_CONTACT_CENTER))
    done = subprocess.run([*SIMSYNTH, "run", scenario, "--out", out, "--quiet"], check=False)
    assert done.returncode == 0
    check_dataset(out)
    assert temporaries(tmp_path) == [], "the stale temporary directory was removed"
