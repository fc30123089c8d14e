"""`--overwrite` replaces only what simsynth wrote: never a user's folder or file, the working
directory, a folder around it, or an input of the command, in any command that writes."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

import simsynth
from simsynth.evaluate import evaluation
from tests.conftest import SMALL_CONTACT_CENTER

MAPPING = {
    "time": {"column": "t", "format": "seconds"},
    "event_type": {"value": "payment"},
    "entity_id": {"column": "who"},
}


@pytest.fixture
def inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A scenario, a dataset, a log and its mapping in a working directory of their own."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    scenario = work / "scenario.yaml"
    scenario.write_text(yaml.safe_dump({**SMALL_CONTACT_CENTER, "duration": "1h"}))
    dataset = work / "dataset"
    simsynth.run(scenario, out=dataset)
    log = work / "log.csv"
    pd.DataFrame({"t": [0.0, 1.0, 2.0], "who": [1, 2, 1]}).to_csv(log, index=False)
    mapping = work / "mapping.yaml"
    mapping.write_text(yaml.safe_dump(MAPPING))
    return {"scenario": scenario, "dataset": dataset, "log": log, "mapping": mapping}


def writers(inputs: dict[str, Path]) -> dict[str, list[object]]:
    """Every command that writes a directory, with what it needs before `--out`."""
    scenario, dataset = inputs["scenario"], inputs["dataset"]
    return {
        "run": ["run", scenario],
        "sweep": ["sweep", scenario],
        "rare": ["rare", scenario, "--runs", "3"],
        "baseline": ["baseline", dataset],
        "import": ["import", inputs["log"], "--mapping", inputs["mapping"]],
        "evaluate": ["evaluate", dataset, dataset],
    }


COMMANDS = ["run", "sweep", "rare", "baseline", "import", "evaluate"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def refused(result, target: object, reason: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{target}: ") and reason in lines[0], lines


@pytest.mark.parametrize("command", COMMANDS)
def test_a_users_folder_a_file_and_the_working_directory_are_never_replaced(
    command, inputs, cli, tmp_path
):
    work = Path.cwd()
    folder = work / "photos"
    (folder / "2026").mkdir(parents=True)
    (folder / "2026" / "beach.jpg").write_bytes(b"\xff\xd8 a photo")
    (folder / "notes.txt").write_text("keep me")
    plain = work / "thesis.tex"
    plain.write_text("\\documentclass{article}")
    sibling = tmp_path / "sibling"
    sibling.mkdir()
    (sibling / "data.csv").write_text("a,b\n1,2\n")
    before = snapshot(tmp_path)
    argv = writers(inputs)[command]
    for target, reason in [
        (folder, "simsynth did not write"),
        (plain, "is a file"),
        (Path("."), "is the current directory"),
        (work, "is the current directory"),
        (Path(".."), "a folder holding the current one"),
        (Path("../sibling"), "simsynth did not write"),
    ]:
        refused(cli(*argv, "--out", target, "--overwrite"), target, reason)
    assert snapshot(tmp_path) == before, "nothing was deleted, changed or added"
    assert not [p for p in work.iterdir() if p.name.startswith(".")], "no temporaries left"


@pytest.mark.parametrize("command", COMMANDS)
def test_a_dataset_with_a_file_of_the_users_inside_is_not_replaced(command, inputs, cli):
    target = Path("earlier")
    simsynth.run(inputs["scenario"], out=target)
    (target / "analysis.ipynb").write_text("{}")
    before = snapshot(target)
    result = cli(*writers(inputs)[command], "--out", target, "--overwrite")
    refused(result, target, "holds 1 file(s) its manifest does not list (analysis.ipynb)")
    assert snapshot(target) == before


def test_a_symbolic_link_is_not_replaced(inputs, cli, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    simsynth.run(inputs["scenario"], out=elsewhere)
    os.symlink(elsewhere, "link")
    refused(cli("run", inputs["scenario"], "--out", "link", "--overwrite"), "link", "link")
    assert (elsewhere / "manifest.json").is_file()


@pytest.mark.parametrize(("command", "given"), [("baseline", "dataset"), ("evaluate", "dataset")])
def test_an_input_of_the_command_is_never_its_output(command, given, inputs, cli):
    before = snapshot(inputs[given])
    result = cli(*writers(inputs)[command], "--out", inputs[given], "--overwrite")
    refused(result, inputs[given], "an input of this command")
    assert snapshot(inputs[given]) == before


def test_a_downloaded_scenario_cannot_reach_a_sibling_folder(inputs, cli, tmp_path):
    (tmp_path / "sibling").mkdir()
    (tmp_path / "sibling" / "thesis.tex").write_text("years of work")
    scenario = yaml.safe_load(inputs["scenario"].read_text())
    for where in ("../sibling", str(tmp_path / "sibling")):
        file = Path("downloaded.yaml")
        file.write_text(yaml.safe_dump({**scenario, "output": {"dir": where}}))
        refused(cli("run", file, "--overwrite", "--quiet"), where, "simsynth did not write")
    assert (tmp_path / "sibling" / "thesis.tex").read_text() == "years of work"


def test_what_simsynth_wrote_is_replaced(inputs, cli, monkeypatch):
    """A dataset (with the figures `simsynth plot` added), a report and an empty folder."""
    monkeypatch.setattr(evaluation, "ORDER", ("fidelity",))  # the writing, not the metrics
    scenario, dataset = inputs["scenario"], inputs["dataset"]
    assert cli("plot", dataset).exit_code == 0
    assert list((dataset / "plots").glob("*.png"))
    assert cli("run", scenario, "--out", dataset, "--overwrite", "--seed", "9", "-q").exit_code == 0
    assert simsynth.read_manifest(dataset)["seed"] == 9
    assert not (dataset / "plots").exists()
    report = Path("report")
    for _ in range(2):
        result = cli("evaluate", dataset, dataset, "--out", report, "--overwrite", "-q")
        assert result.exit_code == 0, result.output
    assert (report / "manifest.json").is_file()
    Path("empty").mkdir()
    assert cli("run", scenario, "--out", "empty", "--overwrite", "-q").exit_code == 0
    assert simsynth.read_manifest("empty")["seed"] == SMALL_CONTACT_CENTER["seed"]


def test_without_overwrite_an_existing_target_is_named_before_any_work(inputs, cli):
    Path("taken").mkdir()
    for command in COMMANDS:
        result = cli(*writers(inputs)[command], "--out", "taken")
        refused(result, "taken", "already exists (pass --overwrite")
