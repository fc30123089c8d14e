"""Temporal structure: what samplers of independent rows lose (gaps, bursts, rhythm, order)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simsynth.column_roles import ColumnRoles

from . import charts
from .section import Section
from .similarity import as_labels, burstiness, ks_complement, mean_of, numbers

WINDOWS = 200
"""The count series' window is the reference's median run span divided by this."""
LAGS = 10
"""Autocorrelation lags compared (1..LAGS windows)."""
MAX_TRANSITION_ROWS = 15


@dataclass(frozen=True)
class Timing:
    """One dataset's events reduced to what the temporal metrics need."""

    run: np.ndarray
    """Integer run code of each event."""
    time: np.ndarray
    entity: np.ndarray
    event_type: np.ndarray
    """Event types as text."""

    @classmethod
    def of(cls, events: pd.DataFrame) -> Timing:
        """Events sorted by run then time (stable), so that within-run order is kept."""
        run = (
            pd.factorize(events["run_id"], sort=True)[0]
            if "run_id" in events
            else np.zeros(len(events), np.int64)
        )
        frame = pd.DataFrame(
            {
                "run": run,
                "time": numbers(events["time"]),
                "entity": events["entity_id"].to_numpy(),
                "event_type": as_labels(events["event_type"]).to_numpy(),
            }
        ).sort_values(["run", "time"], kind="stable")
        return cls(*(frame[name].to_numpy() for name in ("run", "time", "entity", "event_type")))

    def world_gaps(self) -> np.ndarray:
        """Time between consecutive events of a run (never across runs), pooled over runs."""
        same_run = self.run[1:] == self.run[:-1]
        return np.diff(self.time)[same_run]

    def _by_entity(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.lexsort((self.time, self.entity, self.run))
        same = (self.run[order][1:] == self.run[order][:-1]) & (
            self.entity[order][1:] == self.entity[order][:-1]
        )
        return order, same

    def entity_gaps(self) -> np.ndarray:
        """Time between consecutive events of the same entity in a run, pooled."""
        order, same = self._by_entity()
        return np.diff(self.time[order])[same]

    def transitions(self) -> pd.DataFrame:
        """(from, to) event types of consecutive events of each entity in each run."""
        order, same = self._by_entity()
        types = self.event_type[order]
        return pd.DataFrame({"from": types[:-1][same], "to": types[1:][same]})

    def events_per_entity(self) -> np.ndarray:
        """Events of each (run, entity)."""
        return pd.DataFrame({"r": self.run, "e": self.entity}).value_counts().to_numpy()

    def median_span(self) -> float:
        """Median over runs of the time from a run's first to its last event."""
        spans = pd.Series(self.time).groupby(self.run).agg(lambda t: t.max() - t.min())
        return float(spans.median())

    def count_acf(self, window: float, lags: int = LAGS) -> np.ndarray:
        """Autocorrelation (lags 1..`lags`) of events per window, each run binned from its first
        event, averaged over runs weighted by their number of windows."""
        total, weight = np.zeros(lags), 0
        bounds = np.flatnonzero(np.diff(self.run)) + 1  # events are sorted by run
        for time in np.split(self.time, bounds):
            bins = np.floor((time - time.min()) / window).astype(np.int64)
            counts = np.bincount(bins).astype(np.float64)
            if len(counts) > lags + 1:
                total += len(counts) * autocorrelation(counts, lags)
                weight += len(counts)
        return total / weight if weight else np.full(lags, np.nan)


def autocorrelation(series: np.ndarray, lags: int) -> np.ndarray:
    """Sample autocorrelation at lags 1..`lags` (0 for a constant series)."""
    centred = series - series.mean()
    energy = float(centred @ centred)
    if energy == 0:
        return np.zeros(lags)
    return np.array([centred[:-k] @ centred[k:] / energy for k in range(1, lags + 1)])


def transition_similarity(reference: pd.DataFrame, candidate: pd.DataFrame) -> float:
    """Σ over reference source types a of P_r(a) · (1 - TV(P_r(·|a), P_c(·|a))): how alike the
    next event type is given the current one (0 for a source the candidate never leaves)."""
    if reference.empty:
        return math.nan
    rows_r = pd.crosstab(reference["from"], reference["to"])
    rows_c = pd.crosstab(candidate["from"], candidate["to"]) if len(candidate) else None
    weights = rows_r.sum(axis=1) / rows_r.to_numpy().sum()
    score = 0.0
    for source, weight in weights.items():
        if rows_c is None or source not in rows_c.index:
            continue
        p = rows_r.loc[source] / rows_r.loc[source].sum()
        q = rows_c.loc[source] / rows_c.loc[source].sum()
        p, q = p.align(q, fill_value=0.0)
        score += weight * (1.0 - 0.5 * float(np.abs(p - q).sum()))
    return score


def _transition_table(reference: pd.DataFrame, candidate: pd.DataFrame) -> pd.DataFrame:
    def probabilities(pairs: pd.DataFrame) -> pd.Series:
        counts = pairs.value_counts()
        return counts / counts.groupby(level="from").transform("sum")

    p, q = probabilities(reference).align(probabilities(candidate), fill_value=0.0)
    table = pd.DataFrame({"reference": p, "candidate": q}).assign(difference=(q - p).abs())
    table = table.sort_values("difference", ascending=False, kind="stable")
    return table.head(MAX_TRANSITION_ROWS).reset_index()


def _similarity_of(reference: float, candidate: float) -> float:
    """1 - |B_r - B_c| / 2 for burstiness values in [-1, 1]."""
    return 1.0 - abs(reference - candidate) / 2.0


def section(
    reference: pd.DataFrame, candidate: pd.DataFrame, roles: ColumnRoles, *, seed: int = 0
) -> Section:
    """Inter-event times, burstiness, rhythm of event counts, events per entity and event-type
    transitions of two events tables (deterministic: `seed` is unused)."""
    ref, cand = Timing.of(reference), Timing.of(candidate)
    gaps = {"reference": ref.world_gaps(), "candidate": cand.world_gaps()}
    entity_gaps = {"reference": ref.entity_gaps(), "candidate": cand.entity_gaps()}
    per_entity = {"reference": ref.events_per_entity(), "candidate": cand.events_per_entity()}
    span = ref.median_span()
    window = span / WINDOWS if span > 0 else math.nan
    acf = {
        name: timing.count_acf(window) if window > 0 else np.full(LAGS, np.nan)
        for name, timing in (("reference", ref), ("candidate", cand))
    }
    acf_gap = float(np.mean(np.abs(acf["reference"] - acf["candidate"])))
    bursts = {
        key: {n: burstiness(g[n]) for n in g}
        for key, g in (("events", gaps), ("entities", entity_gaps))
    }
    transitions = {"reference": ref.transitions(), "candidate": cand.transitions()}
    types = len(set(ref.event_type))
    summary: dict[str, Any] = {
        "inter_event_ks_complement": ks_complement(gaps["reference"], gaps["candidate"]),
        "entity_gap_ks_complement": ks_complement(
            entity_gaps["reference"], entity_gaps["candidate"]
        ),
        "acf_similarity": float(np.clip(1.0 - acf_gap, 0.0, 1.0))
        if not math.isnan(acf_gap)
        else None,
        "burstiness_similarity": mean_of(
            [_similarity_of(b["reference"], b["candidate"]) for b in bursts.values()]
        ),
        "events_per_entity_ks_complement": ks_complement(
            per_entity["reference"], per_entity["candidate"]
        ),
        "transition_similarity": transition_similarity(**transitions) if types > 1 else None,
    }
    summary["temporal_score"] = mean_of([v for v in summary.values() if v is not None])
    result = Section(
        name="temporal",
        title="Temporal structure",
        summary=summary,
        details={
            "window_seconds": window,
            "lags": list(range(1, LAGS + 1)),
            "acf": {name: values.tolist() for name, values in acf.items()},
            "burstiness": bursts,
            "mean_gap_seconds": {n: _mean(g) for n, g in gaps.items()},
            "zero_gap_share": {n: _mean(g == 0) for n, g in gaps.items()},
            "mean_entity_gap_seconds": {n: _mean(g) for n, g in entity_gaps.items()},
            "mean_events_per_entity": {n: _mean(c) for n, c in per_entity.items()},
        },
        tables=[("Burstiness B = (σ-μ)/(σ+μ) of gaps", _burstiness_table(bursts))],
        notes=_notes(window, types),
    )
    if types > 1:
        result.tables.append(
            ("Largest differences in P(next type | type)", _transition_table(**transitions))
        )
    result.figures += [
        (
            "gaps",
            lambda: charts.histogram_figure(
                gaps,
                xlabel="seconds between consecutive events of a run",
                log=True,
                title="Inter-event times",
            ),
        ),
        (
            "entity_gaps",
            lambda: charts.histogram_figure(
                entity_gaps,
                xlabel="seconds between consecutive events of an entity",
                log=True,
                title="Inter-event times per entity",
            ),
        ),
        (
            "acf",
            lambda: charts.lines_figure(
                np.arange(1, LAGS + 1),
                acf,
                xlabel=f"lag (windows of {window:.4g} s)",
                ylabel="autocorrelation",
                title="Autocorrelation of event counts per window",
            ),
        ),
        (
            "events_per_entity",
            lambda: charts.numbers_figure(
                *per_entity.values(), xlabel="events per entity and run", title="Events per entity"
            ),
        ),
    ]
    return result


def _mean(values: np.ndarray) -> float | None:
    return float(np.mean(values)) if len(values) else None


def _burstiness_table(bursts: dict[str, dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "gaps between": f"consecutive {key}" if key == "events" else "events of an entity",
                **values,
            }
            for key, values in bursts.items()
        ]
    )


def _notes(window: float, types: int) -> list[str]:
    notes = [
        "Gaps are taken within runs (never across two runs) and pooled; inter-event and "
        "per-entity gap distributions and events per (run, entity) are compared by KS "
        "complement (1 = same distribution).",
        f"Event counts per window of {window:.4g} s (the reference's median run span / "
        f"{WINDOWS}), each run binned from its first event; acf_similarity = 1 - mean |acf_r - "
        f"acf_c| over lags 1..{LAGS}, clipped to [0, 1]. Samplers of independent times lose "
        "this rhythm (and any bursts).",
        "Burstiness B is -1 for periodic events, 0 for a Poisson process, towards 1 for "
        "bursts; burstiness_similarity = 1 - |B_r - B_c|/2, averaged over the two kinds of gaps.",
        "transition_similarity: for each event type, how alike the distribution of the same "
        "entity's next event type is (1 - TV distance), weighted by the reference's frequency "
        "of that type.",
        "temporal_score: the mean of the scores above.",
    ]
    if types < 2:
        notes.append("The reference has one event type: transitions carry no information.")
    return notes
