"""Scheduling incidents: fixed times, Poisson streams, numbering by start time."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from simsynth.incidents import schedule
from simsynth.model import ParamsModel


@dataclass
class Entry:
    kind: str
    at: float | None = None
    rate: float | None = None
    params: ParamsModel = field(default_factory=ParamsModel)


def test_fixed_and_random_entries_are_numbered_by_start_time():
    entries = [Entry("b", at=50.0), Entry("a", rate=0.01), Entry("c", at=10.0)]
    occurrences = schedule(entries, 1000.0, np.random.default_rng(1))
    assert [o.episode_id for o in occurrences] == list(range(len(occurrences)))
    starts = [o.at for o in occurrences]
    assert starts == sorted(starts)
    assert {o.kind for o in occurrences if o.at in (10.0, 50.0)} == {"b", "c"}


def test_poisson_stream_has_the_configured_rate_and_uniform_times():
    duration, rate = 1000.0 * 86400, 0.2 / 86400
    occurrences = schedule([Entry("x", rate=rate)], duration, np.random.default_rng(2))
    expected = rate * duration  # 200 episodes, standard deviation ~14
    assert abs(len(occurrences) - expected) < 4 * np.sqrt(expected)
    times = np.array([o.at for o in occurrences]) / duration
    assert stats.kstest(times, "uniform").pvalue > 0.001
