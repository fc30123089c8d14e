"""Turning pydantic validation errors into one-line problems that say what is allowed."""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from simsynth.errors import Problem, shown
from simsynth.registry import suggest
from simsynth.scenario.source import Source
from simsynth.units import bound_text


def problems_from_errors(
    errors: list[ErrorDetails], source: Source, root: type[BaseModel]
) -> list[Problem]:
    """One `Problem` per pydantic error, sorted by line."""
    problems = [source.problem(*_explain(error, root, source.data)) for error in errors]
    return sorted(problems, key=lambda p: p.line)


def written_at(data: Any, loc: tuple[Any, ...]) -> Any:
    """The value the file has at a validation error's `loc` (parts that are no key of the
    file, such as a union's tag, skipped); None if there is none."""
    for part in loc:
        if not isinstance(data, dict | list):
            return None
        if _has(data, part):
            data = data[part]
    return data


def _has(data: dict[Any, Any] | list[Any], part: Any) -> bool:
    if isinstance(data, dict):
        return part in data
    return isinstance(part, int) and 0 <= part < len(data)


def _explain(error: ErrorDetails, root: type[BaseModel], data: Any) -> tuple[tuple[Any, ...], str]:
    loc = tuple(error["loc"])
    kind = error["type"]
    context = error.get("ctx", {})
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = allowed_keys(root, loc[:-1])
        choices = f"allowed: {', '.join(allowed)}{suggest(key, allowed)}" if allowed else ""
        return loc, f"unknown key '{key}' ({choices or 'no keys are allowed here'})"
    if kind == "missing":
        return loc, "required key is missing"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        expected = allowed_tags(root, loc)
        if kind == "union_tag_not_found":
            return (*loc, "kind"), f"required key is missing (allowed kinds: {', '.join(expected)})"
        tag = str(context.get("tag"))
        allowed = f"allowed: {', '.join(expected)}{suggest(tag, expected)}"
        return (*loc, "kind"), f"unknown incident kind '{tag}' ({allowed})"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return loc, f"expected a mapping of keys, found {shown(error['input'])}"
    written = written_at(data, loc)
    if (bound := bound_text(kind, context, written)) is not None:
        return loc, f"{shown(written)} is not allowed ({bound})"
    message = error["msg"]
    if kind.startswith(("duration_", "rate_", "start_")) or error["type"] == "value_error":
        return loc, message.removeprefix("Value error, ")
    return loc, f"{shown(error['input'])} is not allowed ({message[0].lower()}{message[1:]})"


def allowed_keys(root: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the model at `loc` under `root` accepts (empty if `loc` is not a model)."""
    models = _models_at(root, loc)
    return list(models[0].model_fields) if models else []


def allowed_tags(root: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The `kind` values of the tagged union at `loc` under `root`."""
    kinds = [model.model_fields.get("kind") for model in _models_at(root, loc)]
    return [str(tag) for kind in kinds if kind is not None for tag in get_args(kind.annotation)]


def _models_at(root: type[BaseModel], loc: tuple[Any, ...]) -> list[type[BaseModel]]:
    """The pydantic models the annotation at `loc` under `root` may be."""
    current: Any = root
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    return [c for c in _candidates(current) if _is_model(c)]


def _is_model(candidate: Any) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, BaseModel)


def _candidates(annotation: Any) -> list[Any]:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _candidates(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [c for arg in get_args(annotation) for c in _candidates(arg)]
    return [annotation]


def _step(annotation: Any, part: Any) -> Any:
    for candidate in _candidates(annotation):
        origin = get_origin(candidate)
        if _is_model(candidate):
            if part in candidate.model_fields:
                return candidate.model_fields[part].annotation
            kind = candidate.model_fields.get("kind")
            if kind is not None and get_args(kind.annotation) == (part,):
                return candidate  # a tagged union's member, named by its tag
        elif origin in (list, tuple) and isinstance(part, int):
            return get_args(candidate)[0]
        elif origin is dict:
            return get_args(candidate)[1]
    return None
