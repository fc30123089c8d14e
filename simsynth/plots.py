"""Figures written into a dataset's `plots/` when a scenario sets `output.plots: true`.

The timeline shows events per time bin, the labeled ones on their own scale, and each
episode's window in a lane of its kind: the first thing to look at when checking that
incidents landed where they should.
Events are read in record batches, so memory stays bounded whatever the run's length.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pyarrow.parquet as pq

from simsynth.dataset import reading
from simsynth.units import Seconds, format_seconds

BINS = 200
PNG_METADATA = {"Software": None}  # keep the bytes identical across matplotlib builds


def event_histogram(
    events_file: Path, duration: Seconds, bins: int = BINS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bin edges, all-event counts and labeled-event counts of one run's events file."""
    edges = np.linspace(0.0, duration, bins + 1)
    total = np.zeros(bins, np.int64)
    labeled = np.zeros(bins, np.int64)
    for batch in pq.ParquetFile(events_file).iter_batches(columns=["time", "label"]):
        time = batch.column("time").to_numpy()
        label = batch.column("label").to_numpy()
        total += np.histogram(time, edges)[0]
        labeled += np.histogram(time[label == 1], edges)[0]
    return edges, total, labeled


def timeline(events_file: Path, episodes_file: Path, duration: Seconds, path: Path) -> None:
    """Write a PNG: events over time, labeled events on their own scale, episode windows below."""
    with reading(events_file):
        edges, total, labeled = event_histogram(events_file, duration)
    with reading(episodes_file):
        episodes = pq.read_table(episodes_file, columns=["kind", "start_time", "end_time"])
    kinds = sorted(set(episodes.column("kind").to_pylist()))
    hours = edges / 3600.0
    figure, (top, lanes) = plt.subplots(
        2,
        1,
        figsize=(10, 4 + 0.25 * len(kinds)),
        dpi=100,
        sharex=True,
        gridspec_kw={"height_ratios": [3, 0.6 + 0.4 * len(kinds)]},
    )
    top.stairs(total, hours, fill=True, color="#9ab", label="all events")
    top.set_ylabel(f"events per {format_seconds(duration / len(total))}")
    labeled_axis = top.twinx()
    labeled_axis.stairs(labeled, hours, color="#d62", lw=1.2, label="labeled events")
    labeled_axis.set_ylabel("labeled events", color="#d62")
    top.set_title("events over time (labeled events on the right-hand scale)")
    colors = dict(zip(kinds, plt.get_cmap("tab10").colors, strict=False))
    for kind, start, end in zip(
        *(episodes.column(c).to_pylist() for c in episodes.column_names), strict=True
    ):
        lane = kinds.index(kind)
        width = max((end - start) / 3600.0, hours[-1] / 400)
        lanes.broken_barh([(start / 3600.0, width)], (lane - 0.35, 0.7), color=colors[kind])
    lanes.set_yticks(range(len(kinds)), kinds)
    lanes.set_ylim(-0.6, max(len(kinds), 1) - 0.4)
    lanes.set_xlabel("simulated time (h)")
    lanes.set_xlim(0, hours[-1])
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, metadata=PNG_METADATA)
    plt.close(figure)
