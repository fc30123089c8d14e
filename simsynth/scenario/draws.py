"""Randomised incident params: a value may be a distribution, drawn anew for each episode.

    params: {share: {uniform: [0.2, 0.8]}, duration: {loguniform: [10min, 2h]},
             merchants: {poisson: 3}, channel: {choice: [online, contactless]}}

`randomisable(Params)` is the params class a scenario's incident uses: the kind's own `Params`
whose fields may also hold one of these forms. Fixed values are validated as usual; each form is
checked against its field's rules at load time (both ends of a range, every choice, the counts
a Poisson mean makes likely), and `resolve(rng)` draws one episode's values from the run's
stream and validates them into the kind's `Params`, which the episodes table records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, ClassVar

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    create_model,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from simsynth.errors import shown
from simsynth.model import ParamsModel, UserInput
from simsynth.units import DURATION_SCHEMA, Seconds, bound_text, parse_duration


class Form(UserInput):
    """A distribution written in place of a value."""

    def extremes(self) -> list[Any]:
        """The values whose validity stands for the whole form (ends of ranges, choices)."""
        raise NotImplementedError

    def draw(self, rng: np.random.Generator, ends: list[Any]) -> Any:
        """One value; `ends` are `extremes()` as the field parsed them (e.g. in seconds)."""
        raise NotImplementedError

    def check(self, ends: list[Any]) -> str | None:
        """What is wrong with the parsed `ends` as this form's range, if anything."""
        return None


class Uniform(Form):
    """Uniform between two values (durations and rates may carry units)."""

    uniform: tuple[Any, Any] = Field(description="[low, high]")

    def extremes(self) -> list[Any]:
        return list(self.uniform)

    def draw(self, rng: np.random.Generator, ends: list[Any]) -> Any:
        return _like(ends, rng.uniform(float(ends[0]), float(ends[1])))

    def check(self, ends: list[Any]) -> str | None:
        return _range_problem("uniform", ends, positive=False)


class LogUniform(Form):
    """Log-uniform between two positive values (a scale: 1 min to 1 h)."""

    loguniform: tuple[Any, Any] = Field(description="[low, high], both > 0")

    def extremes(self) -> list[Any]:
        return list(self.loguniform)

    def draw(self, rng: np.random.Generator, ends: list[Any]) -> Any:
        low, high = (math.log(float(end)) for end in ends)
        return _like(ends, math.exp(rng.uniform(low, high)))

    def check(self, ends: list[Any]) -> str | None:
        return _range_problem("loguniform", ends, positive=True)


class Choice(Form):
    """One of the values listed, equally likely."""

    choice: list[Any] = Field(min_length=1)

    def extremes(self) -> list[Any]:
        return list(self.choice)

    def draw(self, rng: np.random.Generator, ends: list[Any]) -> Any:
        return self.choice[int(rng.integers(len(self.choice)))]


class Poisson(Form):
    """A Poisson count of mean `poisson` (whole numbers, e.g. how many merchants)."""

    poisson: float = Field(gt=0)

    def extremes(self) -> list[Any]:
        return [0, math.ceil(self.poisson * 4 + 10)]

    def draw(self, rng: np.random.Generator, ends: list[Any]) -> Any:
        return int(rng.poisson(self.poisson))


FORMS: dict[str, type[Form]] = {
    "uniform": Uniform,
    "loguniform": LogUniform,
    "choice": Choice,
    "poisson": Poisson,
}


def _pair(doc: str) -> dict[str, Any]:
    return {"type": "array", "minItems": 2, "maxItems": 2, "description": doc}


FORM_SCHEMA: dict[str, Any] = {
    "description": "A distribution drawn per episode instead of a fixed value.",
    "oneOf": [
        {
            "type": "object",
            "additionalProperties": False,
            "required": [key],
            "properties": {key: value},
        }
        for key, value in {
            "uniform": _pair("[low, high]"),
            "loguniform": _pair("[low, high], both > 0"),
            "choice": {"type": "array", "minItems": 1},
            "poisson": {"type": "number", "exclusiveMinimum": 0},
        }.items()
    ],
}
"""JSON Schema of the forms (for `simsynth schema`)."""


def _range_problem(name: str, ends: list[Any], *, positive: bool) -> str | None:
    """Why [low, high] (as parsed) is not a range of numbers for `name`, if it is not."""
    if not all(isinstance(end, int | float) and not isinstance(end, bool) for end in ends):
        return f"{name} takes a range of numbers, durations or rates, not {list(ends)!r}"
    low, high = ends
    if positive and low <= 0:
        return f"{name} needs a low end above 0 (it draws on a log scale)"
    if low > high:
        return f"{name}'s low end is above its high end (write [low, high])"
    return None


