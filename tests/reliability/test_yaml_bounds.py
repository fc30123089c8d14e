"""A scenario or mapping file is bounded before it is built: a small file cannot expand into
gigabytes through aliases, nest deep enough to exhaust the stack, or hold a number Python will
not convert; each ends as one located line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from simsynth.scenario.source import MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES
from tests.conftest import SMALL_CONTACT_CENTER

HEADER = "name: x\nmodel: customers.contact_center\nduration: 1h\n"


def laughs(levels: int) -> str:
    """A "billion laughs": each of `levels` anchors is 9 aliases of the one before (9**levels)."""
    lines = ['l0: &l0 ["ha","ha","ha","ha","ha","ha","ha","ha","ha"]']
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def one_line(result, file: Path, line: int, words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.splitlines() == [result.stderr.strip()], result.stderr
    assert result.stderr.startswith(f"{file}:{line}: (root): "), result.stderr
    assert words in result.stderr, result.stderr


BOMBS = {
    "aliases": (
        HEADER + laughs(9),
        9,
        f"more than {MAX_VALUES:,} values once its aliases are expanded",
    ),
    "nesting": (
        HEADER + "params: " + "[" * 1000 + "]" * 1000 + "\n",
        4,
        f"deeper than {MAX_DEPTH}",
    ),
    "recursion": (HEADER + "params: &p {agents: *p}\n", 4, "alias *p is inside its own anchor"),
    "digits": (HEADER + "seed: " + "7" * 5000 + "\n", 4, "a number of 5,000 digits is too long"),
}


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_a_small_hostile_scenario_ends_in_one_line(bomb, cli, tmp_path):
    text, line, words = BOMBS[bomb]
    file = tmp_path / "bomb.yaml"
    file.write_text(text)
    assert file.stat().st_size < 6000
    one_line(cli("validate", file), file, line, words)
    one_line(cli("run", file, "--out", tmp_path / "out"), file, line, words)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("bomb", ["aliases", "nesting", "recursion"])
def test_an_import_mapping_is_bounded_alike(bomb, cli, tmp_path):
    text, line, words = BOMBS[bomb]
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(text)
    log = tmp_path / "log.csv"
    pd.DataFrame({"t": [0.0], "who": [1]}).to_csv(log, index=False)
    result = cli("import", log, "--mapping", mapping, "--out", tmp_path / "out")
    one_line(result, mapping, line, words)


def test_a_file_over_the_size_bound_is_not_read(cli, tmp_path):
    file = tmp_path / "huge.yaml"
    file.write_text(HEADER + "description: " + "x" * MAX_FILE_BYTES + "\n")
    one_line(cli("validate", file), file, 1, f"at most {MAX_FILE_BYTES:,} are read")


def test_ordinary_anchors_and_merge_keys_still_work(cli, tmp_path):
    scenario = {key: value for key, value in SMALL_CONTACT_CENTER.items() if key != "incidents"}
    text = yaml.safe_dump(scenario, sort_keys=False) + (
        "incidents:\n"
        "  - &surge {kind: call_surge, at: 20min, params: {duration: 10min, multiplier: 2}}\n"
        "  - {<<: *surge, at: 50min}\n"
        "  - *surge\n"
    )
    file = tmp_path / "anchors.yaml"
    file.write_text(text)
    result = cli("validate", file)
    assert result.exit_code == 0, result.output
    assert "3 incidents" in result.stdout
