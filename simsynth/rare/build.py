"""Building a rare-event training set: collect runs, survey their samples, sample, write.

The set is a dataset (DESIGN §3) whose `events` carry two more columns, `split` and `weight`;
at the `window` and `sequence` units a `windows` or `sequences` table holds one row per sample
(with the same two columns) and the events behind the kept samples name theirs. Episodes (and
entities) of every run are copied whole: they are the ground truth.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simsynth.column_roles import ColumnRoles
from simsynth.contract_tables import write_partition
from simsynth.dataset import DatasetWriter
from simsynth.runner import package_versions
from simsynth.scenario import Scenario
from simsynth.scenario.grid import scenario_at
from simsynth.seeding import RunSeeds, scenario_rng
from simsynth.stores import partition_file
from simsynth.sweep.executors import ExecutorName, Outcome
from simsynth.sweep.staging import RunRecord, SweepStaging

from . import samples as units
from .collect import RunCollector
from .options import SPLITS, RareOptions
from .sampling import NegativePlan, negatives_wanted, plan_negatives, sample_rows, weights_of
from .splits import OUTSIDE, TimeCuts, assign_runs
from .twin_runs import run_twins

COPIED_TABLES = ("episodes", "entities")


@dataclass
class RunSurvey:
    """One run's candidate samples, counted: positives per kind and negatives per split."""

    positives: Counter[str] = field(default_factory=Counter)
    negatives: int = 0


@dataclass
class RunWritten:
    """What one run put in the set, and (with twins) its incidents' footprint before sampling."""

    events: int
    positives: Counter[str]
    affected_events: int = 0
    affected_entities: int = 0


@dataclass
class SplitTally:
    samples: int = 0
    positives: Counter[str] = field(default_factory=Counter)
    weighted_negatives: float = 0.0
    runs: set[int] = field(default_factory=set)

    def describe(self) -> dict[str, Any]:
        positives = sum(self.positives.values())
        weighted = positives + self.weighted_negatives
        return {
            "runs": len(self.runs),
            "samples": self.samples,
            "positives": positives,
            "positives_by_kind": dict(sorted(self.positives.items())),
            "prevalence": positives / self.samples if self.samples else 0.0,
            "weighted_prevalence": positives / weighted if weighted else 0.0,
        }


