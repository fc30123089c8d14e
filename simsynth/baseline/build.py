"""`simsynth baseline`: fit a distribution sampler to a dataset and write a sample of it as a
dataset of the same contract, so that every other command (plot, view, evaluate) reads it.

i.i.d. samplers cannot make episodes: every positive row of a baseline is an episode of its
own (start = end = its time, entities = its entity). The output has the input's runs (each with
as many rows as it had, or `rows`), columns and column types; bookkeeping columns of training
sets (`split`, `weight`, ...) are left out, `timestamp` is kept (start + time).
"""

from __future__ import annotations

import time as clock
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from simsynth.baseline.model import METHODS, Baseline, Method, fit_baseline, fitted_columns
from simsynth.clock import clock_micros
from simsynth.contract_tables import (
    EpisodeClock,
    dictionary_array,
    episode_ids_per_positive,
    episodes_table,
    run_counts,
    total_counts,
    write_partition,
)
from simsynth.dataset import DatasetWriter, check_output, read_manifest, read_table, reading
from simsynth.errors import SimsynthError
from simsynth.runner import package_versions
from simsynth.seeding import RunSeeds, scenario_rng
from simsynth.sink import NORMAL

CORE = ("event_id", "time", "event_type", "entity_id", "label", "label_kind", "episode_id")
EPISODES_NOTE = (
    "i.i.d. samplers cannot make episodes: each positive event is an episode of its own "
    "(start = end = its time, entities = [its entity_id], params {})"
)


class BaselineError(SimsynthError):
    """Bad input to `simsynth baseline` (method, rows, an empty dataset)."""


def default_out(dataset: Path, method: str) -> Path:
    """`DATASET-<method>`, next to the dataset."""
    dataset = Path(dataset)
    return dataset.with_name(f"{dataset.name}-{method}")


def write_baseline(
    dataset: Path,
    method: str,
    *,
    out: Path | None = None,
    rows: int | None = None,
    seed: int = 0,
    overwrite: bool = False,
    verify: bool = True,
) -> dict[str, Any]:
    """Fit a `method` baseline (marginals or copula) to `dataset` and write its sample at `out`
    (default `DATASET-<method>`); return the manifest. `rows` replaces each run's row count;
    the output is the same, byte for byte, for the same `seed`."""
    started = clock.perf_counter()
    if method not in METHODS:
        raise BaselineError(f"--method: {method!r} is not one of: {', '.join(METHODS)}")
    if rows is not None and rows < 1:
        raise BaselineError(f"--rows: {rows} is not allowed (at least 1 row per run)")
    target = Path(out) if out is not None else default_out(dataset, method)
    check_output(target, overwrite=overwrite, inputs=[Path(dataset)])
    source = read_manifest(dataset, verify=verify)
    events = read_table(dataset, "events", verify=False)
    if not len(events):
        raise BaselineError(f"{dataset}: the dataset has no events to fit")
    with reading(dataset):
        schema = ds.dataset(Path(dataset) / "events", format="parquet", partitioning="hive").schema
    integers = {f.name for f in schema if pa.types.is_integer(f.type)}
    baseline = fit_baseline(events, integers, method, scenario_rng(seed, "baseline-fit"))  # type: ignore[arg-type]
    output = output_schema(schema, events)
    with DatasetWriter(target, overwrite=overwrite, inputs=[Path(dataset)]) as writer:
        assert writer.root is not None
        runs = []
        for run_id, run in events.groupby("run_id", observed=True, sort=True):
            count = rows if rows is not None else len(run)
            drawn = baseline.sample_run(count, RunSeeds(seed, int(run_id)))
            table, episodes = run_tables(drawn, output, _categories(events), _start_us(run))
            write_partition(writer.root, "events", int(run_id), table)
            write_partition(writer.root, "episodes", int(run_id), episodes)
            runs.append(
                {
                    "run_id": int(run_id),
                    **_run_values(source, int(run_id)),
                    "counts": run_counts(table, episodes),
                }
            )
        manifest = _manifest(source, dataset, baseline, runs, schema, output, seed, rows)
        manifest["wall_time_s"] = round(clock.perf_counter() - started, 3)
        return writer.commit(manifest)


