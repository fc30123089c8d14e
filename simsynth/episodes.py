"""Ground truth of a run's rare-event episodes (the `episodes` table of DESIGN §3).

Scheduled incidents are opened first, so their episode ids are their schedule order; a model
may open further episodes it detects itself (e.g. a near miss), extend their windows and record
the entities each one touched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa

from simsynth.incidents import EpisodeId, Occurrence
from simsynth.model import dictionary_type
from simsynth.units import Seconds

NO_EPISODE = -1
"""The `episode_id` of events outside every episode."""


class EpisodeLog:
    """Ground truth of a run's rare-event episodes: kind, window, entities, parameters."""

    SCHEMA = pa.schema(
        [
            pa.field("episode_id", pa.int64(), nullable=False),
            pa.field("kind", dictionary_type(), nullable=False),
            pa.field("start_time", pa.float64(), nullable=False),
            pa.field("end_time", pa.float64(), nullable=False),
            pa.field("entities", pa.list_(pa.int64()), nullable=False),
            pa.field("params", pa.string(), nullable=False),
        ]
    )

    def __init__(self, label_kinds: Sequence[str]):
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
        return pa.table(
            [
                pa.array(np.arange(len(self), dtype=np.int64)),
                kinds,
                pa.array(self.start_times, pa.float64()),
                pa.array(self.end_times, pa.float64()),
                pa.array(entities, pa.list_(pa.int64())),
                pa.array([json.dumps(p, sort_keys=True) for p in self.params], pa.string()),
            ],
            schema=self.SCHEMA,
        )