class TrainingSetBuilder:
    """Turns collected runs into samples of one unit, with splits and weights."""

    def __init__(
        self,
        scenario: Scenario,
        data: Path,
        options: RareOptions,
        records: list[RunRecord],
        twins: Path | None = None,
    ):
        self.scenario = scenario
        self.data = data
        self.options = options
        self.records = {int(record["run_id"]): record for record in records}
        self.twins = twins
        self.split_of_run: dict[int, str] = {}
        if options.split_by == "run":
            dealer = scenario_rng(scenario.seed, "rare-split")
            self.split_of_run = assign_runs(sorted(self.records), options.split, dealer)
        self.event_types: list[str] = []
        self.numeric: list[str] = []
        self.tile = options.lead

    # -- reading -------------------------------------------------------------------------
    def events(self, run_id: int) -> pd.DataFrame:
        frame = pd.read_parquet(partition_file(self.data, "events", run_id))
        return frame.sort_values("event_id", kind="stable").reset_index(drop=True)

    def episodes(self, run_id: int) -> pd.DataFrame:
        return pd.read_parquet(partition_file(self.data, "episodes", run_id))

    def duration(self, run_id: int) -> float:
        return scenario_at(self.scenario, self.records[run_id].get("values") or {}).duration

    # -- samples -------------------------------------------------------------------------
    def prepare(self) -> None:
        """What every run's samples share: the event types and numeric columns of windows,
        the length of negative sequences (each read only for its unit)."""
        if self.options.unit == "window":
            types: set[str] = set()
            for run_id in self.records:
                events = pd.read_parquet(
                    partition_file(self.data, "events", run_id), columns=["event_type"]
                )
                types.update(events["event_type"].astype(str).unique())
            self.event_types = sorted(types)
            schema = pq.read_schema(partition_file(self.data, "events", min(self.records)))
            self.numeric = list(ColumnRoles.of(schema.empty_table().to_pandas()).numeric)
        elif self.options.unit == "sequence":
            lengths: list[float] = []
            for run_id in self.records:
                episodes = self.episodes(run_id)
                lengths.extend((episodes["end_time"] - episodes["start_time"]).tolist())
            self.tile = units.tile_length(lengths, self.options.lead)

    def candidates(self, run_id: int, events: pd.DataFrame) -> units.Candidates:
        options = self.options
        if options.unit == "event":
            return units.event_samples(events)
        if options.unit == "window":
            return units.window_samples(
                events,
                width=options.window,
                duration=self.duration(run_id),
                by=options.by,
                event_types=self.event_types,
                numeric=self.numeric,
            )
        spans = units.positive_spans(
            events, self.episodes(run_id), lead=options.lead, by=options.by
        )
        return units.sequence_samples(events, spans, tile=self.tile, by=options.by)

    def split_codes(self, run_id: int, table: pd.DataFrame) -> np.ndarray:
        """Each sample's split index (OUTSIDE: in a gap or across a cut)."""
        if self.options.split_by == "run":
            return np.full(len(table), SPLITS.index(self.split_of_run[run_id]), np.int64)
        cuts = TimeCuts(self.duration(run_id), self.options.split, self.options.gap)
        return cuts.codes(table["start_time"].to_numpy(), table["end_time"].to_numpy())

    def survey(self, run_id: int) -> RunSurvey:
        table = self.candidates(run_id, self.events(run_id)).table
        inside = self.split_codes(run_id, table) != OUTSIDE
        labels = table["label"].to_numpy()[inside]
        kinds = table["label_kind"].astype(str).to_numpy()[inside][labels != 0]
        return RunSurvey(Counter(kinds.tolist()), int(np.sum(labels == 0)))

    # -- writing -------------------------------------------------------------------------
    def write_run(
        self, run_id: int, root: Path, plan: NegativePlan, tallies: dict[str, SplitTally]
    ) -> RunWritten:
        """Write one run's kept samples (and their events) under `root`."""
        events = self.events(run_id)
        like = pq.read_schema(partition_file(self.data, "events", run_id))
        footprint = (0, 0)
        if self.twins is not None:
            events = self._with_affected(run_id, events)
            affected = events["role"] == "affected"
            footprint = (int(affected.sum()), int(events.loc[affected, "entity_id"].nunique()))
        found = self.candidates(run_id, events)
        table = found.table
        codes = self.split_codes(run_id, table)
        inside = np.flatnonzero(codes != OUTSIDE)
        rng = RunSeeds(self.scenario.seed, run_id).rng("rare-negatives")
        keep, _ = sample_rows(table["label"].to_numpy()[inside], plan.per_run.get(run_id, 0), rng)
        rows = inside[keep]
        kept = table.iloc[rows].reset_index(drop=True)
        kept["split"] = pd.Categorical.from_codes(codes[rows], categories=list(SPLITS))
        kept["weight"] = weights_of(kept["label"].to_numpy(), plan.weight)
        self._tally(run_id, kept, tallies)
        if found.id_column is None:
            written = kept.drop(columns=["start_time", "end_time"])
        else:
            _write(root, f"{self.options.unit}s", run_id, kept, like)
            written = self._events_of(events, found, kept, rows)
        _write(root, "events", run_id, written, like)
        for table_name in COPIED_TABLES:
            source = partition_file(self.data, table_name, run_id)
            if source.exists():
                destination = partition_file(root, table_name, run_id)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)
        positive = written["label"].to_numpy() != 0
        kinds = Counter(written["label_kind"].astype(str).to_numpy()[positive].tolist())
        return RunWritten(len(written), kinds, *footprint)

    def _events_of(
        self, events: pd.DataFrame, found: units.Candidates, kept: pd.DataFrame, rows: np.ndarray
    ) -> pd.DataFrame:
        """The events behind the kept samples, with their sample's id, split and weight."""
        position = np.full(len(found.table), -1, np.int64)
        position[rows] = np.arange(len(rows))
        owner = np.where(found.of_event >= 0, position[np.maximum(found.of_event, 0)], -1)
        mask = owner >= 0
        chosen = events[mask].reset_index(drop=True)
        index = owner[mask]
        assert found.id_column is not None
        chosen[found.id_column] = kept[found.id_column].to_numpy()[index]
        chosen["split"] = kept["split"].to_numpy()[index]
        chosen["split"] = pd.Categorical(chosen["split"], categories=list(SPLITS))
        chosen["weight"] = kept["weight"].to_numpy()[index]
        return chosen

    def _with_affected(self, run_id: int, events: pd.DataFrame) -> pd.DataFrame:
        from .twins import mark_affected

        assert self.twins is not None
        twin_path = partition_file(self.twins, "events", run_id)
        if not twin_path.exists():
            return mark_affected(events, events)
        twin = pd.read_parquet(twin_path).sort_values("event_id", kind="stable")
        return mark_affected(events, twin.reset_index(drop=True))

    @staticmethod
    def _tally(run_id: int, kept: pd.DataFrame, tallies: dict[str, SplitTally]) -> None:
        labels = kept["label"].to_numpy()
        for name, rows in kept.groupby("split", observed=True).indices.items():
            tally = tallies[str(name)]
            tally.runs.add(run_id)
            tally.samples += len(rows)
            positive = labels[rows] != 0
            tally.positives.update(kept["label_kind"].astype(str).to_numpy()[rows][positive])
            tally.weighted_negatives += float(kept["weight"].to_numpy()[rows][~positive].sum())


def _write(root: Path, table: str, run_id: int, frame: pd.DataFrame, like: pa.Schema) -> None:
    """Write a run's part of `table`, with the types of the same columns in `like` (the
    events as the run wrote them) and int32 dictionary indices, as the sink writes them."""
    data = pa.Table.from_pandas(frame.drop(columns="run_id", errors="ignore"), preserve_index=False)
    fields = []
    for found in data.schema:
        kind = like.field(found.name).type if found.name in like.names else found.type
        if pa.types.is_dictionary(kind):
            kind = pa.dictionary(pa.int32(), kind.value_type)
        fields.append(pa.field(found.name, kind))
    write_partition(root, table, run_id, data.cast(pa.schema(fields)))


