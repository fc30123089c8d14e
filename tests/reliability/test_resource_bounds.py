"""A run's memory does not grow with its length: events stream to Parquet a row group at a
time, whatever the model (SimPy, numba, Mesa), and even a line overloaded for hours with
callers who never hang up holds a bounded queue (`queue_capacity`; the extra callers are
blocked). Measured as the peak RSS of a run in a subprocess, short against long."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

OVERLOADED = {
    "name": "overloaded",
    "model": "customers.contact_center",
    "seed": 3,
    "params": {"agents": 2, "arrival_rate": "20/s", "service_time": "1min"},
}
MEASURE = """
import resource, sys
import simsynth
manifest = simsynth.run(sys.argv[1], out=sys.argv[2])
print(manifest["counts"]["events"], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
SLACK_KIB = 40 * 1024
"""What the long run may hold beyond the short one (allocator noise); without the bound it
holds about 100,000 more waiting callers, several hundred MB."""


def peak_rss(tmp_path: Path, duration: str, scenario: dict = OVERLOADED) -> tuple[int, int]:
    """(events, peak RSS in KiB) of one run of `scenario` (default: the overloaded line)."""
    file = tmp_path / f"{duration}.yaml"
    file.write_text(yaml.safe_dump({**scenario, "duration": duration}))
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, file, tmp_path / duration],
        capture_output=True,
        text=True,
        check=True,
    )
    events, rss = done.stdout.split()
    return int(events), int(rss)


def test_an_overloaded_line_without_patience_runs_in_bounded_memory(tmp_path):
    short_events, short_rss = peak_rss(tmp_path, "30min")
    long_events, long_rss = peak_rss(tmp_path, "2h")
    assert long_events > 3.5 * short_events, "the long run did four times the work"
    assert long_rss < short_rss + SLACK_KIB, (short_rss, long_rss)


STREAMING = {
    "markets.order_flow": ("6h", "48h"),  # 0.47M against 3.8M events (numba kernel)
    "customers.card_network": ("30d", "240d"),  # 0.29M against 2.4M payments (Mesa agents)
}
"""Short and long runs, the short one past the warm-up (the book filling, habits forming)."""


@pytest.mark.parametrize("model", STREAMING)
def test_a_long_run_holds_no_more_than_a_short_one(tmp_path, model):
    """Eight times the events in the same memory: without streaming, the long run
    would hold its extra events at the end (some 50 bytes each in Arrow arrays: 105 MB more
    for the card network, 165 MB for the order flow)."""
    short, long = STREAMING[model]
    scenario = {"name": "streaming", "model": model, "seed": 4}
    short_events, short_rss = peak_rss(tmp_path, short, scenario)
    long_events, long_rss = peak_rss(tmp_path, long, scenario)
    assert long_events > 7 * short_events, "the long run did eight times the work"
    assert long_rss < short_rss + SLACK_KIB, (short_rss, long_rss)
