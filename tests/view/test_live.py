"""The live run behind `simsynth view SCENARIO`: what it shows is what `run` writes, stepped."""

from __future__ import annotations

from pathlib import Path

import mesa
import pandas as pd
import pytest

import simsynth
from simsynth import registry
from simsynth.scenario import Scenario
from simsynth.view.components import ALL, filter_events
from simsynth.view.live import DEFAULT_STEPS, LiveSimPyRun, live_model_class, start_live
from simsynth.view.source import ReplaySource
from tests.view.runs import scenario

SMALL = {
    "customers.contact_center": ("contact_center_outage", 86400.0),
    "customers.card_network": ("card_testing_bursts", 86400.0),
    "markets.order_flow": ("market_order_flow_spoofing", 3600.0),
    "markets.traders": ("market_traders_flash_crash", 1800.0),
    "traffic.road_network": ("traffic_ring_calm", 600.0),
    "traffic.intersection": ("intersection_signal_failure", 1800.0),
}


def small_scenario(model_key: str) -> Scenario:
    return scenario(*SMALL[model_key])


@pytest.mark.parametrize("model_key", sorted(SMALL))
def test_a_live_run_stepped_to_the_end_shows_what_run_writes(model_key: str, tmp_path: Path):
    scenario = small_scenario(model_key)
    live = start_live(scenario, steps=20)
    assert live.live.source.events().empty  # read before anything happened, as a page does
    halfway = None
    while live.running:
        live.step()
        live.live.source.events()  # read after every step, as a page does
        if live.live.steps_done == 10:
            halfway = live.live.source.events()
    shown = live.live.source.events()
    root = tmp_path / "dataset"
    manifest = simsynth.run(scenario, out=root)
    written = ReplaySource(root, 0, manifest["scenario"]).events()
    pd.testing.assert_frame_equal(shown, written)
    assert live.live.time == scenario.duration
    assert halfway is not None and 0 < len(halfway) < len(written)
    assert halfway["time"].max() <= scenario.duration / 2
    pd.testing.assert_frame_equal(halfway, written.iloc[: len(halfway)])


def test_mesa_models_run_live_as_mesa_models_that_solara_viz_can_rebuild():
    scenario = small_scenario("traffic.road_network")
    model_class = registry.load(scenario.model)
    live = start_live(scenario)
    assert isinstance(live, mesa.Model) and isinstance(live, model_class)
    assert live_model_class(model_class) is type(live)
    live.step()
    live.step()
    assert live.steps == 2  # Mesa's own step counter
    assert live.live.time == pytest.approx(2 * scenario.duration / DEFAULT_STEPS)
    rebuilt = type(live)(scenario=scenario)  # what SolaraViz's Reset does
    assert rebuilt.live.time == 0 and rebuilt.live.source.events().empty


def test_simpy_models_run_live_without_mesa():
    live = start_live(small_scenario("customers.contact_center"))
    assert isinstance(live, LiveSimPyRun) and not isinstance(live.model, mesa.Model)


def test_episodes_appear_as_they_start():
    scenario = small_scenario("markets.order_flow")
    live = start_live(scenario, steps=60)
    starts = []
    while live.running:
        live.step()
        episodes = live.live.source.episodes(live.live.time)
        assert (episodes["start_time"] <= live.live.time).all()
        starts.append(len(episodes))
    assert starts[0] == 0 and starts[-1] > 0 and starts == sorted(starts)


def test_the_events_table_filters_by_kind_episode_and_entity():
    events = pd.DataFrame(
        {
            "label_kind": pd.Categorical(["normal", "outage", "outage", "normal"]),
            "episode_id": [-1, 0, 1, -1],
            "entity_id": [7, 7, 8, 9],
        }
    )
    assert len(filter_events(events, ALL, None, "")) == 4
    assert filter_events(events, "outage", None, "")["episode_id"].tolist() == [0, 1]
    assert filter_events(events, ALL, 1, "")["entity_id"].tolist() == [8]
    assert filter_events(events, ALL, None, " 7 ")["episode_id"].tolist() == [-1, 0]
    assert filter_events(events, ALL, None, "seven").empty
