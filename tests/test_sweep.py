"""`simsynth sweep`: seeds x grid into one dataset, the same bytes whatever runs it, resume
after kill -9, one failed run reported while the others finish."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset as ds
import yaml

from simsynth.scenario import load_scenario
from simsynth.sweep.plan import plan_runs
from simsynth.sweep.staging import SweepStaging
from simsynth.sweep.sweep import run_sweep
from tests.conftest import SMALL_CONTACT_CENTER

TIMING_FIELDS = ("created_at", "wall_time_s")
SWEEP = {
    **SMALL_CONTACT_CENTER,
    "name": "small-sweep",
    "incidents": SMALL_CONTACT_CENTER["incidents"][:1],  # the outage at 30 min
    "sweep": {"runs": 3, "grid": {"params.agents": [4, 6], "incidents.0.params.share": [0.5]}},
}


def write(tmp_path: Path, data: dict, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def without_timing(manifest: dict) -> dict:
    return {key: value for key, value in manifest.items() if key not in TIMING_FIELDS}


def file_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.parquet"))}


def test_the_grid_times_the_seeds_gives_one_run_id_each(tmp_path: Path):
    scenario = load_scenario(write(tmp_path, SWEEP))
    planned = plan_runs(scenario)
    assert [run.run_id for run in planned] == list(range(6))
    assert [run.values["params.agents"] for run in planned] == [4, 4, 4, 6, 6, 6]
    assert len(plan_runs(scenario, runs=5)) == 10

    manifest = run_sweep(scenario, tmp_path / "out").manifest
    assert [run["values"]["params.agents"] for run in manifest["runs"]] == [4, 4, 4, 6, 6, 6]
    assert [run["seed"]["spawn_key"] for run in manifest["runs"]] == [[k] for k in range(6)]
    assert manifest["counts"]["events"] == sum(r["counts"]["events"] for r in manifest["runs"])
    # the whole sweep reads as one dataset, run_id a partition column
    events = ds.dataset(tmp_path / "out" / "events", format="parquet", partitioning="hive")
    table = events.to_table(columns=["run_id", "entity_id"])
    per_run = table.group_by("run_id").aggregate([("entity_id", "count")]).to_pydict()
    counted = dict(zip(per_run["run_id"], per_run["entity_id_count"], strict=True))
    assert counted == {r["run_id"]: r["counts"]["events"] for r in manifest["runs"]}
    # the grid value really reached the runs: agent ids stay below the agents of the run
    agents = (
        ds.dataset(tmp_path / "out" / "events", partitioning="hive")
        .to_table(columns=["run_id", "agent_id"])
        .to_pandas()
        .groupby("run_id")["agent_id"]
        .max()
    )
    assert (agents.loc[[0, 1, 2]] < 4).all() and (agents.loc[[3, 4, 5]] >= 4).any()


def test_the_same_bytes_whatever_the_workers_or_the_executor(tmp_path: Path):
    scenario = load_scenario(write(tmp_path, SWEEP))
    manifests, contents = [], []
    for name, options in {
        "one": {"workers": 1},
        "two": {"workers": 2},
        "dask": {"workers": 2, "executor": "dask"},
    }.items():
        manifest = run_sweep(scenario, tmp_path / name, **options).manifest
        manifests.append(without_timing(manifest))
        contents.append(file_bytes(tmp_path / name))
    assert manifests[0] == manifests[1] == manifests[2]
    assert contents[0] == contents[1] == contents[2]
    assert len(contents[0]) == 6 * 2  # events and episodes of six runs


def session_alive(session: int) -> bool:
    """Whether a process of the session `session` still runs (zombies, which an init that
    does not reap may keep, do not count): read from Linux's /proc."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _parent, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile
        if int(group) == session and state != "Z":
            return True
    return False


