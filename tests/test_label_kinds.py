"""`label_kind` (and an episode's `kind`) lists the kinds a dataset's scenario can produce:
`normal`, the incident kinds its incidents or its sweep grid schedule, then the model's emergent
kinds, in the model's order, the same in every run of a dataset."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from simsynth import registry
from simsynth.rare.build import build_training_set
from simsynth.rare.options import RareOptions
from simsynth.recorder import label_kinds_of
from simsynth.scenario import load_scenario
from simsynth.scenario.grid import scheduled_kinds
from simsynth.sweep.sweep import run_sweep
from tests.conftest import SMALL_CONTACT_CENTER

SURGE = {"kind": "call_surge", "rate": "1/h", "params": {"duration": "10min", "multiplier": 2}}
OUTAGE = {"kind": "outage", "at": "30min", "params": {"duration": "20min", "share": 0.5}}
ONE_SURGE = {"kind": "call_surge", "at": "1h", "params": {"duration": "10min", "multiplier": 2}}


def scenario_file(tmp_path: Path, **changes: object) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump({**SMALL_CONTACT_CENTER, **changes}))
    return path


def dictionaries(directory: Path, table: str, column: str) -> set[tuple[str, ...]]:
    """The distinct dictionaries of `column` over a table's part files that have rows (Parquet
    keeps no dictionary for an empty column)."""
    found = set()
    for part in sorted((directory / table).rglob("*.parquet")):
        values = pq.read_table(part, columns=[column]).column(column).combine_chunks()
        if len(values):
            found.add(tuple(values.dictionary.to_pylist()))
    return found


def test_a_run_lists_only_its_scenarios_kinds(tmp_path: Path):
    import simsynth

    out = tmp_path / "surges"
    simsynth.run(scenario_file(tmp_path, incidents=[SURGE]), out=out)
    events = pd.read_parquet(out / "events")
    episodes = pd.read_parquet(out / "episodes")
    assert list(events["label_kind"].cat.categories) == ["normal", "call_surge"]
    assert list(episodes["kind"].cat.categories) == ["normal", "call_surge"]
    assert (events["label_kind"] == "call_surge").any(), "the kind does occur"


def test_kinds_keep_the_models_order_and_emergent_kinds_are_always_listed():
    contact_center = registry.load("customers.contact_center")
    assert label_kinds_of(contact_center, {"call_surge", "outage"}) == [
        "normal",
        "outage",
        "call_surge",
    ]
    assert label_kinds_of(contact_center) == ["normal", *contact_center.incident_kinds]
    roads = registry.load("traffic.road_network")
    assert label_kinds_of(roads, set()) == ["normal", "near_miss"]


@pytest.mark.parametrize(
    ("grid", "kinds"),
    [
        ({"incidents.0.kind": ["outage", "call_surge"]}, {"outage", "call_surge"}),
        ({"incidents.0": [OUTAGE, SURGE]}, {"outage", "call_surge"}),
        ({"incidents": [[SURGE], []]}, {"outage", "call_surge"}),
        ({"incidents.0.at": ["10min", "20min"]}, {"outage"}),
    ],
)
def test_the_kinds_a_sweep_grid_schedules_count(tmp_path: Path, grid: dict, kinds: set[str]):
    path = scenario_file(tmp_path, incidents=[{"kind": "outage", "at": "1h"}], sweep={"grid": grid})
    assert scheduled_kinds(load_scenario(path)) == kinds


def test_every_run_of_a_sweep_shares_one_dictionary_of_kinds(tmp_path: Path):
    """The outage run lists call surges and the surge run outages: the runs' schemas are
    one."""
    out = tmp_path / "sweep"
    grid = {"incidents.0": [OUTAGE, ONE_SURGE]}
    path = scenario_file(tmp_path, incidents=[OUTAGE], sweep={"grid": grid})
    run_sweep(load_scenario(path), out)
    assert dictionaries(out, "events", "label_kind") == {("normal", "outage", "call_surge")}
    assert dictionaries(out, "episodes", "kind") == {("normal", "outage", "call_surge")}
    episodes = pd.read_parquet(out / "episodes")
    assert list(episodes["kind"].cat.categories) == ["normal", "outage", "call_surge"]
    events = pd.read_parquet(out / "events")
    assert list(events["label_kind"].cat.categories) == ["normal", "outage", "call_surge"]
    assert set(events.loc[events["label"] == 1, "label_kind"].astype(str)) == {
        "outage",
        "call_surge",
    }


def test_a_training_sets_samples_list_only_the_scenarios_kinds(tmp_path: Path):
    out = tmp_path / "set"
    options = RareOptions(runs=3, unit="window", by="world", window=600.0)
    build_training_set(load_scenario(scenario_file(tmp_path, incidents=[SURGE])), out, options)
    for table in ("events", "windows"):
        frame = pd.read_parquet(out / table)
        assert list(frame["label_kind"].cat.categories) == ["normal", "call_surge"], table
