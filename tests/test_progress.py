"""Progress of a run in simulated time: reported through the API, drawn only on a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import simsynth


def test_progress_callback_reaches_the_full_duration(write_scenario, tmp_path):
    seen: list[tuple[float, float]] = []
    simsynth.run(write_scenario(), out=tmp_path / "out", progress=lambda d, t: seen.append((d, t)))
    done = [d for d, _ in seen]
    assert done == sorted(done) and len(done) > 10
    assert seen[-1] == (7200.0, 7200.0)


def run_with_terminal_stderr(*args: str) -> str:
    """Run simsynth with stderr on a pseudo-terminal; return what it drew there."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "simsynth", *args], stdout=subprocess.DEVNULL, stderr=follower
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait()
    os.close(leader)
    assert process.returncode == 0
    return b"".join(chunks).decode(errors="replace")


def test_bar_is_drawn_on_a_terminal_and_quiet_silences_it(write_scenario, tmp_path):
    scenario = write_scenario()
    drawn = run_with_terminal_stderr("run", str(scenario), "--out", str(tmp_path / "a"))
    assert "simulated" in drawn and "2h" in drawn and "ETA" in drawn
    quiet = run_with_terminal_stderr("run", str(scenario), "--out", str(tmp_path / "b"), "-q")
    assert quiet == ""


def test_no_bar_when_stderr_is_not_a_terminal(write_scenario, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "simsynth",
            "run",
            str(write_scenario()),
            "--out",
            str(tmp_path / "a"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stderr == ""
    assert "dataset:" in done.stdout


def test_a_sweep_draws_its_runs_on_a_terminal_only(write_scenario, tmp_path):
    import yaml

    from tests.conftest import SMALL_CONTACT_CENTER

    swept = write_scenario({**SMALL_CONTACT_CENTER, "sweep": {"runs": 3}}, name="swept.yaml")
    drawn = run_with_terminal_stderr(
        "sweep", str(swept), "--out", str(tmp_path / "a"), "--workers", "1"
    )
    assert "3/3 runs · 0 failed" in drawn and "events/s" in drawn and "ETA" in drawn
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "simsynth",
            "sweep",
            str(swept),
            "--out",
            str(tmp_path / "b"),
            "--workers",
            "1",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stderr == "" and "runs 3" in done.stdout
    assert yaml.safe_load(swept.read_text())["sweep"] == {"runs": 3}
