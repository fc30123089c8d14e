"""The mapping file of `simsynth import`: which column of a user's log is the time, the event
type, the entity, the labels.

```yaml
name: my-bank                                # default: the data file's name
time: {column: ts, format: iso}              # iso | unix_s | unix_ms | seconds
event_type: {column: kind}                   # or {value: transaction}
entity_id: {column: account}
label: {column: is_fraud}                    # optional; truthy -> 1 (kind: positive)
label_kind: {column: fraud_type, normal: ["", "none"]}   # optional
episode_id: {column: case_id}                # optional; else one episode per positive row
columns: [amount, merchant]                  # optional; default: every other column
run: {column: batch}                         # optional; else one run 0
encoding: latin-1                            # optional; a CSV file's text encoding (utf-8)
```

Unknown keys are errors, reported like a scenario file's (`FILE:LINE: key: message`).
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from simsynth.errors import ScenarioError, shown
from simsynth.model import UserInput
from simsynth.scenario.problems import problems_from_errors
from simsynth.scenario.source import Source, read_source
from simsynth.sink import NORMAL

TimeFormat = Literal["iso", "unix_s", "unix_ms", "seconds"]
DEFAULT_NORMAL = ("", "none", NORMAL)


class MappingError(ScenarioError):
    """A mapping file is unreadable or invalid, or names columns the data does not have."""


class _Strict(UserInput):
    pass


class ColumnMapping(_Strict):
    column: str = Field(min_length=1, description="A column of the data file.")


class TimeMapping(ColumnMapping):
    format: TimeFormat = Field(
        description="iso (ISO 8601 text), unix_s / unix_ms (epoch numbers) or seconds (as is)."
    )


class EventTypeMapping(_Strict):
    column: str | None = Field(None, min_length=1, description="The column of event types.")
    value: str | None = Field(None, min_length=1, description="One event type for every row.")

    @model_validator(mode="after")
    def _one_of(self) -> EventTypeMapping:
        if (self.column is None) == (self.value is None):
            raise ValueError("give exactly one of `column` or `value`")
        return self


class LabelMapping(ColumnMapping):
    kind: str = Field("positive", min_length=1, description="label_kind of positive rows.")

    @model_validator(mode="after")
    def _not_normal(self) -> LabelMapping:
        if self.kind == NORMAL:
            raise ValueError(f"kind: '{NORMAL}' is the kind of negative rows")
        return self


class LabelKindMapping(ColumnMapping):
    normal: list[str] = Field(
        default_factory=lambda: list(DEFAULT_NORMAL),
        description="Values meaning no incident (a null always does).",
    )


class Mapping(_Strict):
    """How the columns of a log become the dataset contract's columns."""

    name: str | None = None
    time: TimeMapping
    event_type: EventTypeMapping
    entity_id: ColumnMapping
    label: LabelMapping | None = None
    label_kind: LabelKindMapping | None = None
    episode_id: ColumnMapping | None = None
    columns: list[str] | None = Field(
        None, description="Columns to keep (default: every column the mapping does not use)."
    )
    run: ColumnMapping | None = None
    encoding: str = Field(
        "utf-8", description="The text encoding of a CSV file (utf-8, latin-1...)."
    )

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"{shown(value)} is not a text encoding Python knows") from None
        return value

    def used(self) -> dict[tuple[str, ...], str]:
        """The data columns the mapping names, by key path."""
        named = {
            ("time",): self.time,
            ("event_type",): self.event_type,
            ("entity_id",): self.entity_id,
            ("label",): self.label,
            ("label_kind",): self.label_kind,
            ("episode_id",): self.episode_id,
            ("run",): self.run,
        }
        return {
            (*key, "column"): part.column
            for key, part in named.items()
            if part is not None and part.column is not None
        }


def load_mapping(path: str | Path) -> tuple[Mapping, Source]:
    """Read and validate a mapping file; raise `MappingError` with a line per problem."""
    try:
        source = read_source(path)
    except ScenarioError as error:
        raise MappingError(error.problems) from None
    try:
        mapping = Mapping.model_validate(source.data)
    except ValidationError as error:
        raise MappingError(problems_from_errors(error.errors(), source, Mapping)) from None
    if mapping.episode_id is not None and mapping.label is None and mapping.label_kind is None:
        message = "episode ids need labels: add `label` or `label_kind`"
        raise MappingError([source.problem(("episode_id",), message)])
    return mapping, source
