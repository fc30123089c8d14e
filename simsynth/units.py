"""Durations and rates with units, as written in scenario files.

A duration is a plain number of seconds or a string with a unit (`90s`, `15min`, `8h`, `60d`);
a rate is a plain number per second or a string `count/unit` (`0.2/d`, `30/h`). Both become
floats in seconds so that models never see units.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

Seconds = float
"""Simulated time in seconds since the scenario start."""

PerSecond = float
"""A rate in events per second."""

SECONDS_PER_UNIT: dict[str, float] = {
    "s": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
}
UNITS_TEXT = ", ".join(SECONDS_PER_UNIT)
MAX_SECONDS = 100 * 365 * 86400.0
"""Longest duration accepted anywhere: a century of simulated time."""

_NUMBER = r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?"
_DURATION_RE = re.compile(rf"^\s*(?P<n>{_NUMBER})\s*(?P<unit>[a-z]+)\s*$")
_RATE_RE = re.compile(rf"^\s*(?P<n>{_NUMBER})\s*/\s*(?P<unit>[a-z]+)\s*$")


def _number(value: Any, what: str, example: str) -> float | None:
    """A YAML number as float; None when `value` is not a number."""
    if isinstance(value, bool):
        raise PydanticCustomError(
            f"{what}_type", f"expected a {what} such as {example}, not a boolean"
        )
    if isinstance(value, int | float):
        return float(value)
    return None


def _check_range(seconds: float, what: str) -> float:
    if not math.isfinite(seconds) or seconds < 0:
        raise PydanticCustomError(f"{what}_range", f"a {what} must be finite and >= 0")
    return seconds


def parse_duration(value: Any) -> Seconds:
    """Parse a duration (`90s`, `15min`, `8h`, `60d` or plain seconds) into seconds."""
    number = _number(value, "duration", "'15min'")
    if number is None:
        if not isinstance(value, str):
            raise PydanticCustomError(
                "duration_type",
                f"expected a duration such as '15min' or a number of seconds (units: {UNITS_TEXT})",
            )
        match = _DURATION_RE.match(value)
        if match is None or match["unit"] not in SECONDS_PER_UNIT:
            raise PydanticCustomError(
                "duration_format",
                f"'{value}' is not a duration (a number with a unit: {UNITS_TEXT}; "
                "e.g. '90s', '15min', '8h', '60d')",
            )
        number = float(match["n"]) * SECONDS_PER_UNIT[match["unit"]]
    seconds = _check_range(number, "duration")
    if seconds > MAX_SECONDS:
        raise PydanticCustomError("duration_range", "a duration must be at most 100 years")
    return seconds


def parse_rate(value: Any) -> PerSecond:
    """Parse a rate (`0.2/d`, `30/h`, `5/min` or plain events per second) into events/s."""
    number = _number(value, "rate", "'30/h'")
    if number is None:
        if not isinstance(value, str):
            raise PydanticCustomError(
                "rate_type", f"expected a rate such as '30/h' (per unit: {UNITS_TEXT})"
            )
        match = _RATE_RE.match(value)
        if match is None or match["unit"] not in SECONDS_PER_UNIT:
            raise PydanticCustomError(
                "rate_format",
                f"'{value}' is not a rate (a count per unit: {UNITS_TEXT}; e.g. '0.2/d', '30/h')",
            )
        number = float(match["n"]) / SECONDS_PER_UNIT[match["unit"]]
    return _check_range(number, "rate")


def format_seconds(seconds: Seconds) -> str:
    """A short human form of a duration: `8h`, `90s`, `1.5d`."""
    for unit in ("d", "h", "min"):
        size = SECONDS_PER_UNIT[unit]
        if seconds >= size:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


_DURATION_SCHEMA = {
    "anyOf": [
        {"type": "number", "minimum": 0, "description": "seconds"},
        {"type": "string", "pattern": rf"^\s*({_NUMBER})\s*(s|min|h|d)\s*$"},
    ],
    "description": f"A duration: seconds, or a number with a unit ({UNITS_TEXT}).",
}
_RATE_SCHEMA = {
    "anyOf": [
        {"type": "number", "minimum": 0, "description": "events per second"},
        {"type": "string", "pattern": rf"^\s*({_NUMBER})\s*/\s*(s|min|h|d)\s*$"},
    ],
    "description": f"A rate: events per second, or 'count/unit' ({UNITS_TEXT}).",
}

Duration = Annotated[float, BeforeValidator(parse_duration), WithJsonSchema(_DURATION_SCHEMA)]
"""Pydantic field type: a duration in a scenario file, validated into seconds."""

Rate = Annotated[float, BeforeValidator(parse_rate), WithJsonSchema(_RATE_SCHEMA)]
"""Pydantic field type: a rate in a scenario file, validated into events per second."""
