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
    if _models_in(info.annotation):
        if info.is_required():
            default = "(required, see below)"
        else:
            value = info.get_default(call_default_factory=True)
            tag = getattr(value, "kind", None)
            default = f"kind: {tag} (see below)" if tag else "(see below)"
    elif info.is_required():
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
    """Params classes used inside `params`, each with a title saying where: `demand`, `each
    entry of segments`, `network with kind: grid` (one per choice of a tagged union)."""
    found = []
    for name, info in params.model_fields.items():
        models = _models_in(info.annotation)
        origin = typing.get_origin(_without_none(info.annotation))
        for model in models:
            if origin in (list, tuple, dict):
                title = f"each entry of {name}"
            elif len(models) > 1:
                title = f"{name} with kind: {_kind(model)}"
            else:
                title = name
            found.append((f"{title} ({model.__name__})", model))
    return found


def _models_in(annotation: object) -> list[type[BaseModel]]:
    """The pydantic models an annotation is or holds (through Optional, unions, containers)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for argument in typing.get_args(annotation) for model in _models_in(argument)]


def _without_none(annotation: object) -> object:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, type(int | None)) and len(args) == 1:
        return args[0]
    if typing.get_origin(annotation) is typing.Annotated:
        return _without_none(args[0])
    return annotation


def _kind(model: type[BaseModel]) -> str:
    """The tag of a tagged-union member (its `kind` default), else its class name."""
    field = model.model_fields.get("kind")
    return str(field.default) if field is not None else model.__name__


def type_text(info: FieldInfo) -> str:
    """`duration`, `rate`, `int`, `one of a|b`, `list of 24 numbers`, ..."""
    text = repr(info.annotation) + repr(info.metadata)
    if "parse_duration" in text:
        return "duration"
    if "parse_rate" in text:
        return "rate"
    annotation = _without_none(info.annotation)
    models = _models_in(annotation)
    if len(models) > 1 and typing.get_origin(annotation) not in (list, tuple, dict):
        return "one of " + "|".join(_kind(model) for model in models)
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
