"""A user's log as the runs of a dataset: core columns from the mapping, rows sorted by time
(stably) within each run, event ids 0, 1, ..., episodes from the episode column (or one per
positive row), kept columns with text as dictionary columns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from simsynth.contract_tables import (
    LABEL_COLUMNS,
    EpisodeClock,
    dictionary_array,
    episode_ids_per_positive,
    episodes_table,
    label_kinds,
)
from simsynth.ingest.columns import (
    Codes,
    Times,
    read_codes,
    read_event_types,
    read_labels,
    read_times,
)
from simsynth.ingest.mapping import Mapping, MappingError
from simsynth.ingest.problems import DataProblems
from simsynth.scenario.schema import MAX_RUNS
from simsynth.scenario.source import Source
from simsynth.sink import core_fields

SMALL_RUN_ROWS = 10
"""Fewer rows per run than this on average is worth a note: the run column may be an id."""
RESERVED = ("event_id", "time", "event_type", "entity_id", *LABEL_COLUMNS, "timestamp", "run_id")
"""Columns simsynth writes itself: never kept from the data under these names."""


@dataclass(frozen=True)
class ImportedRun:
    run_id: int
    events: pa.Table
    episodes: pa.Table
    entities: pa.Table | None
    source: str | None
    """The run's value in the data's run column, if it was not an integer."""


@dataclass(frozen=True)
class Rows:
    """The core columns of every row of the data, in file order."""

    times: Times
    entities: Codes
    event_types: np.ndarray
    label: np.ndarray
    kinds: np.ndarray
    episodes: pd.Series | None
    """The episode key of each row as text (None where none), if the data has episodes."""


@dataclass(frozen=True)
class Imported:
    runs: list[ImportedRun]
    kept: list[str]
    ignored: list[str]
    time_origin: str | float
    notes: list[str]
    """What the user should know about the result (e.g. runs of a row or two)."""


def check_columns(data: pa.Table, mapping: Mapping, source: Source, file: str) -> list[str]:
    """The columns to keep; `MappingError` if the mapping names columns the data lacks."""
    present = data.column_names
    shown = ", ".join(present)
    problems = [
        source.problem(key, f"column '{column}' is not in {file} (columns: {shown})")
        for key, column in mapping.used().items()
        if column not in present
    ]
    if mapping.columns is None:
        used = set(mapping.used().values())
        kept = [c for c in present if c not in used and c not in RESERVED]
    else:
        kept = list(mapping.columns)
        for index, column in enumerate(kept):
            if column not in present:
                message = f"column '{column}' is not in {file} (columns: {shown})"
                problems.append(source.problem(("columns", index), message))
            elif column in RESERVED:
                message = f"'{column}' is a column simsynth writes itself; leave it out"
                problems.append(source.problem(("columns", index), message))
    if problems:
        raise MappingError(problems)
    return kept


def convert(data: pa.Table, mapping: Mapping, source: Source, file: str) -> Imported:
    """The runs of the dataset `data` becomes; `MappingError` or `ImportDataError` (a line per
    problem, every row checked) if it cannot."""
    kept = check_columns(data, mapping, source, file)
    problems = DataProblems(file)
    times = read_times(
        data.column(mapping.time.column), mapping.time.column, mapping.time.format, problems
    )
    runs = _codes(data, mapping.run.column if mapping.run else None, "run", problems)
    entities = read_codes(
        data.column(mapping.entity_id.column), mapping.entity_id.column, "entity", problems
    )
    _check_run_count(runs, mapping, problems)
    event_types = read_event_types(data, mapping, problems)
    label, kinds = read_labels(data, mapping, problems)
    episodes = _episode_keys(data, mapping, label, kinds, runs.ids, problems)
    problems.raise_if_any()
    core = Rows(times, entities, event_types, label, kinds, episodes)
    order = np.lexsort((times.seconds, runs.ids))
    categories = {
        "event_type": sorted(set(event_types)),
        "label_kind": label_kinds(kinds),
    }
    extra = {name: _kept_column(data.column(name)) for name in kept}
    imported = []
    run_ids, starts = np.unique(runs.ids[order], return_index=True)  # `order` sorts by run
    for run_id, rows in zip(run_ids, np.split(order, starts[1:]), strict=True):
        imported.append(
            ImportedRun(
                int(run_id),
                *_run_tables(rows, core, categories, extra, mapping),
                runs.originals[int(run_id)] if runs.originals else None,
            )
        )
    ignored = [c for c in data.column_names if c in RESERVED and c not in mapping.used().values()]
    ignored = ignored if mapping.columns is None else []
    return Imported(imported, kept, ignored, times.origin, _notes(imported, mapping))


def _check_run_count(runs: Codes, mapping: Mapping, problems: DataProblems) -> None:
    count = len(np.unique(runs.ids))
    if mapping.run is not None and count > MAX_RUNS:
        problems.add(
            f"column '{mapping.run.column}' has {count:,} values, each a run; a dataset holds at "
            f"most {MAX_RUNS:,} runs (a run is a whole log: a day, a site, a batch)"
        )


def _notes(runs: list[ImportedRun], mapping: Mapping) -> list[str]:
    rows = sum(run.events.num_rows for run in runs)
    if mapping.run is None or rows >= SMALL_RUN_ROWS * len(runs):
        return []
    return [
        f"column '{mapping.run.column}' makes {len(runs):,} runs of {rows / len(runs):.3g} row(s) "
        "on average, each written as files of its own; a run is a whole log (a day, a site, "
        "a batch): is it the column you meant?"
    ]


def _codes(data: pa.Table, column: str | None, what: str, problems: DataProblems) -> Codes:
    if column is None:
        return Codes(np.zeros(data.num_rows, dtype=np.int64), None)
    return read_codes(data.column(column), column, what, problems)


def _episode_keys(
    data: pa.Table,
    mapping: Mapping,
    label: np.ndarray,
    kinds: np.ndarray,
    runs: np.ndarray,
    problems: DataProblems,
) -> pd.Series | None:
    """The episode of each positive row as given (text), None where the mapping has none;
    every positive row must have one and every episode one kind."""
    if mapping.episode_id is None:
        return None
    name = mapping.episode_id.column
    column = data.column(name)
    series = column.to_pandas()
    none = series.isna().to_numpy().copy()
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        none |= series.to_numpy(dtype=float, na_value=np.nan) == -1
    positive = label == 1
    problems.rows(positive & none, lambda row: f"column '{name}': a positive row has no episode")
    keys = pd.Series(np.where(none, None, series.astype(str).to_numpy(dtype=object)))
    frame = pd.DataFrame({"run": runs, "key": keys, "kind": kinds})[positive & ~none]
    for (_, key), found in frame.groupby(["run", "key"], sort=True)["kind"]:
        if found.nunique() > 1:
            several = ", ".join(sorted(set(found)))
            problems.add(f"column '{name}': episode '{key}' has rows of several kinds ({several})")
    return keys


def _kept_column(column: pa.ChunkedArray) -> pa.Array:
    """A kept column, text as a dictionary<int32, string> column of sorted categories."""
    values = column.combine_chunks()
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        text = values.to_numpy(zero_copy_only=False)
        return dictionary_array(text, sorted({v for v in text if v is not None}))
    return values


def _run_tables(
    rows: np.ndarray,
    core: Rows,
    categories: dict[str, list[str]],
    extra: dict[str, pa.Array],
    mapping: Mapping,
) -> tuple[pa.Table, pa.Table, pa.Table | None]:
    """Events, episodes and entities of one run (its `rows` in time order)."""
    times, entities, event_types, label, kinds = (
        core.times,
        core.entities,
        core.event_types,
        core.label,
        core.kinds,
    )
    time = times.seconds[rows]
    entity = entities.ids[rows]
    run_label = label[rows]
    episode_id, episode_table = _run_episodes(rows, core, categories["label_kind"], mapping)
    arrays: list[pa.Array] = [
        pa.array(np.arange(len(rows), dtype=np.int64)),
        pa.array(time, pa.float64()),
        dictionary_array(event_types[rows], categories["event_type"]),
        pa.array(entity, pa.int64()),
        pa.array(run_label, pa.int8()),
        dictionary_array(kinds[rows], categories["label_kind"]),
        pa.array(episode_id, pa.int64()),
    ]
    fields = core_fields(times.timestamp_type)
    if times.timestamp_us is not None:
        arrays.append(pa.array(times.timestamp_us[rows], pa.int64()).cast(times.timestamp_type))
    taken = pa.array(rows)
    for name, values in extra.items():
        arrays.append(values.take(taken))
        fields.append(pa.field(name, values.type))
    events = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    table = None
    if entities.originals is not None:
        acting = np.unique(entity)
        table = pa.table(
            {
                "entity_id": pa.array(acting, pa.int64()),
                mapping.entity_id.column: pa.array(
                    [entities.originals[int(e)] for e in acting], pa.string()
                ),
            }
        )
    return events, episode_table, table


def _run_episodes(
    rows: np.ndarray, core: Rows, categories: list[str], mapping: Mapping
) -> tuple[np.ndarray, pa.Table]:
    """The episode ids of a run's `rows` and its episodes: one per positive row, or one per
    key of the mapping's `episode_id` column (with clock times when the rows have them)."""
    times = core.times
    time, entity, label = times.seconds[rows], core.entities.ids[rows], core.label[rows]
    micros = None if times.timestamp_us is None else times.timestamp_us[rows]
    kind = times.timestamp_type
    if core.episodes is None:
        positive = label == 1
        episodes = episodes_table(
            core.kinds[rows][positive],
            time[positive],
            time[positive],
            [[e] for e in entity[positive]],
            [{}] * int(positive.sum()),
            categories,
            _clock(kind, micros, positive, positive),
        )
        return episode_ids_per_positive(label), episodes
    assert mapping.episode_id is not None
    return _grouped_episodes(
        core.episodes.to_numpy()[rows],
        label,
        core.kinds[rows],
        time,
        entity,
        mapping.episode_id.column,
        categories,
        None if micros is None or kind is None else (kind, micros),
    )