def output_schema(schema: pa.Schema, events: pd.DataFrame) -> pa.Schema:
    """The input's events schema without `run_id` and the columns a baseline does not draw."""
    _, drawn = fitted_columns(events)
    kept = set(CORE) | set(drawn) | {"timestamp"}
    fields = [field for field in schema if field.name in kept]
    metadata = {**(schema.metadata or {}), b"simsynth.baseline": b"true"}
    return pa.schema(fields, metadata=metadata)


def run_tables(
    drawn: dict[str, np.ndarray],
    schema: pa.Schema,
    categories: dict[str, list[str]],
    start_us: int | None,
) -> tuple[pa.Table, pa.Table]:
    """The events and episodes tables of one sampled run."""
    kinds = drawn["label_kind"]
    label = (kinds != NORMAL).astype(np.int8)
    rows = len(label)
    drawn = drawn | {
        "event_id": np.arange(rows, dtype=np.int64),
        "label": label,
        "episode_id": episode_ids_per_positive(label),
    }
    if start_us is not None:
        drawn["timestamp"] = clock_micros(start_us, drawn["time"])
    arrays = [_arrow(drawn[f.name], f.type, categories.get(f.name)) for f in schema]
    events = pa.Table.from_arrays(arrays, schema=schema)
    positive = label == 1
    clock = None
    if start_us is not None:
        micros = drawn["timestamp"][positive]
        clock = EpisodeClock(schema.field("timestamp").type, micros, micros)
    episodes = episodes_table(
        kinds[positive],
        drawn["time"][positive],
        drawn["time"][positive],
        [[entity] for entity in drawn["entity_id"][positive]],
        [{}] * int(positive.sum()),
        categories["label_kind"],
        clock,
    )
    return events, episodes


def _arrow(values: np.ndarray, kind: pa.DataType, categories: list[str] | None) -> pa.Array:
    if pa.types.is_dictionary(kind):
        assert categories is not None
        return dictionary_array(values, categories).cast(kind)
    if pa.types.is_timestamp(kind):
        return pa.array(values.astype(np.int64), pa.int64()).cast(kind)
    if pa.types.is_integer(kind):
        missing = pd.isna(values)
        filled = np.where(missing, 0, values).astype(np.int64)
        return pa.array(filled, pa.int64(), mask=missing).cast(kind)
    return pa.array(values, kind, from_pandas=True)


def _categories(events: pd.DataFrame) -> dict[str, list[str]]:
    """The categories of each dictionary column, in the input's order."""
    return {
        name: [str(c) for c in events[name].cat.categories]
        for name in events.columns
        if isinstance(events[name].dtype, pd.CategoricalDtype)
    }


def _start_us(run: pd.DataFrame) -> int | None:
    """Microseconds since the epoch of a run's time 0, if its events have a `timestamp`."""
    if "timestamp" not in run.columns:
        return None
    first = pd.Timestamp(run["timestamp"].iloc[0])
    return int(first.value // 1000) - round(float(run["time"].iloc[0]) * 1e6)


def _run_values(source: dict[str, Any], run_id: int) -> dict[str, Any]:
    """The grid values of a run of a sweep (so that `plot` draws it with its params)."""
    for run in source.get("runs", []):
        if run.get("run_id") == run_id and run.get("values"):
            return {"values": run["values"]}
    return {}


def _manifest(
    source: dict[str, Any],
    dataset: Path,
    baseline: Baseline,
    runs: list[dict[str, Any]],
    schema: pa.Schema,
    output: pa.Schema,
    seed: int,
    rows: int | None,
) -> dict[str, Any]:
    scenario = source.get("scenario")
    name = scenario.get("name") if isinstance(scenario, dict) else source.get("name")
    found: dict[str, Any] = {"scenario": scenario} if scenario is not None else {}
    return found | {
        "seed": seed,
        "runs": runs,
        "counts": total_counts(run["counts"] for run in runs),
        "baseline": {
            "method": baseline.method,
            "seed": seed,
            "source": {"path": str(dataset), "scenario": name},
            "rows_per_run": rows if rows is not None else "as in the source",
            "strata": ["event_type", "label_kind"],
            "episodes": EPISODES_NOTE,
            "dropped_columns": [
                f.name for f in schema if f.name not in output.names and f.name != "run_id"
            ],
            "fits": baseline.describe(),
        },
        "versions": package_versions() | _scipy_version(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _scipy_version() -> dict[str, str]:
    import scipy

    return {"scipy": scipy.__version__}


__all__ = ["BaselineError", "Method", "default_out", "write_baseline"]
