"""Small runs of the repository's scenarios for the view tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from simsynth.runner import run
from simsynth.scenario import Scenario, load_scenario
from simsynth.view.source import ReplaySource, RunSource

REPO = Path(__file__).resolve().parents[2]


def scenario(name: str, duration: float, **params: object) -> Scenario:
    """A repository scenario, cut to `duration` seconds, with some params replaced."""
    loaded = load_scenario(REPO / "scenarios" / f"{name}.yaml")
    changed = loaded.params.model_copy(update=params)
    return loaded.model_copy(update={"duration": duration, "params": changed})


def replay(tmp: Path, name: str, duration: float, **params: object) -> ReplaySource:
    """`scenario(name, duration, **params)` run into a dataset under `tmp`, as a source."""
    manifest = run(scenario(name, duration, **params), out=tmp / name)
    return ReplaySource(tmp / name, 0, manifest["scenario"])


def events_until(source: RunSource, now: float) -> pd.DataFrame:
    """The source's events up to `now`, selected here rather than by the source."""
    events = source.events()
    return events[events["time"] <= now]
