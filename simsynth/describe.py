"""Plain-text descriptions of models for `simsynth list` and `simsynth describe`."""

from __future__ import annotations

import textwrap
import types
import typing
from dataclasses import dataclass

import annotated_types as at
import pyarrow as pa
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from rich.cells import cell_len
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from simsynth.model import SimModel
from simsynth.sink import CORE_COLUMN_DOCS, core_fields
from simsynth.units import SECONDS_PER_UNIT, Duration, Rate, duration_text, rate_text

_BOUNDS = ((at.Gt, "gt", ">"), (at.Ge, "ge", ">="), (at.Lt, "lt", "<"), (at.Le, "le", "<="))
_DURATION_MARKS = typing.get_args(Duration)[1:]
_RATE_MARKS = typing.get_args(Rate)[1:]


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


MAX_DEFAULT = 24
"""Longest list default shown in the default column; a longer one is given in the meaning."""


def _row(name: str, info: FieldInfo) -> FieldRow:
    default, doc = _default_text(info), info.description or ""
    if default.startswith("[") and len(default) > MAX_DEFAULT:
        count = len(info.get_default(call_default_factory=True))
        default, doc = f"[{count} values]", f"{doc} Default: {default}.".strip()
    return FieldRow(name, type_text(info), default, bounds_text(info), doc)


def _default_text(info: FieldInfo) -> str:
    """A field's default as a scenario file writes it (`5min`, `[1, 2]`), or a remark in
    parentheses: `(required)`, `(see below)` for nested params."""
    if _models_in(info.annotation):
        if info.is_required():
            return "(required, see below)"
        value = info.get_default(call_default_factory=True)
        tag = getattr(value, "kind", None)
        return f"kind: {tag} (see below)" if tag else "(see below)"
    if info.is_required():
        return "(required)"
    value = info.get_default(call_default_factory=True)
    if isinstance(value, dict):
        return ", ".join(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_short(v) if isinstance(v, float) else str(v) for v in value) + "]"
    if _quantity(info) is not None and isinstance(value, float):
        return _quantity_text(info, value)
    return "empty" if value is None else str(value)


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
        return _without_none(args[0])
    if typing.get_origin(annotation) is typing.Annotated:
        return _without_none(args[0])
    return annotation


def _kind(model: type[BaseModel]) -> str:
    """The tag of a tagged-union member (its `kind` default), else its class name."""
    field = model.model_fields.get("kind")
    return str(field.default) if field is not None else model.__name__


def type_text(info: FieldInfo) -> str:
    """`duration`, `rate`, `number (km/h)`, `int`, `one of a|b`, `list`, ..."""
    quantity = _quantity(info)
    if quantity in ("duration", "rate"):
        return quantity
    if quantity is not None:
        return f"number ({quantity})"
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
    """`> 0, <= 10000` from a field's constraints, durations and rates in units as a file
    writes them (`> 0s, <= 1h`; a rate per the unit of its default: `<= 36000000/h`)."""
    parts = []
    metadata = _metadata(info)
    for item in metadata:
        for kind, attribute, symbol in _BOUNDS:
            if isinstance(item, kind):
                parts.append(f"{symbol} {_quantity_text(info, getattr(item, attribute))}")
        parts += _length_text(item, metadata)
    return ", ".join(parts)


def _length_text(item: object, metadata: list[object]) -> list[str]:
    """`at least 2 items`, `at most 24 items`, `exactly 24 items` for a length constraint."""
    longest = next((m.max_length for m in metadata if isinstance(m, at.MaxLen)), None)
    if isinstance(item, at.MinLen) and item.min_length:
        exact = item.min_length == longest
        least = f"at least {item.min_length} item{'s' if item.min_length > 1 else ''}"
        return [f"exactly {longest} items"] if exact else [least]
    if isinstance(item, at.MaxLen):
        shortest = next((m.min_length for m in metadata if isinstance(m, at.MinLen)), None)
        return [] if shortest == item.max_length else [f"at most {item.max_length} items"]
    return []