def _grouped_episodes(
    keys: np.ndarray,
    label: np.ndarray,
    kinds: np.ndarray,
    time: np.ndarray,
    entity: np.ndarray,
    column: str,
    categories: list[str],
    timestamps: tuple[pa.DataType, np.ndarray] | None = None,
) -> tuple[np.ndarray, pa.Table]:
    """Episode ids 0, 1, ... by first appearance of the positive rows' keys, and the episodes:
    kind, first and last time (and clock time, given the rows' `timestamps` and their type),
    acting entities, the original key as params."""
    positive = label == 1
    codes, uniques = pd.factorize(pd.Series(keys[positive], dtype=object))
    episode_id = np.full(len(label), -1, dtype=np.int64)
    episode_id[positive] = codes
    frame = pd.DataFrame(
        {"code": codes, "time": time[positive], "entity": entity[positive], "kind": kinds[positive]}
    )
    if timestamps is not None:
        frame["micros"] = timestamps[1][positive]
    grouped = frame.groupby("code", sort=True)
    clock = None
    if timestamps is not None:
        micros = grouped["micros"]
        clock = EpisodeClock(timestamps[0], micros.min().to_numpy(), micros.max().to_numpy())
    return episode_id, episodes_table(
        grouped["kind"].first().tolist(),
        grouped["time"].min().to_numpy(),
        grouped["time"].max().to_numpy(),
        grouped["entity"].unique().tolist(),
        [{column: str(key)} for key in uniques],
        categories,
        clock,
    )


def _clock(
    kind: pa.DataType | None, micros: np.ndarray | None, first: np.ndarray, last: np.ndarray
) -> EpisodeClock | None:
    """The clock of episodes starting at rows `first` and ending at rows `last` (masks or
    indices into `micros`, a run's timestamps of type `kind`); None without timestamps."""
    if kind is None or micros is None:
        return None
    return EpisodeClock(kind, micros[first], micros[last])
