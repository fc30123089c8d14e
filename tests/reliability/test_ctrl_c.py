"""Ctrl+C (SIGINT to the terminal's whole process group, workers included) stops a command with
one line on stderr and exit status 130, and leaves no dataset that looks complete."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from tests.conftest import SMALL_CONTACT_CENTER

SIMSYNTH = [sys.executable, "-m", "simsynth"]
LONG = {
    **SMALL_CONTACT_CENTER,
    "duration": "200d",
    "params": {"agents": 600, "arrival_rate": "2/s", "service_time": "3min"},
}
"""Busy (0.6 Erlang per agent, no warning) and long: it runs far longer than any test waits."""


def interrupted(command: list[str], started: Callable[[], bool]) -> subprocess.CompletedProcess:
    """Run `command` in its own process group, press Ctrl+C once `started()` holds."""
    process = subprocess.Popen(
        [*SIMSYNTH, *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    while not started():  # however slow the machine: the commands run for far longer
        assert process.poll() is None, "the command ended before it could be interrupted"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate()
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def test_ctrl_c_stops_a_run_with_one_line_and_leaves_nothing(tmp_path: Path):
    scenario = tmp_path / "long.yaml"
    scenario.write_text(yaml.safe_dump(LONG))
    out = tmp_path / "out"

    def writing() -> bool:
        return any(tmp_path.glob(".*/**/*.parquet"))

    done = interrupted(["run", str(scenario), "--out", str(out)], writing)
    assert done.returncode == 130
    assert done.stderr.strip().splitlines() == ["interrupted (Ctrl+C): nothing was written"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.yaml"], "no dataset, no temporary"


def test_ctrl_c_stops_a_sweep_and_its_workers_with_one_line(tmp_path: Path):
    scenario = tmp_path / "long.yaml"
    scenario.write_text(yaml.safe_dump({**LONG, "sweep": {"runs": 4}}))
    out = tmp_path / "out"

    def running() -> bool:
        return any(tmp_path.glob(".*/**/*.parquet"))

    command = ["sweep", str(scenario), "--out", str(out), "--workers", "2"]
    done = interrupted(command, running)
    assert done.returncode == 130
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("interrupted (Ctrl+C): nothing was written") and "--resume" in line
    assert "Traceback" not in done.stdout + done.stderr
    assert not out.exists()
