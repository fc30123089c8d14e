"""The report files: contents, JSON without NaN, atomic writing and --overwrite."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from simsynth.errors import OutputExistsError
from simsynth.evaluate.report import write_report
from simsynth.evaluate.section import Section

INPUTS = {
    "reference": {"path": "ref", "rows": 10, "runs": 1, "entities": 2, "event_types": ["a"]},
    "candidate": {"path": "cand", "rows": 12, "runs": 1, "entities": 3, "event_types": ["a"]},
}


def _figure():
    figure, axis = plt.subplots()
    axis.plot([0, 1], [0, 1])
    return figure


def sections() -> list[Section]:
    return [
        Section(
            name="fidelity",
            title="Fidelity <check>",
            summary={"column_shapes": 0.875, "missing": math.nan, "nested": {"f1": 0.5}},
            details={"columns": {"x": {"ks_complement": 0.875}}},
            tables=[("Per column", pd.DataFrame({"column": ["x|y"], "score": [0.875]}))],
            figures=[("columns", _figure)],
            notes=["How to read it."],
            warnings=["Something is off."],
        ),
        Section(name="temporal", title="Temporal", summary={"acf_similarity": 0.25}),
    ]


def test_writes_the_three_files_and_the_figures(tmp_path: Path) -> None:
    out = tmp_path / "report"
    document = write_report(sections(), out, settings={"seed": 0}, **INPUTS)
    names = ["figures", "manifest.json", "report.html", "report.md", "scores.json"]
    assert sorted(p.name for p in out.iterdir()) == names
    assert (out / "figures" / "fidelity-columns.png").stat().st_size > 0
    listed = json.loads((out / "manifest.json").read_text())["files"]
    assert sorted(listed) == [
        "figures/fidelity-columns.png",
        "report.html",
        "report.md",
        "scores.json",
    ]
    text = (out / "scores.json").read_text()
    assert "NaN" not in text
    scores = json.loads(text)
    assert scores == document
    assert scores["sections"]["fidelity"]["summary"]["missing"] is None
    assert scores["sections"]["temporal"]["summary"]["acf_similarity"] == 0.25
    assert scores["inputs"]["candidate"]["rows"] == 12
    assert scores["versions"]["numpy"]
    markdown = (out / "report.md").read_text()
    for expected in (
        "## Headline scores",
        "| fidelity | nested.f1 | 0.5 |",
        "Something is off.",
        "How to read it.",
        "x\\|y",
        "](figures/fidelity-columns.png)",
    ):
        assert expected in markdown
    html = (out / "report.html").read_text()
    assert "<script" not in html and "http" not in html
    assert "Fidelity &lt;check&gt;" in html
    assert 'src="figures/fidelity-columns.png"' in html


def test_never_replaces_without_overwrite_and_leaves_nothing_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "report"
    write_report(sections(), out, **INPUTS)
    with pytest.raises(OutputExistsError):
        write_report(sections(), out, **INPUTS)

    def broken():
        raise RuntimeError("figure failed")

    failing = [Section(name="x", title="x", figures=[("bad", broken)])]
    with pytest.raises(RuntimeError):
        write_report(failing, out, overwrite=True, **INPUTS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no temporary left
    assert (out / "figures" / "fidelity-columns.png").exists()  # the old report is intact
    write_report(sections()[1:], out, overwrite=True, **INPUTS)
    assert not (out / "figures" / "fidelity-columns.png").exists()


def test_html_from_the_data_is_escaped_in_the_markdown_too(tmp_path: Path) -> None:
    """A column name or value holding HTML must not reach a Markdown renderer as markup."""
    payload = "<script>alert(1)</script>"
    hostile = Section(
        name="fidelity",
        title=f"Columns {payload}",
        summary={"score": 0.5},
        tables=[("Per column", pd.DataFrame({payload: [f"a {payload} & b"]}))],
        notes=[f"column {payload} was left out"],
        warnings=[f"{payload} looks odd"],
    )
    write_report([hostile], tmp_path / "report", **INPUTS)
    for name in ("report.md", "report.html"):
        text = (tmp_path / "report" / name).read_text()
        assert "<script" not in text, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, name
    assert "a &lt;script&gt;alert(1)&lt;/script&gt; &amp; b" in (
        (tmp_path / "report" / "report.md").read_text()
    )
