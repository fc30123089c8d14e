"""Every problem in a scenario file is one line `FILE:LINE: key.path: message (allowed)`."""

from __future__ import annotations

import textwrap

import pytest

from simsynth.errors import ScenarioError
from simsynth.scenario import load_scenario

VALID = """\
name: ok
model: customers.contact_center
seed: 1
duration: 2h
params:
  agents: 3
  arrival_rate: 30/h
incidents:
  - kind: outage
    at: 1h
    params:
      duration: 10min
      share: 0.5
"""


def problems(tmp_path, text: str) -> list[str]:
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent(text))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return [line.removeprefix(f"{path}:") for line in caught.value.lines()]


def with_line(line_number: int, replacement: str) -> str:
    lines = VALID.splitlines()
    lines[line_number - 1] = replacement
    return "\n".join(lines) + "\n"


def test_valid_file_loads(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(VALID)
    scenario = load_scenario(path)
    assert scenario.duration == 7200.0
    assert scenario.params.arrival_rate == pytest.approx(30 / 3600)
    assert scenario.incidents[0].params.duration == 600.0


@pytest.mark.parametrize(
    ("line", "replacement", "expected"),
    [
        (6, "  agnets: 3", "6: params.agnets: unknown key 'agnets' (allowed: agents,"),
        (6, "  agents: three", "6: params.agents: 'three' is not allowed (input should be a valid"),
        (6, "  agents: 0", "6: params.agents: 0 is not allowed (input should be greater than or"),
        (6, "  agents: 100000000000000000000000", "6: params.agents: 100000000000000000000000 is"),
        (4, "duration: -5min", "4: duration: '-5min' is not a duration (a number with a unit"),
        (4, "duration: '90'", "4: duration: '90' is not a duration (a number with a unit: s, min"),
        (4, "duration: 3 weeks", "4: duration: '3 weeks' is not a duration"),
        (4, "duration: 0", "4: duration: a run needs a duration > 0"),
        (7, "  arrival_rate: 30/week", "7: params.arrival_rate: '30/week' is not a rate"),
        (9, "  - kind: meteor", "9: incidents.0.kind: unknown incident kind 'meteor' (allowed:"),
        (9, "  - kind: outag", "did you mean 'outage'?"),
        (10, "    at: 3h", "10: incidents.0.at: starts at 3h, not before the run ends (duration"),
        (10, "    at: 7300s", "10: incidents.0.at: starts at 7300s, not before the run ends (dura"),
        (10, "    at: 150min", "10: incidents.0.at: starts at 2.5h, not before the run ends (dura"),
        (10, "    at: {uniform: [1h, 125min]}", "10: incidents.0.at: can start at 125min, not"),
        (10, "    rate: 2/h", "12: incidents.0.params.duration"),
        (13, "      share: 1.5", "13: incidents.0.params.share: 1.5 is not allowed (input should"),
        (
            2,
            "model: customers.contact_centre",
            "2: model: unknown model 'customers.contact_centre'",
        ),
        (1, "nmae: ok", "1: nmae: unknown key 'nmae' (allowed: name, description, model"),
        (3, "seed: -1", "3: seed: -1 is not allowed (input should be greater than or equal to 0)"),
    ],
)
def test_one_problem_is_one_located_line(tmp_path, line, replacement, expected):
    if replacement.endswith("rate: 2/h"):
        text = with_line(line, replacement).replace("      duration: 10min", "      duration: 0")
    else:
        text = with_line(line, replacement)
    found = problems(tmp_path, text)
    assert any(expected in problem for problem in found), found


def test_times_in_messages_are_written_as_in_files_never_in_bare_seconds(tmp_path):
    late = VALID.replace("duration: 2h", "duration: 1d").replace("at: 1h", "at: 2d")
    assert problems(tmp_path, late) == [
        "10: incidents.0.at: starts at 2d, not before the run ends (duration 1d)"
    ]
    odd = VALID.replace("duration: 2h", "duration: 1450min").replace("at: 1h", "at: 100000s")
    assert problems(tmp_path, odd) == [
        "10: incidents.0.at: starts at 100000s, not before the run ends (duration 1450min)"
    ]


@pytest.mark.parametrize(
    ("model", "params", "expected"),
    [
        (
            "traffic.intersection",
            "cycle: 20min",
            "params.cycle: '20min' is not allowed (at most 10min)",
        ),
        ("traffic.intersection", "cycle: 5s", "params.cycle: '5s' is not allowed (at least 10s)"),
        ("markets.traders", "step: 90s", "params.step: '90s' is not allowed (at most 1min)"),
        (
            "markets.traders",
            "fundamental: {news_rate: 2/s}",
            "params.fundamental.news_rate: '2/s' is not allowed (at most 1/s)",
        ),
        (
            "traffic.intersection",
            "cycle: 20s, lost_time: 12s",
            "params: cycle (20s) must be longer than the lost time of its 2 phases (24s)",
        ),
    ],
)
def test_bounds_of_durations_and_rates_are_in_units(tmp_path, model, params, expected):
    found = problems(tmp_path, f"name: b\nmodel: {model}\nduration: 1h\nparams: {{{params}}}\n")
    assert found == [f"4: {expected}"]


def test_all_problems_of_a_file_are_reported(tmp_path):
    text = VALID.replace("agents: 3", "agents: -3").replace("share: 0.5", "share: 2")
    text = text.replace("seed: 1", "seed: x")
    found = problems(tmp_path, text)
    assert [p.split(":")[0] for p in found] == ["3", "6", "13"]


def test_unknown_model_still_reports_envelope_problems(tmp_path):
    text = VALID.replace("customers.contact_center", "nope.model").replace("2h", "2 fortnights")
    found = problems(tmp_path, text)
    assert any(p.startswith("2: model: unknown model 'nope.model'") for p in found)
    assert any(p.startswith("4: duration:") for p in found)


def test_missing_required_key_names_it(tmp_path):
    found = problems(tmp_path, VALID.replace("duration: 2h\n", ""))
    assert found == ["1: duration: required key is missing"]


def test_at_and_rate_are_exclusive(tmp_path):
    found = problems(tmp_path, VALID.replace("    at: 1h\n", "    at: 1h\n    rate: 1/h\n"))
    assert found == [
        "9: incidents.0: give exactly one of `at` (a start time) or `rate` (episodes per time)"
    ]


def test_duplicate_key_is_an_error(tmp_path):
    found = problems(tmp_path, VALID + "seed: 2\n")
    assert found == ["14: seed: duplicate key (each key may appear once)"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "1: (root): the file is empty"),
        (b"\xff\xfe\x00binary", "1: (root): not a UTF-8 text file"),
        (b"- just\n- a list\n", "1: (root): expected a YAML mapping of keys, found list"),
        (b"name: [unclosed\n", "not valid YAML"),
        (b"name: !!python/object/apply:os.system ['echo pwned']\n", "1: (root): not valid YAML"),
        (b"a: 1\n---\nb: 2\n", "not valid YAML"),
        (b"name: x\nmodel: \x07\n", "2: (root): not valid YAML: character #x0007"),
        (
            b"name: x\n\nstart: 2026-13-01\n",
            "3: (root): not valid YAML: '2026-13-01' is not a valid",
        ),
    ],
)
def test_unreadable_files(tmp_path, content, expected):
    path = tmp_path / "s.yaml"
    path.write_bytes(content)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (line,) = caught.value.lines()
    assert line.startswith(f"{path}:") and expected in line, line


def test_python_tags_are_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "s.yaml"
    path.write_text(f"name: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(ScenarioError):
        load_scenario(path)
    assert not marker.exists()
