"""Figures of a finished dataset: the generic timeline and each model's overview figures.

A model names its overview in `SimModel.overview` ("module:function"); the function gets a
`RunData` (one run of the dataset, read on demand) and returns named matplotlib figures, which
are written as PNGs `NAME-runK.png` (by `simsynth plot`, or after `run` when the scenario sets
`output.plots: true`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from simsynth import registry
from simsynth.dataset import reading
from simsynth.plots import PNG_METADATA, timeline
from simsynth.sink import NORMAL
from simsynth.stores import partition_file
from simsynth.units import Seconds


class RunData:
    """One run of a dataset: its scenario and its tables, read when asked for."""

    def __init__(self, root: Path, run_id: int, scenario: dict[str, Any]):
        self.root = root
        self.run_id = run_id
        self.scenario = scenario

    @property
    def model(self) -> str:
        return str(self.scenario["model"])

    @property
    def params(self) -> dict[str, Any]:
        """The run's model params, as the manifest records them (defaults filled in)."""
        return dict(self.scenario.get("params") or {})

    @property
    def duration(self) -> Seconds:
        return float(self.scenario["duration"])

    def file(self, table: str) -> Path:
        """The run's part file of `table` (events, episodes, entities or an auxiliary table)."""
        return partition_file(self.root, table, self.run_id)

    def events(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The run's events (only `columns` if given)."""
        with reading(self.file("events")):
            return pd.read_parquet(self.file("events"), columns=list(columns) if columns else None)

    def table(self, name: str) -> pd.DataFrame:
        """Another table of the run: `episodes`, `entities` or an auxiliary table."""
        with reading(self.file(name)):
            return pd.read_parquet(self.file(name))

    @cached_property
    def episodes(self) -> pd.DataFrame:
        return self.table("episodes")


Overview = Callable[[RunData], dict[str, Figure]]
"""A model's overview: named figures of one run."""


def overview_of(model_key: str) -> Overview | None:
    """The overview function a model names, if any."""
    target = getattr(registry.load(model_key), "overview", "")
    if not target:
        return None
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


def has_model_tables(run: RunData) -> bool:
    """Whether the run has every auxiliary table its model writes (a baseline sample or a
    training set has only events and episodes: its figures are then the timeline alone)."""
    return all(run.file(name).exists() for name in registry.load(run.model).tables)


def run_scenario(manifest: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    """The scenario one run of a dataset ran: the manifest's, with the run's grid values (a
    sweep's) set."""
    from simsynth.errors import DatasetError
    from simsynth.scenario.grid import values_applied

    if "scenario" not in manifest:
        raise DatasetError("the dataset has no scenario (it was imported): nothing to plot it by")
    return values_applied(manifest["scenario"], run.get("values") or {})


def write_figures(root: Path, run_id: int, scenario: dict[str, Any], out: Path) -> list[Path]:
    """The timeline and the model's overview figures of one run, as PNGs under `out`."""
    run = RunData(root, run_id, scenario)
    written = [out / f"timeline-run{run_id}.png"]
    timeline(run.file("events"), run.file("episodes"), run.duration, written[0])
    overview = overview_of(run.model) if has_model_tables(run) else None
    for name, figure in (overview(run) if overview else {}).items():
        path = out / f"{name}-run{run_id}.png"
        figure.savefig(path, metadata=PNG_METADATA)
        plt.close(figure)
        written.append(path)
    return written


def shade_episodes(axis: plt.Axes, episodes: pd.DataFrame, scale: float = 1.0) -> None:
    """Shade each episode's window on a time axis (time divided by `scale`), one colour per
    kind, with a legend entry per kind."""
    colors = kind_colors(episodes)
    seen: set[str] = set()
    for kind, start, end in episodes[["kind", "start_time", "end_time"]].itertuples(index=False):
        kind = str(kind)
        axis.axvspan(
            start / scale,
            max(end, start + scale / 100) / scale,
            color=colors[kind],
            alpha=0.25,
            lw=0,
            label=None if kind in seen else kind,
        )
        seen.add(kind)


def kind_colors(episodes: pd.DataFrame) -> dict[str, tuple[float, float, float]]:
    """A colour per episode kind: by the order of the run's label kinds when the column says
    it (as read from Parquet), so that a kind keeps its colour however many have occurred."""
    column = episodes["kind"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        kinds = [str(kind) for kind in column.cat.categories if kind != NORMAL]
    else:
        kinds = sorted(column.astype(str).unique())
    return dict(zip(kinds, plt.get_cmap("tab10").colors, strict=False))
