"""Durations and rates with units."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from simsynth.units import format_seconds, parse_duration, parse_rate


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