def _like(ends: list[Any], value: float) -> float | int:
    """`value` as an int if the range was given in whole numbers."""
    return round(value) if all(isinstance(end, int) for end in ends) else value


def form_of(value: Any) -> Form | None:
    """The form `value` writes (a mapping with one key naming a distribution), if any."""
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in FORMS:
        return FORMS[next(iter(value))].model_validate(value)
    return None


class Randomisable(BaseModel):
    """Mixin of `randomisable(Params)`: fields may hold forms, drawn by `resolve`."""

    target: ClassVar[type[ParamsModel]]
    _forms: dict[str, Form] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _take_forms(cls, data: Any, handler: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return handler(data)
        forms = {name: form for name, value in data.items() if (form := form_of(value))}
        fixed = {name: value for name, value in data.items() if name not in forms}
        for name, form in forms.items():
            ends = []
            for value in form.extremes():
                try:
                    checked = cls.target.model_validate(
                        {**fixed, name: value}, context=info.context
                    )
                    ends.append(getattr(checked, name))
                except ValidationError as error:
                    first = error.errors()[0]
                    bound = bound_text(first["type"], first.get("ctx", {}), value)
                    reason = first["msg"] if bound is None else bound
                    written = shown(form.model_dump())
                    raise ValueError(
                        f"{name}: {shown(value)}, a value {written} can take, "
                        f"is not allowed: {reason}"
                    ) from None
            if (problem := form.check(ends)) is not None:
                raise ValueError(f"{name}: {problem}")
        model = handler({**fixed, **{name: form.extremes()[0] for name, form in forms.items()}})
        model._forms = forms
        return model

    @model_serializer(mode="wrap")
    def _with_forms(self, handler: Any) -> dict[str, Any]:
        dumped: dict[str, Any] = handler(self)
        return {**dumped, **{name: form.model_dump() for name, form in self._forms.items()}}

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        """The target's schema, every property also allowing a distribution form."""
        schema = handler(core_schema)
        resolved = handler.resolve_ref_schema(schema)
        for name, prop in resolved.get("properties", {}).items():
            resolved["properties"][name] = {"anyOf": [prop, FORM_SCHEMA]}
        return schema

    @property
    def forms(self) -> dict[str, Form]:
        """The random fields and their forms."""
        return dict(self._forms)

    def resolve(self, rng: np.random.Generator) -> ParamsModel:
        """One episode's params: each random field drawn, all validated into `target`."""
        if not self._forms:
            return self.target.model_validate(dict(self))
        fixed = {name: value for name, value in self if name not in self._forms}
        drawn = {}
        for name, form in self._forms.items():
            ends = [
                getattr(self.target.model_validate({**fixed, name: end}), name)
                for end in form.extremes()
            ]
            drawn[name] = form.draw(rng, ends)
        return self.target.model_validate({**fixed, **drawn})


@cache
def randomisable(params: type[ParamsModel]) -> type[Randomisable]:
    """`params` whose fields may also be written as a distribution (see the module doc)."""
    model = create_model(
        f"Randomisable{params.__name__}", __base__=(Randomisable, params), __doc__=params.__doc__
    )
    model.target = params
    return model


@dataclass(frozen=True)
class RandomTime:
    """An incident's start written as a distribution of durations (e.g. uniform over 1h..5h)."""

    form: Form
    ends: tuple[Seconds, ...]
    """`form.extremes()` in seconds."""

    @property
    def latest(self) -> Seconds:
        return max(self.ends)

    def draw(self, rng: np.random.Generator) -> Seconds:
        return float(self.form.draw(rng, list(self.ends)))


def _time_or_form(value: Any, info: ValidationInfo) -> Any:
    form = form_of(value)
    if form is None:
        return parse_duration(value, info)
    if isinstance(form, Poisson):
        raise PydanticCustomError("time_form", "a start time may be uniform, loguniform or choice")
    ends = tuple(parse_duration(end, info) for end in form.extremes())
    if (problem := form.check(list(ends))) is not None:
        raise PydanticCustomError("time_form", problem)
    return RandomTime(form, ends)


def _written(value: Any) -> Any:
    return value.form.model_dump() if isinstance(value, RandomTime) else value


RandomDuration = Annotated[
    Seconds | RandomTime,
    BeforeValidator(_time_or_form),
    PlainSerializer(_written),
    WithJsonSchema({"anyOf": [DURATION_SCHEMA, FORM_SCHEMA]}),
]
"""Pydantic field type: a duration, or a distribution of durations drawn per run."""
