"""Temporal metrics on constructed event streams: bursts with a rhythm, order of event types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simsynth.column_roles import ColumnRoles
from simsynth.evaluate import temporal

from .constructed import events

SPAN = 100_000.0


def bursty(seed: int, bursts: int = 1000, size: int = 10) -> pd.DataFrame:
    """Bursts of `size` events 2 s apart on average, each by one entity, whose starts follow a
    daily-like cycle (10 periods over the span): bursty gaps and a rhythm in counts."""
    rng = np.random.default_rng(seed)
    starts = []
    while len(starts) < bursts:  # rejection sampling from 1 + sin(2π t / (SPAN / 10))
        t = rng.uniform(0, SPAN)
        if rng.uniform(0, 2) < 1 + np.sin(2 * np.pi * t / (SPAN / 10)):
            starts.append(t)
    times = np.concatenate([s + np.cumsum(rng.exponential(2.0, size)) for s in starts])
    entities = np.repeat(rng.integers(0, 100, bursts), size)
    order = np.argsort(times, kind="stable")
    return events(times[order], entity=entities[order], value=rng.normal(size=len(times)))


def _summary(reference: pd.DataFrame, candidate: pd.DataFrame) -> dict:
    return temporal.section(reference, candidate, ColumnRoles.of(reference)).summary


def test_identical_streams_score_one() -> None:
    reference = bursty(0)
    summary = _summary(reference, reference.copy())
    for key, value in summary.items():
        if value is not None:
            assert value == pytest.approx(1.0), key
    assert summary["transition_similarity"] is None  # one event type


def test_independent_uniform_times_lose_bursts_and_rhythm() -> None:
    reference = bursty(0)
    same_process = _summary(reference, bursty(1))
    shuffled = reference.copy()
    rng = np.random.default_rng(2)
    shuffled["time"] = rng.uniform(0, SPAN, len(reference))  # i.i.d. uniform times, any row
    broken = _summary(reference, shuffled)
    details = temporal.section(reference, shuffled, ColumnRoles.of(reference)).details
    for gaps in ("events", "entities"):
        assert details["burstiness"][gaps]["reference"] > 0.5
        assert details["burstiness"][gaps]["candidate"] == pytest.approx(0.0, abs=0.1)
    assert details["acf"]["reference"][0] > 0.5  # the cycle spans 20 windows
    for key in (
        "acf_similarity",
        "burstiness_similarity",
        "inter_event_ks_complement",
        "entity_gap_ks_complement",
    ):
        assert same_process[key] > 0.85, key
        assert broken[key] < same_process[key] - 0.2, key
    # events per entity are untouched by shuffling times
    assert broken["events_per_entity_ks_complement"] == pytest.approx(1.0)


def alternating(seed: int, entities: int = 60, length: int = 20) -> pd.DataFrame:
    """Each entity alternates A, B, A, B, ... at random times."""
    rng = np.random.default_rng(seed)
    times = rng.uniform(0, 1000, (entities, length))
    times.sort(axis=1)
    types = np.tile(np.array(["A", "B"] * (length // 2)), entities)
    entity = np.repeat(np.arange(entities), length)
    order = np.argsort(times.ravel(), kind="stable")
    return events(times.ravel()[order], entity=entity[order], event_type=types[order])


def test_shuffled_event_types_lose_the_transition_structure() -> None:
    reference = alternating(0)
    assert _summary(reference, alternating(1))["transition_similarity"] == pytest.approx(1.0)
    shuffled = reference.copy()
    shuffled["event_type"] = shuffled["event_type"].sample(frac=1, random_state=0).to_numpy()
    # P(next | A) is B for sure in the reference, A or B at even odds once shuffled: TV 0.5
    summary = _summary(reference, shuffled)
    assert summary["transition_similarity"] == pytest.approx(0.5, abs=0.06)


def test_events_per_entity_compares_activity_shares() -> None:
    rng = np.random.default_rng(3)
    times = np.sort(rng.uniform(0, 1000, 1000))
    even = events(times, entity=np.repeat(np.arange(100), 10)[rng.permutation(1000)])
    uneven = events(times, entity=rng.integers(0, 100, 1000))  # counts ~ Poisson(10)
    # KS of "always 10" against Poisson(10): P(N <= 9) ≈ 0.46
    assert _summary(even, uneven)["events_per_entity_ks_complement"] == pytest.approx(
        0.54, abs=0.12
    )


def test_gaps_never_cross_runs() -> None:
    first = events(np.array([0.0, 1.0, 2.0]), run=0)
    second = events(np.array([100.0, 101.0, 102.0]), run=1)
    timing = temporal.Timing.of(pd.concat([first, second], ignore_index=True))
    assert timing.world_gaps().tolist() == [1.0, 1.0, 1.0, 1.0]
