"""Ground truth of a run's rare-event episodes (the `episodes` table of DESIGN §3).

Scheduled incidents are opened first, so their episode ids are their schedule order; a model
may open further episodes it detects itself (e.g. a near miss), extend their windows and record
the entities each one touched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
import pyarrow as pa

from simsynth.clock import clock_micros, epoch_microseconds, timestamp_type
from simsynth.incidents import EpisodeId, Occurrence
from simsynth.model import dictionary_type
from simsynth.units import Seconds

NO_EPISODE = -1
"""The `episode_id` of events outside every episode."""


CLOCK_COLUMNS = ("start_timestamp", "end_timestamp")
"""The clock times of `start_time` and `end_time`, when the run's scenario sets `start`."""


def episodes_schema(clock: pa.DataType | None = None) -> pa.Schema:
    """The episodes table's schema; with `clock` (the type of the events' `timestamp`), the
    clock times of each episode's start and end last."""
    fields = [
        pa.field("episode_id", pa.int64(), nullable=False),
        pa.field("kind", dictionary_type(), nullable=False),
        pa.field("start_time", pa.float64(), nullable=False),
        pa.field("end_time", pa.float64(), nullable=False),
        pa.field("entities", pa.list_(pa.int64()), nullable=False),
        pa.field("params", pa.string(), nullable=False),
    ]
    if clock is not None:
        fields += [pa.field(name, clock, nullable=False) for name in CLOCK_COLUMNS]
    return pa.schema(fields)


class EpisodeLog:
    """Ground truth of a run's rare-event episodes: kind, window, entities, parameters (and
    the clock times of start and end when the run has a `start`)."""

    SCHEMA = episodes_schema()

    def __init__(self, label_kinds: Sequence[str], start: datetime | None = None):
        self._start_us = None if start is None else epoch_microseconds(start)
        self._schema = episodes_schema(None if start is None else timestamp_type(start))
        self._kind_code = {kind: code for code, kind in enumerate(label_kinds)}
        self.kinds: list[str] = []
        self.kind_codes: list[int] = []
        self.start_times: list[Seconds] = []
        self.end_times: list[Seconds] = []
        self.params: list[dict[str, object]] = []
        self.entities: list[list[int]] = []

    def open(self, kind: str, start_time: Seconds, params: Mapping[str, object]) -> EpisodeId:
        """Start a new episode (its end defaults to its start) and return its id."""
        self.kinds.append(kind)
        self.kind_codes.append(self._kind_code[kind])
        self.start_times.append(start_time)
        self.end_times.append(start_time)
        self.params.append(dict(params))
        self.entities.append([])
        return len(self.kinds) - 1

    def open_scheduled(self, occurrences: Sequence[Occurrence]) -> None:
        """Open the scheduled episodes, whose ids must be 0, 1, 2, ... in order."""
        for occurrence in occurrences:
            episode_id = self.open(
                occurrence.kind, occurrence.at, occurrence.params.model_dump(mode="json")
            )
            assert episode_id == occurrence.episode_id, "scheduled episodes must come first"

    def start(self, episode_id: EpisodeId, start_time: Seconds) -> None:
        """Move the time an episode starts (a scripted incident that first acts after a delay)."""
        self.start_times[episode_id] = start_time

    def end(self, episode_id: EpisodeId, end_time: Seconds) -> None:
        """Set the time an episode ends."""
        self.end_times[episode_id] = end_time

    def resolve(self, episode_id: EpisodeId, **details: object) -> None:
        """Add what the model decided (victims, merchants, ...) to an episode's params."""
        self.params[episode_id].update(details)

    def touch(self, episode_id: EpisodeId, entity_id: int) -> None:
        """Record that an entity took part in (or was hit by) an episode."""
        self.entities[episode_id].append(entity_id)

    def __len__(self) -> int:
        return len(self.kinds)

    def table(self) -> pa.Table:
        """The episodes as an Arrow table (entities sorted and unique)."""
        kinds = pa.DictionaryArray.from_arrays(
            pa.array(self.kind_codes, pa.int32()),
            pa.array(list(self._kind_code), pa.string()),
        )
        entities = [np.unique(np.asarray(ids, dtype=np.int64)) for ids in self.entities]
        arrays = [
            pa.array(np.arange(len(self), dtype=np.int64)),
            kinds,
            pa.array(self.start_times, pa.float64()),
            pa.array(self.end_times, pa.float64()),
            pa.array(entities, pa.list_(pa.int64())),
            pa.array([json.dumps(p, sort_keys=True) for p in self.params], pa.string()),
        ]
        if self._start_us is not None:
            clock = self._schema.field(CLOCK_COLUMNS[0]).type
            for times in (self.start_times, self.end_times):
                arrays.append(pa.array(clock_micros(self._start_us, np.asarray(times)), clock))
        return pa.table(arrays, schema=self._schema)
