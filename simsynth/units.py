"""Durations and rates with units, as written in scenario files.

A duration is a number with a unit (`90s`, `15min`, `8h`, `60d`); a rate is a count per unit
(`0.2/d`, `30/h`). Both become floats in seconds so that models never see units. In a file a
bare number other than 0 is an error (`arrival_rate: 200` could mean per second or per hour);
values that simsynth itself wrote (a manifest's scenario, a drawn incident param) are plain
seconds, read as such.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo, WithJsonSchema
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


UNITS_REQUIRED = "units_required"
"""Validation context key: set (true) when the values come from a user's file, where a bare
number is ambiguous; see `units_context`."""


UNIT_ERRORS = ("duration_unit", "rate_unit")
"""Error types of a bare number where a file needs a duration's or a rate's unit."""


def units_context(**context: Any) -> dict[str, Any]:
    """A pydantic validation context for values a user wrote: bare numbers need units."""
    return {UNITS_REQUIRED: True, **context}


def units_required(info: ValidationInfo | None) -> bool:
    """Whether the values being validated come from a user's file (see `units_context`)."""
    context = info.context if info is not None else None
    return isinstance(context, dict) and bool(context.get(UNITS_REQUIRED))


@dataclass(frozen=True)
class _Form:
    """How a quantity with a unit is written, for parsing and for error messages."""

    name: str
    pattern: re.Pattern[str]
    shape: str
    examples: str
    written: str
    """How `n` with unit `u` is written: `{n}{u}` or `{n}/{u}`."""

    def bare_examples(self, number: float) -> str:
        """The ways to write `number` with a unit, for an error about a bare number."""
        return ", ".join(repr(self.written.format(n=f"{number:g}", u=u)) for u in ("s", "min", "h"))


_DURATION = _Form(
    "duration", _DURATION_RE, "a number with a unit", "'90s', '15min', '8h', '60d'", "{n}{u}"
)
_RATE = _Form("rate", _RATE_RE, "a count per unit", "'0.2/d', '30/h'", "{n}/{u}")


def _number_and_unit(value: Any, form: _Form, strict: bool) -> tuple[float, str | None]:
    """The number written in `value` and its unit (None for a plain number, which `strict`
    allows only for 0)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if strict and value != 0:
            raise PydanticCustomError(
                f"{form.name}_unit",
                f"{shown(value)} has no unit ({form.shape}: {UNITS_TEXT}; "
                f"e.g. {form.bare_examples(value)})",
            )
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


def parse_duration(value: Any, info: ValidationInfo | None = None) -> Seconds:
    """Parse a duration (`90s`, `15min`, `8h`, `60d`; plain seconds unless `info` says the
    value comes from a user's file) into seconds."""
    number, unit = _number_and_unit(value, _DURATION, units_required(info))
    seconds = _check_range(number * SECONDS_PER_UNIT[unit] if unit else number, _DURATION)
    if seconds > MAX_SECONDS:
        raise PydanticCustomError("duration_range", "a duration must be at most 100 years")
    return seconds


def parse_rate(value: Any, info: ValidationInfo | None = None) -> PerSecond:
    """Parse a rate (`0.2/d`, `30/h`, `5/min`; plain events per second unless `info` says the
    value comes from a user's file) into events per second."""
    number, unit = _number_and_unit(value, _RATE, units_required(info))
    return _check_range(number / SECONDS_PER_UNIT[unit] if unit else number, _RATE)


def format_seconds(seconds: Seconds) -> str:
    """A short human form of a duration: `8h`, `90s`, `1.5d`."""
    for unit in ("d", "h", "min"):
        size = SECONDS_PER_UNIT[unit]
        if seconds >= size:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def _exact(amount: float, size: float) -> str | None:
    """`amount / size` as a short number (at most 6 significant digits) if that number gives
    `amount` back, else None; whole numbers written in full (`1000000`, not `1e+06`)."""
    count = amount / size
    short = float(f"{count:g}")
    if count < 1 or not math.isclose(short * size, amount, rel_tol=1e-12):
        return None
    return str(int(short)) if short.is_integer() else f"{short:g}"


def duration_text(seconds: Seconds) -> str:
    """A duration exactly as a scenario file can write it, in the largest unit that keeps
    the number short (`1450min`, `1.25d`, `100000s`): for messages about what a user wrote."""
    for unit in ("d", "h", "min"):
        if (count := _exact(seconds, SECONDS_PER_UNIT[unit])) is not None:
            return f"{count}{unit}"
    return f"{seconds:.12g}s"


def rate_text(per_second: PerSecond) -> str:
    """A rate exactly as a scenario file can write it, per the smallest unit that gives a
    count of at least 1 (`100/s`, `6/min`, `0.5/d`)."""
    for unit in ("s", "min", "h", "d"):
        if (count := _exact(per_second, 1.0 / SECONDS_PER_UNIT[unit])) is not None:
            return f"{count}/{unit}"
    return f"{per_second * SECONDS_PER_UNIT['d']:.12g}/d"


_BOUNDS = {
    "less_than_equal": ("le", "at most"),
    "less_than": ("lt", "below"),
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "above"),
}
"""pydantic's bound error types: the key of their limit in the error's context, in words."""


def bound_text(error_type: str, context: Mapping[str, Any], written: Any) -> str | None:
    """`at most 10min`: the limit of a pydantic bound error on a duration or rate field in
    the units of a file (the limit is in seconds or per second); None if the error is no
    bound or `written`, the value as the file has it, is no duration or rate."""
    bound = _BOUNDS.get(error_type)
    if bound is None or not isinstance(written, str):
        return None
    key, words = bound
    limit = float(context[key])
    if _DURATION_RE.match(written):
        return f"{words} {duration_text(limit)}"
    if _RATE_RE.match(written):
        return f"{words} {rate_text(limit)}"
    return None


DURATION_SCHEMA = {
    "anyOf": [
        {"const": 0, "description": "zero needs no unit"},
        {"type": "string", "pattern": rf"^\s*({_NUMBER})\s*(s|min|h|d)\s*$"},
    ],
    "description": f"A duration: a number with a unit ({UNITS_TEXT}), e.g. '90s', '8h'.",
}
_RATE_SCHEMA = {
    "anyOf": [
        {"const": 0, "description": "zero needs no unit"},
        {"type": "string", "pattern": rf"^\s*({_NUMBER})\s*/\s*(s|min|h|d)\s*$"},
    ],
    "description": f"A rate: 'count/unit' ({UNITS_TEXT}), e.g. '30/h'.",
}


def _duration_field(value: Any, info: ValidationInfo) -> Seconds:
    return parse_duration(value, info)


def _rate_field(value: Any, info: ValidationInfo) -> PerSecond:
    return parse_rate(value, info)


Duration = Annotated[float, BeforeValidator(_duration_field), WithJsonSchema(DURATION_SCHEMA)]
"""Pydantic field type: a duration in a scenario file, validated into seconds."""

Rate = Annotated[float, BeforeValidator(_rate_field), WithJsonSchema(_RATE_SCHEMA)]
"""Pydantic field type: a rate in a scenario file, validated into events per second."""


def time_axis(duration: Seconds) -> tuple[float, str]:
    """The scale (seconds per unit) and unit name that suit a time axis of `duration`."""
    if duration <= 3 * 3600:
        return 60.0, "min"
    if duration <= 4 * 86400:
        return 3600.0, "h"
    return 86400.0, "d"
