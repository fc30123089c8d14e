"""Durations and rates with units, as written in scenario files.

A duration is a plain number of seconds or a string with a unit (`90s`, `15min`, `8h`, `60d`);
a rate is a plain number per second or a string `count/unit` (`0.2/d`, `30/h`). Both become
floats in seconds so that models never see units.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from simsynth.errors import shown

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


@dataclass(frozen=True)
class _Form:
    """How a quantity with a unit is written, for parsing and for error messages."""

    name: str
    pattern: re.Pattern[str]
    shape: str
    examples: str


_DURATION = _Form("duration", _DURATION_RE, "a number with a unit", "'90s', '15min', '8h', '60d'")
_RATE = _Form("rate", _RATE_RE, "a count per unit", "'0.2/d', '30/h'")


def _number_and_unit(value: Any, form: _Form) -> tuple[float, str | None]:
    """The number written in `value` and its unit (None for a plain YAML number)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), None
    match = form.pattern.match(value) if isinstance(value, str) else None
    if match is None or match["unit"] not in SECONDS_PER_UNIT:
        written = shown(value) if isinstance(value, str) else type(value).__name__
        raise PydanticCustomError(
            f"{form.name}_format",
            f"{written} is not a {form.name} ({form.shape}: {UNITS_TEXT}; e.g. {form.examples})",
        )
    return float(match["n"]), match["unit"]


def _check_range(amount: float, form: _Form) -> float:
    if not math.isfinite(amount) or amount < 0:
        raise PydanticCustomError(f"{form.name}_range", f"a {form.name} must be finite and >= 0")
    return amount


def parse_duration(value: Any) -> Seconds:
    """Parse a duration (`90s`, `15min`, `8h`, `60d` or plain seconds) into seconds."""
    number, unit = _number_and_unit(value, _DURATION)
    seconds = _check_range(number * SECONDS_PER_UNIT[unit] if unit else number, _DURATION)
    if seconds > MAX_SECONDS:
        raise PydanticCustomError("duration_range", "a duration must be at most 100 years")
    return seconds


def parse_rate(value: Any) -> PerSecond:
    """Parse a rate (`0.2/d`, `30/h`, `5/min` or plain events per second) into events/s."""
    number, unit = _number_and_unit(value, _RATE)
    return _check_range(number / SECONDS_PER_UNIT[unit] if unit else number, _RATE)


def format_seconds(seconds: Seconds) -> str:
    """A short human form of a duration: `8h`, `90s`, `1.5d`."""
    for unit in ("d", "h", "min"):
        size = SECONDS_PER_UNIT[unit]
        if seconds >= size:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


DURATION_SCHEMA = {
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

Duration = Annotated[float, BeforeValidator(parse_duration), WithJsonSchema(DURATION_SCHEMA)]
"""Pydantic field type: a duration in a scenario file, validated into seconds."""

Rate = Annotated[float, BeforeValidator(parse_rate), WithJsonSchema(_RATE_SCHEMA)]
"""Pydantic field type: a rate in a scenario file, validated into events per second."""


def time_axis(duration: Seconds) -> tuple[float, str]:
    """The scale (seconds per unit) and unit name that suit a time axis of `duration`."""
    if duration <= 3 * 3600:
        return 60.0, "min"
    if duration <= 4 * 86400:
        return 3600.0, "h"
    return 86400.0, "d"
