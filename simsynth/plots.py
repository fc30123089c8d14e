"""Figures written into a dataset's `plots/` when a scenario sets `output.plots: true`.

The timeline shows events per time bin, the labeled ones on top, with each episode's window
shaded: the first thing to look at when checking that incidents landed where they should.
Events are read in record batches, so memory stays bounded whatever the run's length.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pyarrow.parquet as pq

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
    """Write a PNG of events over time with labeled events and episode windows highlighted."""
    edges, total, labeled = event_histogram(events_file, duration)
    episodes = pq.read_table(episodes_file, columns=["kind", "start_time", "end_time"])
    hours = edges / 3600.0
    figure, axes = plt.subplots(figsize=(10, 3.5), dpi=100)
    axes.stairs(total, hours, fill=True, color="#9ab", label="all events")
    axes.stairs(labeled, hours, fill=True, color="#d62", label="labeled events")
    kinds = sorted(set(episodes.column("kind").to_pylist()))
    colors = dict(zip(kinds, plt.get_cmap("tab10").colors, strict=False))
    for kind, start, end in zip(
        *(episodes.column(c).to_pylist() for c in episodes.column_names), strict=True
    ):
        axes.axvspan(start / 3600.0, end / 3600.0, color=colors[kind], alpha=0.15, lw=0)
    axes.set_xlabel("simulated time (h)")
    axes.set_ylabel(f"events per {format_seconds(duration / len(total))}")
    axes.set_xlim(0, hours[-1])
    axes.legend(loc="upper right", frameon=False)
    axes.set_title(f"events over time; shaded: episode windows ({', '.join(kinds) or 'none'})")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, metadata=PNG_METADATA)
    plt.close(figure)
