"""Replay reads what older writers of the same format left: no entities or auxiliary tables, a
manifest with only the keys the format has always had, and datasets of several runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from simsynth.dataset import read_manifest
from simsynth.figures import run_scenario
from simsynth.runner import run
from simsynth.scenario.schema import Sweep
from simsynth.sweep.sweep import run_sweep
from simsynth.view.panels import TIMELINE, model_panels
from simsynth.view.source import ReplaySource
from tests.view.runs import scenario

ALWAYS_IN_MANIFEST = ("format", "scenario", "seed", "runs", "counts", "status", "files")
"""Manifest keys every version of the format wrote (DESIGN §3)."""
OPTIONAL_TABLES = ("entities", "metrics", "trajectories", "plots")


def strip_to_the_oldest_format(root: Path) -> None:
    """Delete what later versions added: optional tables (and their files' entries) and
    manifest keys."""
    for optional in OPTIONAL_TABLES:
        shutil.rmtree(root / optional, ignore_errors=True)
    manifest = json.loads((root / "manifest.json").read_text())
    kept = {key: manifest[key] for key in ALWAYS_IN_MANIFEST if key in manifest}
    kept["files"] = {
        name: entry
        for name, entry in kept["files"].items()
        if name.split("/")[0] not in OPTIONAL_TABLES
    }
    (root / "manifest.json").write_text(json.dumps(kept))


@pytest.mark.parametrize(
    ("name", "duration"),
    [
        ("market_order_flow_spoofing", 4200.0),
        ("traffic_grid_rush_hour_accident", 1900.0),
        ("card_testing_bursts", 86400.0),
    ],
)
def test_every_panel_draws_a_dataset_without_optional_parts(name, duration, tmp_path):
    root = tmp_path / name
    run(scenario(name, duration), out=root)
    strip_to_the_oldest_format(root)
    manifest = read_manifest(root)
    source = ReplaySource(root, 0, manifest["scenario"])
    panels = [TIMELINE, *model_panels(source)]
    assert len(panels) >= 2
    for panel in panels:
        for now in (0.0, duration / 2, duration):
            figure = panel.draw(source, now)
            assert figure.axes, panel.title


def test_any_run_of_a_dataset_can_be_replayed(tmp_path):
    """A dataset of two runs (as a sweep writes them): each run's source reads its own files."""
    root = tmp_path / "two-runs"
    run(scenario("intersection_signal_failure", 1800.0), out=root)
    for table in ("events", "episodes"):
        shutil.copytree(root / table / "run_id=0", root / table / "run_id=1")
    (root / "events" / "run_id=0" / "part-0.parquet").unlink()
    manifest = read_manifest(root, verify=False)  # files moved by hand: not what was written
    second = ReplaySource(root, 1, manifest["scenario"])
    assert len(second.events()) == manifest["counts"]["events"]
    with pytest.raises(KeyError, match="events"):
        ReplaySource(root, 0, manifest["scenario"]).events()


def test_each_run_of_a_sweep_is_shown_with_its_own_grid_values(tmp_path, cli):
    """Panels and `simsynth plot` see the params a run ran with, not the sweep's base ones."""
    base = scenario("contact_center_outage", 7200.0)
    swept = base.model_copy(update={"sweep": Sweep(runs=1, grid={"params.agents": [20, 30]})})
    root = tmp_path / "sweep"
    manifest = run_sweep(swept, root).manifest
    agents = [
        ReplaySource(root, run["run_id"], run_scenario(manifest, run)).params.agents
        for run in manifest["runs"]
    ]
    assert agents == [20, 30]
    result = cli("plot", root)
    assert result.exit_code == 0
    assert {p.name for p in (root / "plots").glob("*-run1.png")} >= {"timeline-run1.png"}
