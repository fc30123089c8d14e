"""Durations and rates with units."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from simsynth.units import duration_text, format_seconds, parse_duration, parse_rate, rate_text


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15min", 900),
        ("8h", 28800),
        ("60d", 5_184_000),
        (42, 42),
        (0.5, 0.5),
        ("1.5h", 5400),
        (" 2 min ", 120),
        ("1e3s", 1000),
    ],
)
def test_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "per_second"),
    [("0.2/d", 0.2 / 86400), ("30/h", 30 / 3600), ("5/min", 5 / 60), ("2/s", 2), (3, 3)],
)
def test_rates(text, per_second):
    assert parse_rate(text) == pytest.approx(per_second)


@pytest.mark.parametrize(
    "bad",
    ["90", "15 minutes", "-5min", "h", "", True, None, [1], "1e999d", -1, float("nan"), "101000d"],
)
def test_bad_durations(bad):
    with pytest.raises(PydanticCustomError):
        parse_duration(bad)


@pytest.mark.parametrize("bad", ["30", "30/week", "/h", "-1/h", False, {"a": 1}])
def test_bad_rates(bad):
    with pytest.raises(PydanticCustomError):
        parse_rate(bad)


@given(st.floats(min_value=0, max_value=1e5, allow_nan=False), st.sampled_from(["s", "min", "h"]))
def test_format_and_parse_round_trip(amount, unit):
    seconds = parse_duration(f"{amount!r}{unit}")
    assert parse_duration(format_seconds(seconds)) == pytest.approx(seconds, rel=1e-5, abs=1e-9)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (172800, "2d"),
        (108000, "1.25d"),
        (90000, "25h"),
        (87000, "1450min"),
        (100000, "100000s"),
        (259200.1, "259200.1s"),
        (0.5, "0.5s"),
        (0, "0s"),
        (1e7, "10000000s"),
    ],
)
def test_duration_text_is_exact_in_the_largest_unit_with_a_short_number(seconds, text):
    assert duration_text(seconds) == text


@pytest.mark.parametrize(
    ("per_second", "text"),
    [(100, "100/s"), (1e6, "1000000/s"), (0.1, "6/min"), (2 / 3600, "2/h"), (0.2 / 86400, "0.2/d")],
)
def test_rate_text_is_exact_per_the_smallest_unit_with_a_count_of_one_or_more(per_second, text):
    assert rate_text(per_second) == text


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_duration_and_rate_texts_read_back_as_the_same_value(amount):
    assert parse_duration(duration_text(amount)) == pytest.approx(amount, rel=1e-11, abs=1e-12)
    assert parse_rate(rate_text(amount)) == pytest.approx(amount, rel=1e-11, abs=1e-12)


def test_a_file_needs_units_for_every_number_but_zero(write_scenario):
    """`arrival_rate: 200` could mean per second or per hour: in a file it is an error naming
    the ways to write it; 0 is the same in every unit."""
    from simsynth.errors import ScenarioError
    from simsynth.scenario import load_scenario
    from tests.conftest import SMALL_CONTACT_CENTER

    bare = {
        **SMALL_CONTACT_CENTER,
        "duration": 7200,
        "params": {"arrival_rate": 200},
        "incidents": [
            {"kind": "outage", "at": {"uniform": [600, "20min"]}},
            {"kind": "outage", "at": 0},
        ],
        "sweep": {"grid": {"params.service_time": ["1min", 90]}},
    }
    with pytest.raises(ScenarioError) as raised:
        load_scenario(write_scenario(bare))
    lines = str(raised.value).splitlines()
    assert any(": duration: 7200 has no unit" in line and "'7200s'" in line for line in lines)
    assert any(
        "params.arrival_rate: 200 has no unit" in line and "'200/h'" in line for line in lines
    )
    assert any("incidents.0.at: 600 has no unit" in line for line in lines)
    assert len(lines) == 3, "0 needs no unit"

    with_units = {**bare, "duration": "2h", "params": {"arrival_rate": "200/h"}}
    with_units["incidents"] = [{"kind": "outage", "at": {"uniform": ["10min", "20min"]}}]
    with pytest.raises(ScenarioError) as raised:
        load_scenario(write_scenario(with_units))
    (grid_line,) = str(raised.value).splitlines()
    assert "sweep.grid.params.service_time: 90 has no unit" in grid_line

    with_units["sweep"] = {"grid": {"params.service_time": ["1min", "90s"]}}
    scenario = load_scenario(write_scenario(with_units))
    assert scenario.params.arrival_rate == pytest.approx(200 / 3600)


def test_values_simsynth_wrote_are_read_back_in_seconds():
    """A manifest records the scenario with plain seconds; reading it back (as sweeps, figures
    and rare sets do) gives the same scenario."""
    from simsynth import registry
    from simsynth.scenario.schema import scenario_class
    from tests.conftest import SMALL_CONTACT_CENTER

    schema = scenario_class(registry.load(SMALL_CONTACT_CENTER["model"]))
    scenario = schema.model_validate(SMALL_CONTACT_CENTER)
    assert schema.model_validate(scenario.model_dump(mode="json")) == scenario
