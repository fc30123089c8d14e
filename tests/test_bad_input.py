"""Bad scenario files never give a traceback: exit 2, one located line each, no output.

Hypothesis mutates a valid scenario in ways that must each be rejected, then runs the CLI.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from simsynth.cli import app
from tests.conftest import SMALL_CONTACT_CENTER

MAPPINGS = {  # where unknown keys can go, and the keys each place allows
    (): {
        "name",
        "description",
        "model",
        "seed",
        "start",
        "duration",
        "params",
        "incidents",
        "output",
        "sweep",
    },
    ("params",): {
        "agents",
        "arrival_rate",
        "hourly_profile",
        "service_time",
        "service_distribution",
        "service_cv",
        "patience",
    },
    ("incidents", 0): {"kind", "at", "rate", "params"},
    ("incidents", 0, "params"): {"duration", "share"},
}
NUMBERS = [
    ("seed",),
    ("params", "agents"),
    ("params", "service_cv"),
    ("incidents", 0, "params", "share"),
    ("incidents", 1, "params", "multiplier"),
]
DURATIONS = [
    ("duration",),
    ("params", "service_time"),
    ("params", "patience"),
    ("incidents", 0, "at"),
    ("incidents", 0, "params", "duration"),
]
HUGE = [
    (("params", "agents"), 10**30),
    (("seed",), 2**80),
    (("duration",), 1e300),
    (("incidents", 0, "params", "share"), 1e308),
    (("params", "arrival_rate"), "1e30/s"),
]

identifiers = st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True)
not_numbers = st.one_of(
    st.from_regex(r"[a-z]{1,8}", fullmatch=True).filter(lambda s: s not in {"nan", "inf"}),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(identifiers, st.integers(), min_size=1, max_size=2),
)


def dotted(path: tuple) -> str:
    return ".".join(str(p) for p in path)


def put(data: dict, path: tuple, value: object) -> dict:
    mutated = copy.deepcopy(data)
    target = mutated
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return mutated


@st.composite
def bad_scenarios(draw) -> tuple[bytes, str]:
    """(file content, key path the error must name)."""
    valid = SMALL_CONTACT_CENTER
    choice = draw(
        st.sampled_from(
            [
                "unknown_key",
                "wrong_type",
                "negative_duration",
                "unitless_duration",
                "unknown_model",
                "unknown_kind",
                "empty",
                "bytes",
                "python_tag",
                "huge",
                "bad_date",
            ]
        )
    )
    if choice == "unknown_key":
        where = draw(st.sampled_from(sorted(MAPPINGS)))
        key = draw(identifiers.filter(lambda k: k not in MAPPINGS[where]))
        return dump(put(valid, (*where, key), 1)), dotted((*where, key))
    if choice == "wrong_type":
        path = draw(st.sampled_from(NUMBERS))
        return dump(put(valid, path, draw(not_numbers))), dotted(path)
    if choice == "negative_duration":
        path = draw(st.sampled_from(DURATIONS))
        amount = draw(st.floats(min_value=0.001, max_value=1e6))
        value = draw(st.sampled_from([-amount, f"-{amount:g}min"]))
        return dump(put(valid, path, value)), dotted(path)
    if choice == "unitless_duration":
        path = draw(st.sampled_from(DURATIONS))
        amount = draw(st.integers(min_value=1, max_value=10**6))
        unit = draw(st.sampled_from(["", " ", "sec", "weeks", "parsecs", "m"]))
        return dump(put(valid, path, f"{amount}{unit}")), dotted(path)
    if choice == "unknown_model":
        model = draw(identifiers.map(lambda s: f"{s}.{s}"))
        return dump(put(valid, ("model",), model)), "model"
    if choice == "unknown_kind":
        kind = draw(identifiers.filter(lambda k: k not in {"outage", "call_surge"}))
        return dump(put(valid, ("incidents", 0, "kind"), kind)), "incidents.0.kind"
    if choice == "empty":
        return draw(st.sampled_from([b"", b"\n", b"# only a comment\n", b"---\n"])), "(root)"
    if choice == "bytes":
        return draw(st.binary(min_size=1, max_size=64)), ""
    if choice == "python_tag":
        path = draw(st.sampled_from([("name",), ("params", "agents"), ("duration",)]))
        text = dump(put(valid, path, "PLACEHOLDER")).decode()
        tag = "!!python/object/apply:os.system ['echo hacked']"
        return text.replace("PLACEHOLDER", tag).encode(), ""
    if choice == "bad_date":
        month = draw(st.integers(13, 99))
        day = draw(st.integers(32, 99))
        date = draw(st.sampled_from([f"2026-{month}-01", f"2026-01-{day}", "2026-02-30"]))
        return dump(valid).replace(b"name: small", f"start: {date}\nname: small".encode()), ""
    path, value = draw(st.sampled_from(HUGE))
    return dump(put(valid, path, value)), dotted(path)


def dump(data: dict) -> bytes:
    return yaml.safe_dump(data, sort_keys=False).encode()


LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<key>\S+): (?P<message>.+)$")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bad_scenarios())
def test_bad_scenario_is_rejected_cleanly(case):
    content, key = case
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as workdir:
        file = Path(workdir) / "scenario.yaml"
        file.write_bytes(content)
        out = Path(workdir) / "out"
        result = runner.invoke(app, ["run", str(file), "--out", str(out), "--quiet"])
        assert result.exit_code == 2, (result.output, result.exception)
        assert isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert lines, "at least one problem is reported"
        for line in lines:
            match = LINE.match(line)
            assert match, f"not a FILE:LINE: key: message line: {line!r}"
            assert match["file"] == str(file)
        if key:
            assert any(LINE.match(line)["key"] == key for line in lines), (key, lines)
        assert sorted(p.name for p in Path(workdir).iterdir()) == ["scenario.yaml"], (
            "no output directory, not even a temporary one"
        )


def test_real_process_exit_status_and_no_traceback(tmp_path):
    file = tmp_path / "bad.yaml"
    file.write_text(
        "name: x\nmodel: customers.contact_center\nduration: 1h\nparams: {agents: -1}\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "simsynth", "run", str(file), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"{file}:4: params.agents: -1 is not allowed (input should be greater than or equal to 1)"
    ]
    assert not (tmp_path / "out").exists()


def test_validate_reports_every_file(tmp_path, cli):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(yaml.safe_dump(SMALL_CONTACT_CENTER))
    bad.write_text("name: x\n")
    result = cli("validate", good, bad)
    assert result.exit_code == 2
    assert f"{good}: ok" in result.stdout
    assert result.stderr.splitlines() == [
        f"{bad}:1: model: required key is missing",
        f"{bad}:1: duration: required key is missing",
    ]
