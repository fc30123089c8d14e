"""The core columns of an imported log, each read from the user's column as the mapping says:
time (and timestamp), runs, entities, event types, labels. Problems are collected per row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from simsynth.errors import shown
from simsynth.ingest.mapping import Mapping, TimeFormat
from simsynth.ingest.problems import DataProblems
from simsynth.sink import NORMAL

TRUE = frozenset({"1", "true", "t", "yes", "y"})
FALSE = frozenset({"0", "false", "f", "no", "n", ""})
UNIX_SCALE = {"unix_s": 1.0, "unix_ms": 1e-3}
EPOCH_RANGE = (-62_135_596_800.0, 253_402_300_800.0)
"""Unix seconds of the years 1 to 9999: times beyond are no dates (and overflow)."""


@dataclass(frozen=True)
class Times:
    """Seconds since the earliest row (or as given), and the wall-clock timestamps if known."""

    seconds: np.ndarray
    timestamp_us: np.ndarray | None
    timestamp_type: pa.DataType | None
    origin: str | float
    """The earliest time as written in the manifest."""


@dataclass(frozen=True)
class Codes:
    """int64 ids of a column's values, and the original value of each id when they were not
    integers already (ids given by first appearance in the file)."""

    ids: np.ndarray
    originals: dict[int, str] | None


def _shown(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "empty"
    return shown(value.item() if isinstance(value, np.generic) else value)


def _no_nulls(series: pd.Series, name: str, what: str, problems: DataProblems) -> np.ndarray:
    missing = series.isna().to_numpy()
    problems.rows(missing, lambda row: f"column '{name}': no {what} (empty)")
    return missing


def read_times(
    column: pa.ChunkedArray, name: str, form: TimeFormat, problems: DataProblems
) -> Times:
    """The time column in seconds, by its format."""
    series = column.to_pandas()
    missing = _no_nulls(series, name, "time", problems)
    if form == "iso":
        return _iso_times(column.type, series, name, missing, problems)
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = np.isnan(numbers) & ~missing
    problems.rows(bad, lambda row: f"column '{name}': {_shown(series.iloc[row])} is not a number")
    scale = UNIX_SCALE.get(form, 1.0)
    low, high = EPOCH_RANGE if form in UNIX_SCALE else (-np.inf, np.inf)
    with np.errstate(invalid="ignore"):
        seconds = numbers * scale
        out = ~np.isnan(numbers) & ~((seconds > low) & (seconds < high))
    what = "a date between the years 1 and 9999" if form in UNIX_SCALE else "a finite number"
    problems.rows(out, lambda row: f"column '{name}': {_shown(series.iloc[row])} is not {what}")
    if bad.any() or missing.any() or out.any():
        return Times(numbers, None, None, 0.0)
    if form == "seconds":
        return Times(numbers, None, None, 0.0)
    first = float(numbers.min())
    micros = np.round(seconds * 1e6).astype(np.int64)
    origin = pd.Timestamp(int(micros.min()), unit="us").isoformat()
    return Times((numbers - first) * scale, micros, pa.timestamp("us"), origin)


def _iso_times(
    kind: pa.DataType, series: pd.Series, name: str, missing: np.ndarray, problems: DataProblems
) -> Times:
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        stamps = pd.to_datetime(series)
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        try:
            stamps = pd.to_datetime(series, format="ISO8601", errors="coerce")
        except (ValueError, TypeError):  # mixed time zones: everything in UTC
            stamps = pd.to_datetime(series, format="ISO8601", errors="coerce", utc=True)
    else:
        problems.add(f"column '{name}': format iso needs text times, found {kind}")
        return Times(np.zeros(len(series)), None, None, 0.0)
    bad = stamps.isna().to_numpy() & ~missing
    problems.rows(
        bad, lambda row: f"column '{name}': {_shown(series.iloc[row])} is not an ISO 8601 time"
    )
    if bad.any() or missing.any():
        return Times(np.zeros(len(series)), None, None, 0.0)
    zone = stamps.dt.tz
    if zone is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    micros = stamps.to_numpy().astype("datetime64[us]").astype(np.int64)
    first = int(micros.min())
    origin = pd.Timestamp(first, unit="us", tz="UTC" if zone is not None else None).isoformat()
    kind_out = pa.timestamp("us", tz="UTC" if zone is not None else None)
    return Times((micros - first) / 1e6, micros, kind_out, origin)


def read_codes(column: pa.ChunkedArray, name: str, what: str, problems: DataProblems) -> Codes:
    """Integer ids of a column (its own values if non-negative integers, else codes by first
    appearance with the originals kept as text)."""
    series = column.to_pandas()
    missing = _no_nulls(series, name, what, problems)
    if missing.any():
        return Codes(np.zeros(len(series), dtype=np.int64), None)
    if pa.types.is_integer(column.type) and series.min() >= 0:
        return Codes(series.to_numpy(dtype=np.int64), None)
    codes, uniques = pd.factorize(series)
    return Codes(codes.astype(np.int64), {k: str(v) for k, v in enumerate(uniques)})


def read_event_types(data: pa.Table, mapping: Mapping, problems: DataProblems) -> np.ndarray:
    """The event type of every row, as text."""
    rule = mapping.event_type
    if rule.column is None:
        return np.full(data.num_rows, rule.value, dtype=object)
    series = data.column(rule.column).to_pandas()
    missing = _no_nulls(series, rule.column, "event type", problems)
    return np.where(missing, "", series.astype(str).to_numpy(dtype=object)).astype(object)


def read_labels(
    data: pa.Table, mapping: Mapping, problems: DataProblems
) -> tuple[np.ndarray, np.ndarray]:
    """`label` (int8) and `label_kind` (text) of every row; they must agree when both are
    mapped."""
    rows = data.num_rows
    if mapping.label_kind is None:
        if mapping.label is None:
            return np.zeros(rows, dtype=np.int8), np.full(rows, NORMAL, dtype=object)
        truth, _ = _truth(data.column(mapping.label.column), mapping.label.column, problems)
        return truth.astype(np.int8), np.where(truth, mapping.label.kind, NORMAL).astype(object)
    name = mapping.label_kind.column
    series = data.column(name).to_pandas()
    normal = (
        series.isna().to_numpy() | series.astype(str).isin(mapping.label_kind.normal).to_numpy()
    )
    kinds = np.where(normal, NORMAL, series.astype(str).to_numpy(dtype=object)).astype(object)
    if mapping.label is not None:
        label_name = mapping.label.column
        truth, parsed = _truth(data.column(label_name), label_name, problems)
        problems.rows(
            truth & normal,
            lambda row: (
                f"labels disagree: column '{label_name}' is positive but column '{name}' is "
                f"{_shown(series.iloc[row])}, which means normal"
            ),
        )
        problems.rows(
            parsed & ~truth & ~normal,
            lambda row: (
                f"labels disagree: column '{label_name}' is negative but column '{name}' is "
                f"{_shown(series.iloc[row])}"
            ),
        )
    return (~normal).astype(np.int8), kinds


def _truth(
    column: pa.ChunkedArray, name: str, problems: DataProblems
) -> tuple[np.ndarray, np.ndarray]:
    """Which rows a label column marks positive (a null is negative), and which it could
    read."""
    series = column.to_pandas()
    if pa.types.is_boolean(column.type):
        truth = series.fillna(False).to_numpy(dtype=bool)
        return truth, np.ones(len(truth), dtype=bool)
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        truth = series.fillna(0).to_numpy(dtype=float) != 0
        return truth, np.ones(len(truth), dtype=bool)
    text = series.fillna("").astype(str).str.strip().str.lower()
    true, false = text.isin(TRUE).to_numpy(), text.isin(FALSE).to_numpy()
    problems.rows(
        ~true & ~false,
        lambda row: f"column '{name}': {_shown(series.iloc[row])} is not a label (1/0, yes/no)",
    )
    return true, true | false
