"""A run's memory does not grow with its length, even on a line overloaded for hours with
callers who never hang up: the waiting places are bounded (`queue_capacity`) and the extra
callers are blocked. Measured as the peak RSS of a run in a subprocess, short against long."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
SLACK_KIB = 60 * 1024
"""What the long run may hold beyond the short one (allocator noise); without the bound it
holds about 100,000 more waiting callers, several hundred MB."""


def peak_rss(tmp_path: Path, duration: str) -> tuple[int, int]:
    """(events, peak RSS in KiB) of one run of the overloaded line."""
    file = tmp_path / f"{duration}.yaml"
    file.write_text(yaml.safe_dump({**OVERLOADED, "duration": duration}))
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
