"""`simsynth evaluate` and the `evaluate` API on small contact-centre runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simsynth.evaluate import evaluate, evaluation
from simsynth.evaluate.inputs import EvaluationError
from tests.conftest import SMALL_CONTACT_CENTER, run_model

from .constructed import events

SCENARIO = {k: v for k, v in SMALL_CONTACT_CENTER.items() if k not in ("name", "model")}


@pytest.fixture(scope="module")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("evaluate")
    reference = run_model(root, "customers.contact_center", SCENARIO, "reference")
    candidate = run_model(root, "customers.contact_center", {**SCENARIO, "seed": 6}, "candidate")
    return reference, candidate


def test_writes_the_report_and_prints_headline_scores(cli, datasets, tmp_path: Path) -> None:
    reference, candidate = datasets
    out = tmp_path / "report"
    result = cli("evaluate", reference, candidate, "--out", out, "--target", "outage")
    assert result.exit_code == 0, result.output
    assert {"report.md", "report.html", "scores.json"} <= {p.name for p in out.iterdir()}
    assert "column_shapes" in result.stdout and "report.html" in result.stdout
    scores = json.loads((out / "scores.json").read_text())
    assert {"fidelity", "temporal", "detectability", "privacy"} <= set(scores["sections"])
    assert scores["settings"] == {"target": "outage", "seed": 0, "max_rows": 200_000}
    temporal = scores["sections"]["temporal"]["summary"]
    assert 0 < temporal["transition_similarity"] <= 1  # four event types: arrival, answer, ...
    for png in (out / "figures").iterdir():
        assert f"figures/{png.name}" in (out / "report.md").read_text()


def test_quiet_and_overwrite(cli, datasets, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(evaluation, "ORDER", ("fidelity",))  # the flags, not the metrics
    reference, candidate = datasets
    out = tmp_path / "report"
    assert cli("evaluate", reference, candidate, "--out", out, "--quiet").exit_code == 0
    (out / "report.md").write_text("an older report")
    quiet = cli("evaluate", reference, candidate, "--out", out, "--overwrite", "--quiet")
    assert quiet.exit_code == 0 and quiet.stdout == ""
    names = ["figures", "manifest.json", "report.html", "report.md", "scores.json"]
    assert sorted(p.name for p in out.iterdir()) == names
    assert (out / "report.md").read_text() != "an older report"


def test_a_dataset_against_itself_scores_perfectly(datasets) -> None:
    reference, _ = datasets
    scores = evaluate(reference, reference)["sections"]
    fidelity, temporal = scores["fidelity"]["summary"], scores["temporal"]["summary"]
    assert fidelity["column_shapes"] == pytest.approx(1.0)
    assert fidelity["exact_copy_rate"] == 1.0
    assert fidelity["wasserstein_mean"] == 0.0
    assert temporal["temporal_score"] == pytest.approx(1.0)
    assert scores["detectability"]["summary"]["auc"] == pytest.approx(0.5, abs=0.08)


@pytest.mark.parametrize("case", ["not a dataset", "missing", "bad target", "taken out"])
def test_bad_input_exits_2(cli, datasets, tmp_path: Path, case: str) -> None:
    reference, candidate = datasets
    out = tmp_path / "report"
    args = [reference, candidate, "--out", out]
    if case == "not a dataset":
        (tmp_path / "empty").mkdir()
        args[1] = tmp_path / "empty"
    elif case == "missing":
        args[0] = tmp_path / "nowhere"
    elif case == "bad target":
        args += ["--target", "no_such_kind"]
    else:
        out.mkdir()
    result = cli("evaluate", *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert case == "taken out" or not out.exists()


def test_frames_without_a_shared_attribute_are_refused() -> None:
    reference = events([0.0, 1.0], colour=["red", "blue"])
    candidate = events([0.0, 1.0], size=[1.0, 2.0]).assign(event_type=[3, 4])  # coded types
    with pytest.raises(EvaluationError, match="share no attribute"):
        evaluate(reference, candidate)
    with pytest.raises(EvaluationError, match="lack the column"):
        evaluate(reference.drop(columns="time"), candidate)