def _metadata(info: FieldInfo) -> list[object]:
    """A field's constraints and markers, with those of an `Annotated` type it holds as an
    option (`Duration | None`, `SpeedKmh | None`), but not those of a list's items."""
    return [*info.metadata, *_annotated_metadata(info.annotation)]


def _annotated_metadata(annotation: object) -> list[object]:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        found: list[object] = []
        for extra in args[1:]:
            found += [extra, *extra.metadata] if isinstance(extra, FieldInfo) else [extra]
        return found + _annotated_metadata(args[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [item for arg in args for item in _annotated_metadata(arg)]
    return []


def _quantity(info: FieldInfo) -> str | None:
    """`duration`, `rate`, the unit a number field declares (`json_schema_extra={"unit":
    "km/h"}`), or None."""
    metadata = _metadata(info)
    if any(item is mark for item in metadata for mark in _DURATION_MARKS):
        return "duration"
    if any(item is mark for item in metadata for mark in _RATE_MARKS):
        return "rate"
    for extra in [info, *metadata]:
        schema = extra.json_schema_extra if isinstance(extra, FieldInfo) else None
        if isinstance(schema, dict) and isinstance(schema.get("unit"), str):
            return str(schema["unit"])
    return None


def _quantity_text(info: FieldInfo, value: float) -> str:
    """`value` of the field `info` as a scenario file writes it: `5min`, `720/h`, `54`."""
    quantity = _quantity(info)
    if quantity == "duration":
        return duration_text(value)
    if quantity == "rate":
        unit = _rate_unit(info)
        return f"{_short(value * SECONDS_PER_UNIT[unit])}/{unit}"
    return _short(value)


def _rate_unit(info: FieldInfo) -> str:
    """The unit a rate field's default reads best in (`h` without a default above 0)."""
    default = info.default
    if isinstance(default, float) and default > 0:
        return rate_text(default).rsplit("/", 1)[1]
    return "h"


def _short(number: float) -> str:
    """At most 6 significant digits; whole numbers in full (`36000000`, not `3.6e+07`)."""
    text = f"{number:g}"
    if "e+" in text and float(number).is_integer():
        return str(int(number))
    return text


def arrow_type_text(data_type: pa.DataType) -> str:
    """`int64`, `float64`, `dictionary<string>`, ..."""
    if pa.types.is_dictionary(data_type):
        return f"dictionary<{data_type.value_type}>"
    if pa.types.is_float64(data_type):
        return "float64"
    return str(data_type)


MIN_MEANING = 24
"""Narrowest the wrapped `meaning` column of a table may get; narrower, a listing it is."""


@dataclass(frozen=True)
class Listing:
    """Rows under a title, their last cell a text that may wrap (the meaning). As a table
    where every other cell fits whole beside at least `MIN_MEANING` columns of meaning, else
    one entry per row: `name: type; default 5min; > 0s` with the meaning indented below."""

    title: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]
    labels: tuple[str, ...] = ()
    """How each middle cell is introduced in an entry (`default `); none by default."""

    def fits(self, width: int) -> bool:
        """Whether the table is at most `width` columns wide with its cells whole."""
        columns = zip(self.headers, *self.rows, strict=True)
        widths = [max(_width(cell) for cell in column) for column in columns]
        meaning = min(widths[-1], MIN_MEANING)
        return sum(widths[:-1]) + meaning + 2 * len(widths) <= width

    def table(self) -> Table:
        """A table: every column but the last kept whole, the last one wrapped."""
        table = Table(title=self.title or None, box=None)
        for header in self.headers[:-1]:
            table.add_column(header, no_wrap=True)
        table.add_column(self.headers[-1], overflow="fold")
        for row in self.rows:
            table.add_row(*(Text(cell) for cell in row))
        return table

    def entries(self, width: int) -> Text:
        """An entry per row: name, the middle cells, the meaning wrapped and indented."""
        lines = [f"\n{self.title}"] if self.title else []
        indent = "  " if self.title else ""
        for name, *middle, meaning in self.rows:
            labels = self.labels or ("",) * len(middle)
            facts = [_labelled(label, cell) for label, cell in zip(labels, middle, strict=True)]
            line = "; ".join(fact for fact in facts if fact)
            lines += _wrapped(f"{name}: {line}" if line else name, width, indent, indent + "  ")
            lines += _wrapped(meaning, width, indent + "    ", indent + "    ")
        text = Text("\n".join(lines))
        if self.title:
            text.stylize("bold", 1, 1 + len(self.title))
        return text


def _wrapped(text: str, width: int, first: str, rest: str) -> list[str]:
    """`text` wrapped at spaces to `width` columns, words never broken; each of its lines
    starts with the indent `first`, lines it wraps onto with `rest`."""
    wrapper = textwrap.TextWrapper(
        width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [wrapped for line in text.splitlines() for wrapped in wrapper.wrap(line)]


def _width(cell: str) -> int:
    """Columns the widest line of `cell` takes."""
    return max(cell_len(line) for line in cell.split("\n"))


def _labelled(label: str, cell: str) -> str:
    """`default 5min`; a remark such as `(required)` or an empty cell as it is."""
    return cell if not cell or cell.startswith("(") else f"{label}{cell}"


def params_listing(title: str, params: type[BaseModel]) -> Listing:
    """The params of a class: name, type, default, bounds and meaning."""
    rows = [(r.name, r.type, r.default, r.bounds, r.doc) for r in field_rows(params)]
    headers = ("name", "type", "default", "bounds", "meaning")
    return Listing(title, headers, rows, labels=("", "default ", ""))


def model_description(model: type[SimModel]) -> list[Text | Listing]:
    """What `simsynth describe` shows of a model: lines of text and listings of its params,
    incident kinds and the columns it writes."""
    parts: list[Text | Listing] = [_line(model.key, f": {model.summary}")]
    if model.reference:
        parts.append(Text(f"validated against: {model.reference}"))
    parts.append(params_listing("params", model.Params))
    parts += [params_listing(title, nested) for title, nested in nested_models(model.Params)]
    for kind, spec in model.incident_kinds.items():
        parts += [_line(f"\nincident {kind}", f": {spec.doc}"), Text(f"labels: {spec.labels}")]
        parts.append(params_listing(f"{kind} params", spec.params))
    for kind, how in model.emergent_kinds.items():
        parts.append(_line(f"\nemergent episodes {kind}", f" (detected, not injected): {how}"))
    parts.append(Text(f"\nevent types: {', '.join(model.event_types)}"))
    return parts + _column_listings(model)


def _line(bold: str, rest: str) -> Text:
    """A line of text starting in bold (no markup is read in either part)."""
    return Text.assemble((bold, "bold"), rest)


def _column_listings(model: type[SimModel]) -> list[Text | Listing]:
    """The event columns a model writes, and those of its auxiliary tables."""
    headers = ("column", "type", "meaning")
    fields = core_fields(timestamp_type=pa.timestamp("us"))
    core = [(f.name, arrow_type_text(f.type), CORE_COLUMN_DOCS[f.name]) for f in fields]
    own = [(c.name, arrow_type_text(c.type), c.doc) for c in model.columns]
    listings: list[Text | Listing] = [Listing("event columns", headers, core + own)]
    for name, columns in model.tables.items():
        rows = [("time", "float64", "Seconds since the scenario start.")]
        rows += [(c.name, arrow_type_text(c.type), c.doc) for c in columns]
        listings.append(Listing(f"table {name}/", headers, rows))
    return listings


def render(parts: list[Text | Listing], width: int) -> list[RenderableType]:
    """`parts` to print at `width` columns: the listings as tables if every one fits whole,
    else each as entries (one layout for the whole output)."""
    tables = all(part.fits(width) for part in parts if isinstance(part, Listing))
    return [
        (part.table() if tables else part.entries(width)) if isinstance(part, Listing) else part
        for part in parts
    ]
