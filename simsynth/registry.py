"""Which models exist: built-ins listed here, third-party ones from the `simsynth.models` group.

Entries are lazy `"module:Class"` strings, as in Gymnasium's registry, so importing simsynth
imports no model; a model's module is imported the first time it is looked up.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points

from simsynth.errors import UnknownModelError
from simsynth.model import SimModel

ENTRY_POINT_GROUP = "simsynth.models"


@dataclass(frozen=True)
class ModelEntry:
    """A registered model: its key and where its class lives."""

    key: str
    target: str
    """`"package.module:ClassName"`."""


BUILTINS: tuple[ModelEntry, ...] = (
    ModelEntry(
        "customers.card_network",
        "simsynth.models.customers.card_network.model:CardNetwork",
    ),
    ModelEntry(
        "customers.contact_center",
        "simsynth.models.customers.contact_center.model:ContactCenter",
    ),
    ModelEntry(
        "markets.order_flow",
        "simsynth.models.markets.order_flow.model:OrderFlow",
    ),
    ModelEntry(
        "markets.traders",
        "simsynth.models.markets.traders.model:Traders",
    ),
    ModelEntry(
        "traffic.road_network",
        "simsynth.models.traffic.road_network.model:RoadNetwork",
    ),
    ModelEntry("traffic.intersection", "simsynth.models.traffic.intersection.model:Intersection"),
)


@cache
def entries() -> dict[str, ModelEntry]:
    """All registered models by key: built-ins first, then installed plug-ins."""
    found = {entry.key: entry for entry in BUILTINS}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(point.name, ModelEntry(point.name, point.value))
    return dict(sorted(found.items()))


def suggest(name: str, choices: list[str]) -> str:
    """`"; did you mean 'x'?"` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def unknown_model_message(key: str) -> str:
    """Explain that `key` is not registered, listing what is."""
    keys = list(entries())
    return f"unknown model '{key}' (allowed: {', '.join(keys)}{suggest(key, keys)})"


@cache
def load(key: str) -> type[SimModel]:
    """The model class registered under `key`."""
    entry = entries().get(key)
    if entry is None:
        raise UnknownModelError(unknown_model_message(key))
    module_name, _, class_name = entry.target.partition(":")
    model = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(model, type) and issubclass(model, SimModel)):
        raise UnknownModelError(f"{entry.target} (model '{key}') is not a simsynth SimModel")
    return model
