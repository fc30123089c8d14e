"""Everything one run records, in the partition layout of DESIGN §3.

A `RunRecorder` owns the run's event sink and episode log and writes, into its store (a
dataset partition, see `simsynth.stores`), `events/run_id=K/part-0.parquet`,
`episodes/run_id=K/part-0.parquet` and, for models that describe their entities,
`entities/run_id=K/part-0.parquet`, plus one `NAME/run_id=K/part-0.parquet` per auxiliary
table the model declares (`SimModel.tables`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

from simsynth.episodes import EpisodeLog
from simsynth.incidents import Occurrence
from simsynth.model import Column, SimModel
from simsynth.sink import DEFAULT_ROWS_PER_FLUSH, NORMAL, EventSink, parquet_options
from simsynth.stores import RunStore
from simsynth.tables import TableWriter


@dataclass
class RunCounts:
    """What a finished run wrote."""

    events: int
    episodes: int
    positives: dict[str, int] = field(default_factory=dict)


def label_kinds_of(model: type[SimModel], scheduled: Iterable[str] | None = None) -> list[str]:
    """The categories of a run's `label_kind` (and episode `kind`): `normal`, the model's
    incident kinds in `scheduled` (all of them if None), then its emergent kinds, each list in
    the model's order."""
    wanted = set(model.incident_kinds if scheduled is None else scheduled)
    return [NORMAL, *(k for k in model.incident_kinds if k in wanted), *model.emergent_kinds]


class RunRecorder:
    """The event sink and episode log of one run of one model."""

    def __init__(
        self,
        store: RunStore,
        model: type[SimModel],
        occurrences: Sequence[Occurrence],
        columns: Sequence[Column],
        *,
        scheduled: Iterable[str] | None = None,
        start: datetime | None = None,
        rows_per_flush: int = DEFAULT_ROWS_PER_FLUSH,
    ):
        """`scheduled`: the incident kinds any run of the dataset can schedule (default every
        kind of the model), which the label kinds list (see `label_kinds_of`)."""
        self.store = store
        label_kinds = label_kinds_of(model, scheduled)
        self.episodes = EpisodeLog(label_kinds, start)
        self.episodes.open_scheduled(occurrences)
        self.events = EventSink(
            store.destination("events"),
            event_types=model.event_types,
            columns=columns,
            episodes=self.episodes,
            label_kinds=label_kinds,
            start=start,
            rows_per_flush=rows_per_flush,
            metadata={"simsynth.model": model.key},
        )
        self.tables = {
            name: TableWriter(store.destination(name), columns, {"simsynth.model": model.key})
            for name, columns in model.tables.items()
        }

    def flush(self) -> None:
        """Write out everything buffered so far (the live view reads its store as it goes)."""
        self.events.sync()
        for table in self.tables.values():
            table.flush()

    def close(self, entities: pa.Table | None = None) -> RunCounts:
        """Finish the events file, write episodes (and entities, if any); return the counts."""
        events = self.events.close()
        for table in self.tables.values():
            table.close()
        self._write("episodes", self.episodes.table())
        if entities is not None:
            self._write("entities", entities)
        positives = dict(sorted(self.events.positives.items()))
        return RunCounts(events=events, episodes=len(self.episodes), positives=positives)

    def abort(self) -> None:
        """The run failed: release the events file (the dataset writer deletes it)."""
        self.events.abort()
        for table in self.tables.values():
            table.abort()

    def _write(self, table: str, data: pa.Table) -> None:
        self.store.write(table, data, parquet_options(data.schema))
