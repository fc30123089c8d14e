"""Every scenario shipped in scenarios/ is valid and runs into a dataset honouring the contract."""

from __future__ import annotations

import pytest

import simsynth
from simsynth.estimate import estimate_runs
from tests.conftest import SCENARIOS
from tests.contract import check_dataset


def test_there_are_scenarios_for_every_model_and_situation():
    names = {path.stem for path in SCENARIOS}
    assert {"contact_center_calm_day", "contact_center_outage", "contact_center_surge"} <= names
    assert {
        "card_normal_month",
        "card_testing_bursts",
        "card_merchant_compromise",
        "card_mixed_month",
    } <= names
    assert {
        "traffic_ring_calm",
        "traffic_grid_rush_hour_accident",
        "traffic_corridor_closure",
        "traffic_city_heavy_rain",
    } <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenario_runs(path, tmp_path):
    scenario = simsynth.load_scenario(path)
    manifest = simsynth.run(scenario, out=tmp_path / "out")
    check_dataset(tmp_path / "out")
    assert manifest["counts"]["events"] > 1000
    kinds = {incident.kind for incident in scenario.incidents}
    emergent = set(simsynth.registry.load(scenario.model).emergent_kinds)
    labelled = set(manifest["counts"]["positives"]) - emergent
    assert labelled == kinds, "each declared kind labels events"
    # the size `validate` announces is the right order of magnitude (docs: a factor of two)
    expected = estimate_runs(scenario)
    assert expected is not None, "every shipped model declares its cost"
    written = sum(f.stat().st_size for f in (tmp_path / "out").rglob("*.parquet"))
    assert 1 / 3 < expected.events / manifest["counts"]["events"] < 3
    assert 1 / 3 < expected.bytes / written < 3
