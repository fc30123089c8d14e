"""Registry-wide conformance (as Gymnasium does for its envs): every registered model runs,
writes a dataset that honours the contract, and gives identical bytes for the same seed.

A new model gets these tests for free; it only has to have valid defaults.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

import simsynth
from simsynth import registry
from simsynth.errors import UnknownModelError
from simsynth.model import SimModel
from tests.contract import check_dataset

MODELS = sorted(registry.entries())


def smoke_scenario(key: str) -> dict:
    """Defaults of the model, one hour, every incident kind once (with its defaults)."""
    model = registry.load(key)
    incidents = [
        {"kind": kind, "at": f"{600 + 300 * index}s"}
        for index, kind in enumerate(model.incident_kinds)
    ]
    return {"name": "smoke", "model": key, "seed": 3, "duration": "1h", "incidents": incidents}


def run_smoke(key: str, out: Path, seed: int = 3) -> dict:
    scenario = out.parent / f"{out.name}.yaml"
    scenario.write_text(yaml.safe_dump({**smoke_scenario(key), "seed": seed}))
    return simsynth.run(scenario, out=out)


@pytest.mark.parametrize("key", MODELS)
def test_model_declares_its_shape(key):
    model = registry.load(key)
    assert issubclass(model, SimModel) and model.key == key
    domain, _, name = key.partition(".")
    assert domain and name and model.summary
    assert model.event_types and len(set(model.event_types)) == len(model.event_types)
    core = {"event_id", "time", "event_type", "entity_id", "label", "label_kind", "episode_id"}
    assert not core & {column.name for column in model.columns}
    assert all(column.doc for column in model.columns)
    assert "normal" not in model.incident_kinds
    assert not set(model.emergent_kinds) & {"normal", *model.incident_kinds}


@pytest.mark.parametrize("key", MODELS)
def test_model_writes_a_dataset_that_honours_the_contract(key, tmp_path):
    manifest = run_smoke(key, tmp_path / "a")
    check_dataset(tmp_path / "a")
    assert manifest["counts"]["events"] > 0
    model = registry.load(key)
    episodes = pd.read_parquet(tmp_path / "a" / "episodes")
    injected = episodes[~episodes["kind"].isin(list(model.emergent_kinds))]
    assert sorted(injected["kind"].astype(str)) == sorted(model.incident_kinds)
    assert manifest["counts"]["episodes"] == len(episodes)


@pytest.mark.parametrize("key", MODELS)
def test_model_is_deterministic_per_seed(key, tmp_path):
    run_smoke(key, tmp_path / "a")
    run_smoke(key, tmp_path / "b")
    run_smoke(key, tmp_path / "c", seed=4)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.parquet"))
    for file in files:
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
    events = "events/run_id=0/part-0.parquet"
    assert (tmp_path / "a" / events).read_bytes() != (tmp_path / "c" / events).read_bytes()


def test_unknown_model_suggests_the_closest():
    with pytest.raises(UnknownModelError, match=r"did you mean 'customers\.contact_center'"):
        registry.load("customers.contact_centre")


def test_third_party_models_register_through_entry_points(monkeypatch):
    from importlib.metadata import EntryPoint

    plugin = EntryPoint(
        name="tests.echo",
        value="simsynth.models.customers.contact_center.model:ContactCenter",
        group=registry.ENTRY_POINT_GROUP,
    )
    monkeypatch.setattr(registry, "entry_points", lambda group: [plugin])
    registry.entries.cache_clear()
    try:
        assert "tests.echo" in registry.entries()
        assert "customers.contact_center" in registry.entries()
    finally:
        registry.entries.cache_clear()


@pytest.mark.parametrize("key", MODELS)
def test_output_does_not_depend_on_how_the_run_is_chunked(key, tmp_path, monkeypatch):
    from simsynth import runner

    run_smoke(key, tmp_path / "fine")
    monkeypatch.setattr(runner, "PROGRESS_STEPS", 7)
    run_smoke(key, tmp_path / "coarse")
    for file in sorted((tmp_path / "fine").rglob("*.parquet")):
        twin = tmp_path / "coarse" / file.relative_to(tmp_path / "fine")
        assert file.read_bytes() == twin.read_bytes(), file.name