def test_a_sweep_killed_with_minus_9_resumes_to_the_same_bytes(tmp_path: Path):
    data = {**SWEEP, "duration": "3d", "sweep": {"runs": 8}}
    path = write(tmp_path, data)
    reference = run_sweep(load_scenario(path), tmp_path / "reference", workers=2).manifest
    target = tmp_path / "killed"
    command = [
        sys.executable,
        "-m",
        "simsynth",
        "sweep",
        str(path),
        "--out",
        str(target),
        "--workers",
        "2",
        "--quiet",
    ]
    process = subprocess.Popen(command, start_new_session=True)
    staging = SweepStaging.for_target(target)
    while len(list(staging.runs.glob("run_id=*.json"))) < 1:
        assert process.poll() is None, "the sweep ended before it could be killed"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    while session_alive(process.pid):  # its workers notice and exit, however long that takes
        time.sleep(0.05)
    assert not target.exists()
    kept = len(list(staging.runs.glob("run_id=*.json")))
    assert 1 <= kept < 8, "the sweep died before its last run"

    result = run_sweep(load_scenario(path), target, workers=2, resume=True)
    assert result.reused == kept and result.ran == 8 - result.reused
    assert without_timing(result.manifest) == without_timing(reference)
    assert file_bytes(target) == file_bytes(tmp_path / "reference")
    assert not staging.root.exists()


def test_a_failing_run_is_reported_the_others_finish_and_resume_retries_it(
    tmp_path: Path, failing_runs, cli
):
    path = write(tmp_path, SWEEP)
    target = tmp_path / "out"
    failing_runs(4)
    result = cli("sweep", path, "--out", target, "--workers", "1")
    assert result.exit_code == 1
    assert "run 4 (incidents.0.params.share=0.5, params.agents=6) failed" in result.stderr
    assert "the simulated world broke" in result.stderr and "--resume" in result.stderr
    assert not target.exists()
    staged = sorted(p.name for p in SweepStaging.for_target(target).runs.glob("*.json"))
    assert staged == [f"run_id={k}.json" for k in (0, 1, 2, 3, 5)]

    failing_runs()
    again = cli("sweep", path, "--out", target, "--workers", "1", "--resume")
    assert again.exit_code == 0, again.stderr
    assert "5 kept from before" in again.stdout
    reference = run_sweep(load_scenario(path), tmp_path / "reference").manifest
    manifest = json.loads((target / "manifest.json").read_text())
    assert without_timing(manifest) == without_timing(reference)


def test_an_interrupted_sweep_is_not_overwritten_without_resume(tmp_path: Path, cli):
    path = write(tmp_path, SWEEP)
    SweepStaging.for_target(tmp_path / "out").root.mkdir()
    (SweepStaging.for_target(tmp_path / "out").root / "sweep.json").write_text("{}")
    result = cli("sweep", path, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "--resume" in result.stderr
    resumed = cli("sweep", path, "--out", tmp_path / "out", "--resume")
    assert resumed.exit_code == 2 and "not this one" in resumed.stderr


def test_a_grid_key_that_makes_no_valid_scenario_is_reported_with_its_line(tmp_path: Path, cli):
    bad = {**SWEEP, "sweep": {"runs": 1, "grid": {"params.agents": [4, -1], "params.agentz": [1]}}}
    path = write(tmp_path, bad)
    result = cli("sweep", path, "--out", tmp_path / "out")
    assert result.exit_code == 2
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "agentz" in text)
    assert f"{path}:{line}: sweep.grid.params.agentz:" in result.stderr
    assert "params.agents" in result.stderr and "-1" in result.stderr
    assert not (tmp_path / "out").exists()
    assert cli("validate", path).exit_code == 2


def test_a_running_dask_scheduler_given_by_address_runs_the_same_sweep(tmp_path: Path):
    from distributed import LocalCluster

    scenario = load_scenario(write(tmp_path, {**SWEEP, "sweep": {"runs": 2}}))
    local = run_sweep(scenario, tmp_path / "local").manifest
    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster:
        remote = run_sweep(
            scenario, tmp_path / "remote", executor="dask", address=cluster.scheduler_address
        ).manifest
    assert without_timing(remote) == without_timing(local)
    assert file_bytes(tmp_path / "remote") == file_bytes(tmp_path / "local")


def test_an_address_needs_the_dask_executor(tmp_path: Path, cli):
    result = cli("sweep", write(tmp_path, SWEEP), "--address", "tcp://127.0.0.1:8786")
    assert result.exit_code == 2 and "--executor dask" in result.stderr
