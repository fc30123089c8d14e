"""A dataset is checked against its manifest before it is read: a changed, missing, added or
broken file, or a damaged manifest, ends every reader (`plot`, `baseline`, `evaluate`, `view`
and `simsynth.read_events`) in one line and exit 2, writing nothing. `--no-verify` skips the
checksums; broken Parquet is still one line. `--resume` redoes a staged run that is damaged."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

import simsynth
from simsynth.errors import DatasetError
from simsynth.scenario import load_scenario
from simsynth.sweep.staging import SweepStaging
from simsynth.sweep.sweep import run_sweep
from tests.conftest import SMALL_CONTACT_CENTER

EVENTS = "events/run_id=0/part-0.parquet"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pristine")
    scenario = folder / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(SMALL_CONTACT_CENTER))
    simsynth.run(scenario, out=folder / "dataset")
    return folder / "dataset"


def tampered(root: Path) -> None:
    """Valid Parquet with one amount changed: only the checksum tells."""
    table = pq.read_table(root / EVENTS)
    times = table.column("time").to_pylist()
    times[3] += 1.0
    pq.write_table(table.set_column(1, "time", [times]), root / EVENTS)


def truncated(root: Path) -> None:
    data = (root / EVENTS).read_bytes()
    (root / EVENTS).write_bytes(data[: len(data) // 2])


def flipped(root: Path) -> None:
    data = bytearray((root / EVENTS).read_bytes())
    data[len(data) // 3] ^= 0xFF
    (root / EVENTS).write_bytes(bytes(data))


def removed(root: Path) -> None:
    (root / "episodes/run_id=0/part-0.parquet").unlink()


def added(root: Path) -> None:
    shutil.copy(root / EVENTS, root / "events/run_id=0/part-1.parquet")


def manifest_edit(change: Callable[[dict], object]) -> Callable[[Path], None]:
    def damage(root: Path) -> None:
        manifest = json.loads((root / "manifest.json").read_text())
        (root / "manifest.json").write_text(json.dumps(change(manifest)))

    return damage


def not_json(root: Path) -> None:
    (root / "manifest.json").write_text('{"format": "simsynth-dataset/1", "status": "compl')


DAMAGE = {
    "tampered": (tampered, f"damaged: {EVENTS} is not the file simsynth wrote"),
    "truncated": (truncated, f"damaged: {EVENTS} is not the file simsynth wrote"),
    "flipped": (flipped, f"damaged: {EVENTS} is not the file simsynth wrote"),
    "removed": (removed, "damaged: episodes/run_id=0/part-0.parquet is missing"),
    "added": (added, "damaged: events/run_id=0/part-1.parquet is not listed"),
    "not json": (not_json, "unreadable manifest"),
    "a list": (manifest_edit(lambda m: [m]), "unreadable manifest (not a JSON object)"),
    "no files": (manifest_edit(lambda m: {k: v for k, v in m.items() if k != "files"}), "files"),
    "bad sha": (
        manifest_edit(lambda m: {**m, "files": {EVENTS: {"sha256": "x", "bytes": 1}}}),
        "damaged manifest.json",
    ),
    "escaping path": (
        manifest_edit(lambda m: {**m, "files": {**m["files"], "../x": m["files"][EVENTS]}}),
        "damaged manifest.json (lists '../x')",
    ),
    "runs not a list": (manifest_edit(lambda m: {**m, "runs": 3}), "damaged manifest.json"),
}


@pytest.fixture(params=list(DAMAGE))
def damaged(request, pristine: Path, tmp_path: Path) -> tuple[Path, str]:
    damage, words = DAMAGE[request.param]
    root = tmp_path / "damaged"
    shutil.copytree(pristine, root)
    damage(root)
    return root, words


def one_line_and_nothing_written(result, words: str, folder: Path, before: set[str]) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert words in result.stderr, result.stderr
    assert {p.name for p in folder.iterdir()} == before, "nothing written, not even a temporary"


def test_every_reader_refuses_a_damaged_dataset_in_one_line(damaged, pristine, cli, tmp_path):
    root, words = damaged
    before = {p.name for p in tmp_path.iterdir()}
    for argv in (
        ["plot", root, "--out", tmp_path / "plots"],
        ["baseline", root, "--out", tmp_path / "baseline"],
        ["evaluate", root, pristine, "--out", tmp_path / "report"],
        ["evaluate", pristine, root, "--out", tmp_path / "report"],
        ["view", root, "--port", "0"],
    ):
        one_line_and_nothing_written(cli(*argv), words, tmp_path, before)
    with pytest.raises(DatasetError, match=r"damaged|unreadable"):
        simsynth.read_events(root)


def test_no_verify_skips_the_checksums_and_broken_parquet_is_still_one_line(
    pristine, cli, tmp_path
):
    root = tmp_path / "tampered"
    shutil.copytree(pristine, root)
    tampered(root)
    assert cli("plot", root, "--no-verify").exit_code == 0
    assert len(simsynth.read_events(root, verify=False)) == len(simsynth.read_events(pristine))
    truncated(root)
    before = {p.name for p in tmp_path.iterdir()}
    for argv in (
        ["plot", root, "--no-verify", "--out", tmp_path / "plots"],
        ["baseline", root, "--no-verify", "--out", tmp_path / "baseline"],
        ["evaluate", root, pristine, "--no-verify", "--out", tmp_path / "report"],
    ):
        one_line_and_nothing_written(
            cli(*argv), "cannot be read, it may be damaged", tmp_path, before
        )


def test_resume_redoes_a_staged_run_whose_files_or_record_are_damaged(
    tmp_path: Path, failing_runs, cli
):
    scenario = {**SMALL_CONTACT_CENTER, "sweep": {"runs": 4}}
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(scenario))
    target = tmp_path / "out"
    failing_runs(3)
    assert cli("sweep", path, "--out", target, "--workers", "1").exit_code == 1
    staging = SweepStaging.for_target(target)
    events = staging.data / "events" / "run_id=1" / "part-0.parquet"
    events.write_bytes(events.read_bytes()[:100])  # no longer parses
    staging.record_path(2).write_text('{"run_id": 2, "fi')  # a record cut short
    failing_runs()
    again = cli("sweep", path, "--out", target, "--workers", "1", "--resume")
    assert again.exit_code == 0, again.output
    assert "1 kept from before" in again.stdout  # run 0; runs 1 and 2 were done again
    reference = run_sweep(load_scenario(path), tmp_path / "reference")
    for name, entry in reference.manifest["files"].items():
        assert json.loads((target / "manifest.json").read_text())["files"][name] == entry
    simsynth.read_events(target)
