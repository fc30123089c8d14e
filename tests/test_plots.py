"""`output.plots: true` adds a timeline figure to the dataset, listed in the manifest."""

from __future__ import annotations

import numpy as np
import pandas as pd

import simsynth
from simsynth.plots import event_histogram
from tests.conftest import SMALL_CONTACT_CENTER
from tests.contract import check_dataset

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_plots_are_written_listed_and_reproducible(write_scenario, tmp_path):
    path = write_scenario({**SMALL_CONTACT_CENTER, "output": {"plots": True}})
    first = simsynth.run(path, out=tmp_path / "a")
    simsynth.run(path, out=tmp_path / "b")
    check_dataset(tmp_path / "a")
    assert "plots/timeline-run0.png" in first["files"]
    png = (tmp_path / "a" / "plots" / "timeline-run0.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    assert png == (tmp_path / "b" / "plots" / "timeline-run0.png").read_bytes()


def test_no_plots_unless_asked(write_scenario, tmp_path):
    simsynth.run(write_scenario(), out=tmp_path / "a")
    assert not (tmp_path / "a" / "plots").exists()


def test_histogram_counts_every_event_and_every_labeled_one(write_scenario, tmp_path):
    simsynth.run(write_scenario(), out=tmp_path / "a")
    events_file = tmp_path / "a" / "events" / "run_id=0" / "part-0.parquet"
    edges, total, labeled = event_histogram(events_file, 7200.0, bins=12)
    frame = pd.read_parquet(events_file)
    assert total.sum() == len(frame) and labeled.sum() == frame["label"].sum()
    in_first_bin = frame["time"] < edges[1]
    assert total[0] == in_first_bin.sum()
    assert labeled[0] == (in_first_bin & (frame["label"] == 1)).sum()
    assert np.allclose(edges, np.linspace(0, 7200, 13))