def build_training_set(
    scenario: Scenario,
    target: Path,
    options: RareOptions,
    *,
    workers: int = 1,
    executor: ExecutorName = "local",
    address: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    on_planned: Callable[[int, int], None] | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> dict[str, Any]:
    """Run `scenario` until the options' target is met and write its training set at `target`;
    return the manifest. Runs are staged next to `target` until the set is written, so an
    interrupted build resumes with `resume`."""
    started = time.perf_counter()
    staging = SweepStaging.for_target(target)
    with DatasetWriter(target, overwrite=overwrite) as writer:
        assert writer.root is not None
        collector = RunCollector(
            scenario,
            staging,
            options,
            workers=workers,
            executor=executor,
            address=address,
            on_planned=on_planned,
            on_outcome=on_outcome,
        )
        records = collector.collect(resume=resume)
        twins = None
        if options.twins:
            twins = run_twins(
                scenario, records, staging, workers=workers, executor=executor, address=address
            )
        builder = TrainingSetBuilder(scenario, staging.data, options, records, twins)
        builder.prepare()
        surveys = {run_id: builder.survey(run_id) for run_id in builder.records}
        positives: Counter[str] = sum((s.positives for s in surveys.values()), Counter())
        available = {run_id: s.negatives for run_id, s in surveys.items()}
        keep = negatives_wanted(
            sum(positives.values()), sum(available.values()), options.prevalence
        )
        plan = plan_negatives(available, keep, scenario_rng(scenario.seed, "rare-negatives"))
        tallies = {name: SplitTally() for name in SPLITS}
        written = {
            run_id: builder.write_run(run_id, writer.root, plan, tallies)
            for run_id in sorted(builder.records)
        }
        manifest = _manifest(
            scenario,
            options,
            records,
            builder,
            positives,
            plan,
            tallies,
            written,
            collector,
            started,
        )
        manifest = writer.commit(manifest)
    staging.remove()
    return manifest


def _manifest(
    scenario: Scenario,
    options: RareOptions,
    records: list[RunRecord],
    builder: TrainingSetBuilder,
    positives: Counter[str],
    plan: NegativePlan,
    tallies: dict[str, SplitTally],
    written: dict[int, RunWritten],
    collector: RunCollector,
    started: float,
) -> dict[str, Any]:
    total_positives = sum(positives.values())
    natural_total = total_positives + plan.available
    kept_total = total_positives + plan.kept
    episodes: Counter[str] = sum((Counter(r["episodes_by_kind"]) for r in records), Counter())
    positives_written: Counter[str] = sum((run.positives for run in written.values()), Counter())
    runs = [
        {
            "run_id": record["run_id"],
            "seed": record["seed"],
            "values": record["values"],
            "split": builder.split_of_run.get(int(record["run_id"]), "by time"),
            "simulated": record["counts"],
            "episodes_by_kind": record["episodes_by_kind"],
            **_written_entry(written[int(record["run_id"])], options.twins),
        }
        for record in records
    ]
    return {
        "scenario": scenario.model_dump(mode="json"),
        "seed": scenario.seed,
        "runs": runs,
        "counts": {
            "events": sum(run.events for run in written.values()),
            "episodes": sum(episodes.values()),
            "positives": dict(sorted(positives_written.items())),
        },
        "training_set": {
            "options": options.describe(),
            "unit": options.unit,
            "samples": kept_total,
            "episodes_by_kind": dict(sorted(episodes.items())),
            "runs_simulated": len(collector.records),
            "runs_set_by": collector.runs_set_by(len(records)).describe(),
            "natural_prevalence": total_positives / natural_total if natural_total else 0.0,
            "natural_prevalence_by_kind": {
                kind: count / natural_total for kind, count in sorted(positives.items())
            },
            "achieved_prevalence": total_positives / kept_total if kept_total else 0.0,
            "negatives": {"available": plan.available, "kept": plan.kept, "weight": plan.weight},
            "sequence_length_s": builder.tile if options.unit == "sequence" else None,
            "splits": {name: tally.describe() for name, tally in tallies.items()},
            "twins": {
                "runs": len(list(builder.twins.glob("events/run_id=*"))),
                "affected_events": sum(run.affected_events for run in written.values()),
                "affected_entities": sum(run.affected_entities for run in written.values()),
            }
            if builder.twins is not None
            else None,
        },
        "versions": package_versions(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_time_s": round(time.perf_counter() - started, 3),
    }


def _written_entry(written: RunWritten, twins: bool) -> dict[str, int]:
    """A run's manifest figures of what it put in the set (and its footprint, with twins)."""
    entry = {"events_written": written.events}
    if twins:
        entry |= {
            "affected_events": written.affected_events,
            "affected_entities": written.affected_entities,
        }
    return entry
