"""What the browser views read: a run's recorded tables up to a moment of simulated time.

`ReplaySource` reads a finished dataset's files (once); `LiveSource` reads the memory store of a
run that is still going. Panels see only this interface, so every panel works on both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simsynth import registry
from simsynth.dataset import reading
from simsynth.episodes import EpisodeLog
from simsynth.model import ParamsModel
from simsynth.stores import MemoryStore, partition_file
from simsynth.units import Seconds


class RunSource(ABC):
    """One run's scenario and its tables as recorded up to a time."""

    def __init__(self, scenario: dict[str, Any]):
        self.scenario = scenario
        """The scenario as a manifest records it (JSON values, defaults filled in)."""

    @property
    def model(self) -> str:
        return str(self.scenario["model"])

    @property
    def duration(self) -> Seconds:
        return float(self.scenario["duration"])

    @cached_property
    def params(self) -> ParamsModel:
        """The model's params, validated again into its `Params` class."""
        return registry.load(self.model).Params.model_validate(self.scenario.get("params") or {})

    @abstractmethod
    def _frame(self, table: str) -> pd.DataFrame | None:
        """A whole table as recorded so far, or None if the run has no such table."""

    def has(self, table: str) -> bool:
        return self._frame(table) is not None

    def events(self, until: Seconds | None = None) -> pd.DataFrame:
        """The events with `time <= until` (all recorded, without `until`)."""
        return self.table("events", until)

    def table(self, name: str, until: Seconds | None = None) -> pd.DataFrame:
        """Rows of a table with `time <= until` (tables without a time column whole)."""
        frame = self._frame(name)
        if frame is None:
            raise KeyError(f"this run has no {name!r} table")
        if until is None or "time" not in frame.columns:
            return frame
        end = int(np.searchsorted(frame["time"].to_numpy(), until, side="right"))
        return frame.iloc[:end]

    def episodes(self, until: Seconds | None = None) -> pd.DataFrame:
        """The episodes as known at `until`: those started by then, their windows cut at
        `until` (a replay must not show where an episode will end); all of them without it."""
        frame = self._frame("episodes")
        assert frame is not None
        if until is None:
            return frame
        started = frame[frame["start_time"] <= until]
        return started.assign(end_time=started["end_time"].clip(upper=until))


class ReplaySource(RunSource):
    """A run of a finished dataset (each table read once, on first use)."""

    def __init__(self, root: Path, run_id: int, scenario: dict[str, Any]):
        super().__init__(scenario)
        self.root = root
        self.run_id = run_id
        self._frames: dict[str, pd.DataFrame | None] = {}

    def _frame(self, table: str) -> pd.DataFrame | None:
        if table not in self._frames:
            path = partition_file(self.root, table, self.run_id)
            with reading(path):
                self._frames[table] = pd.read_parquet(path) if path.is_file() else None
        return self._frames[table]


class LiveSource(RunSource):
    """A run going on in this process, recording into a memory store."""

    def __init__(self, scenario: dict[str, Any], store: MemoryStore, episodes: EpisodeLog):
        super().__init__(scenario)
        self._store = store
        self._episodes = episodes
        self._episode_frame: pd.DataFrame | None = None
        self._frames: dict[str, tuple[int, pd.DataFrame]] = {}
        """Per streamed table: how many of its batches are converted, and the frame of them."""

    def advanced(self) -> None:
        """The run has advanced and flushed its recorder: episodes are read again."""
        self._episode_frame = None

    def _frame(self, table: str) -> pd.DataFrame | None:
        if table == "episodes":
            if self._episode_frame is None:
                self._episode_frame = self._episodes.table().to_pandas()
            return self._episode_frame
        if not self._store.has(table):
            return None
        return self._converted(table)

    def _converted(self, table: str) -> pd.DataFrame:
        """The table as a frame, converting only the batches written since the last call."""
        done, frame = self._frames.get(table, (0, None))
        data, count = self._store.batches_since(table, done)
        if frame is None or count > done:
            new = data.to_pandas()
            if frame is not None and len(frame) and len(new):
                # the same declared categories on both sides: categorical columns stay so
                new = pd.concat([frame, new], ignore_index=True)
            elif frame is not None and len(frame):
                new = frame
            frame = new
            self._frames[table] = (count, frame)
        return frame
