"""Plain-text descriptions of models for `simsynth list` and `simsynth describe`."""

from __future__ import annotations

import typing
from dataclasses import dataclass

import annotated_types as at
import pyarrow as pa
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simsynth.units import format_seconds

_BOUNDS = ((at.Gt, "gt", ">"), (at.Ge, "ge", ">="), (at.Lt, "lt", "<"), (at.Le, "le", "<="))


@dataclass(frozen=True)
class FieldRow:
    """One parameter as shown to users."""

    name: str
    type: str
    default: str
    bounds: str
    doc: str


def field_rows(params: type[BaseModel]) -> list[FieldRow]:
    """A row per field of a params class: type, default, bounds and doc."""
    return [_row(name, info) for name, info in params.model_fields.items()]


def _row(name: str, info: FieldInfo) -> FieldRow:
    kind = type_text(info)
    if info.is_required():
        default = "(required)"
    elif info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
        default = ", ".join(value) if isinstance(value, dict) else str(value)
    elif kind == "duration" and isinstance(info.default, float):
        default = format_seconds(info.default)
    elif kind == "rate" and isinstance(info.default, float):
        default = f"{info.default * 3600:g}/h"
    else:
        default = "empty" if info.default is None else str(info.default)
    return FieldRow(name, kind, default, bounds_text(info), info.description or "")


def nested_models(params: type[BaseModel]) -> list[tuple[str, type[BaseModel]]]:
    """Params classes used inside `params` (e.g. the entries of a dict of segments)."""
    found = []
    for name, info in params.model_fields.items():
        for argument in typing.get_args(info.annotation):
            if isinstance(argument, type) and issubclass(argument, BaseModel):
                found.append((name, argument))
    return found


def type_text(info: FieldInfo) -> str:
    """`duration`, `rate`, `int`, `one of a|b`, `list of 24 numbers`, ..."""
    text = repr(info.annotation) + repr(info.metadata)
    if "parse_duration" in text:
        return "duration"
    if "parse_rate" in text:
        return "rate"
    annotation = info.annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, type(int | None)) and len(args) == 1:
        annotation = args[0]
    if typing.get_origin(annotation) is typing.Literal:
        return "one of " + "|".join(str(a) for a in typing.get_args(annotation))
    if typing.get_origin(annotation) in (tuple, list):
        return "list"
    if typing.get_origin(annotation) is dict:
        value = typing.get_args(annotation)[1]
        return f"name -> {getattr(value, '__name__', 'value')}"
    return getattr(annotation, "__name__", str(annotation))


def bounds_text(info: FieldInfo) -> str:
    """`> 0, <= 10000` from a field's constraints."""
    parts = []
    for item in info.metadata:
        for kind, attribute, symbol in _BOUNDS:
            if isinstance(item, kind):
                parts.append(f"{symbol} {getattr(item, attribute):g}")
        if isinstance(item, at.MinLen) and item.min_length:
            parts.append(f"at least {item.min_length} items")
        if isinstance(item, at.MaxLen):
            parts.append(f"at most {item.max_length} items")
    return ", ".join(parts)


def arrow_type_text(data_type: pa.DataType) -> str:
    """`int64`, `float64`, `dictionary<string>`, ..."""
    if pa.types.is_dictionary(data_type):
        return f"dictionary<{data_type.value_type}>"
    if pa.types.is_float64(data_type):
        return "float64"
    return str(data_type)
