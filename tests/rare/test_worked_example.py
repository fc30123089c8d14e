"""The README's worked example, run as written on a smaller set of the same scenario.

The set is built at 10% fraud from a world at about 0.5%; the README's Python block then trains
a classifier. Its results must make sense: both PR-AUCs beat a random ranking (whose PR-AUC is
the positive rate), weighting back to the natural rate lowers PR-AUC, and the natural rate lies
in the weighted rate's confidence interval.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simsynth.rare.build import build_training_set
from simsynth.rare.options import RareOptions
from simsynth.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- worked-example -->"


def readme_block() -> str:
    text = (ROOT / "README.md").read_text()
    after = text[text.index(MARKER) + len(MARKER) :]
    match = re.search(r"```python\n(.*?)```", after, re.DOTALL)
    assert match is not None, "the worked example's Python block follows its marker"
    return match.group(1)


def test_the_worked_example_trains_a_detector_and_weights_recover_the_natural_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    scenario = load_scenario(ROOT / "scenarios" / "card_fraud_training.yaml")
    out = tmp_path / "card-fraud-set"
    build_training_set(scenario, out, RareOptions(positives=20, prevalence=0.1), workers=2)
    code = readme_block()
    assert 'SET = "out/card-fraud-set"' in code
    namespace: dict[str, object] = {}
    exec(code.replace('"out/card-fraud-set"', repr(str(out))), namespace)
    natural = namespace["natural"]
    assert 0.002 < natural < 0.01, "the world is at about 0.5% fraud"
    y, test = namespace["y"], namespace["test"]
    assert y.mean() == pytest.approx(0.1, abs=1e-3)
    assert namespace["pr_auc"] > 2 * y[test].mean()
    assert namespace["pr_auc_natural"] > 5 * natural
    assert namespace["pr_auc_natural"] < namespace["pr_auc"]
    assert namespace["low"] <= natural <= namespace["high"]
    assert namespace["rate"] == pytest.approx(natural, rel=1e-9)
    assert "PR-AUC weighted back to the natural rate" in capsys.readouterr().out
