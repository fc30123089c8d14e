"""`simsynth view` in a real browser: for every built-in model, the live page runs its scenario
under the controls and the replay page of its dataset moves in time and jumps to episodes; no
page may log an error or ask anything of a host but 127.0.0.1 (the views work offline)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, Request, Route, expect

from simsynth.runner import run
from simsynth.scenario import load_scenario
from simsynth.scenario.schema import Sweep
from simsynth.sweep.sweep import run_sweep
from simsynth.units import format_seconds
from tests.view.conftest import view_server

REPO = Path(__file__).resolve().parents[2]
SCENARIO_OF_MODEL = {
    "customers.contact_center": ("contact_center_outage", None),
    "customers.card_network": ("card_testing_bursts", None),
    "markets.order_flow": ("market_order_flow_spoofing", None),
    "markets.traders": ("market_traders_flash_crash", 4 * 3600.0),
    "traffic.road_network": ("traffic_ring_calm", None),
    "traffic.intersection": ("intersection_signal_failure", None),
}
"""A scenario per built-in model (and a shorter duration for its replay dataset, if any)."""
LOOPBACK = re.compile(r"^(https?|wss?)://127\.0\.0\.1[:/]")
CLOCK = ".simsynth-clock"
HANG_MS = 300_000
"""How long a page may take to show what a step or click changes before the test calls it
hung: a guard against hangs, not a speed check (a loaded 2-core machine takes ~15 s for a
first render and the benchmark measures speed); passing never depends on the machine's pace."""
expect.set_options(timeout=HANG_MS)


class Browsing:
    """A page that records its errors and blocks (and records) requests off loopback."""

    def __init__(self, page: Page):
        self.page = page
        self.errors: list[str] = []
        self.external: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.route("**/*", self._route)

    def _route(self, route: Route, request: Request) -> None:
        if LOOPBACK.match(request.url) or request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.external.append(request.url)
            route.abort()

    def open(self, url: str) -> None:
        self.page.goto(url)
        expect(self.page.locator(CLOCK)).to_be_visible()
        expect(self.page.locator(".simsynth-panel").first).to_be_visible()

    def clock(self) -> str:
        return self.page.locator(CLOCK).inner_text()

    def images(self) -> list[str]:
        """The `src` of every panel image (PNG data URLs: they change when a figure does)."""
        return self.page.locator(".simsynth-panel img").evaluate_all("els => els.map(e => e.src)")

    def assert_clean(self) -> None:
        assert self.external == [], f"requests off loopback: {self.external}"
        assert self.errors == [], f"errors in the page: {self.errors}"
        assert self.page.locator(".simsynth-panel-error").count() == 0


@pytest.fixture(scope="module", params=sorted(SCENARIO_OF_MODEL))
def model_key(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def live_url(model_key: str) -> Iterator[str]:
    name, _ = SCENARIO_OF_MODEL[model_key]
    with view_server(REPO / "scenarios" / f"{name}.yaml") as url:
        yield url


@pytest.fixture(scope="module")
def dataset(model_key: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    name, duration = SCENARIO_OF_MODEL[model_key]
    scenario = load_scenario(REPO / "scenarios" / f"{name}.yaml")
    if duration is not None:
        scenario = scenario.model_copy(update={"duration": duration})
    root = tmp_path_factory.mktemp(model_key) / "dataset"
    run(scenario, out=root)
    return root


@pytest.fixture(scope="module")
def replay_url(dataset: Path) -> Iterator[str]:
    with view_server(dataset) as url:
        yield url


def test_live_page_steps_and_plays_the_scenario(page: Page, live_url: str, model_key: str):
    browsing = Browsing(page)
    browsing.open(live_url)
    assert model_key in browsing.clock()
    assert browsing.page.locator(".simsynth-panel").count() >= 2, "timeline and model panels"
    before, images = browsing.clock(), browsing.images()

    page.get_by_role("button", name="Step").click()
    expect(page.locator(CLOCK)).not_to_have_text(before)
    stepped = browsing.clock()
    page.wait_for_function(
        "old => [...document.querySelectorAll('.simsynth-panel img')].some("
        "(e, i) => e.src !== old[i])",
        arg=images,
    )

    page.get_by_role("button", name="▶").click()
    expect(page.locator(CLOCK)).not_to_have_text(stepped)
    page.get_by_role("button", name="❚❚").click()
    expect(page.get_by_role("button", name="Step")).to_be_enabled()
    browsing.assert_clean()


def test_replay_page_moves_in_time_and_jumps_to_episodes(
    page: Page, replay_url: str, dataset: Path
):
    events = pd.read_parquet(dataset / "events", columns=["time", "episode_id"])
    episodes = pd.read_parquet(dataset / "episodes")
    browsing = Browsing(page)
    browsing.open(replay_url)
    duration = load_duration(dataset)
    assert f"t = {format_seconds(duration)} of" in browsing.clock()

    slider = page.get_by_role("slider", name="time (s)")
    slider.press("Home")
    expect(page.locator(CLOCK)).to_contain_text(f"t = {format_seconds(0)} of")
    assert f" {(events['time'] <= 0).sum():,} events" in browsing.clock()
    slider.press("PageUp")  # a tenth of the way
    expect(page.locator(CLOCK)).not_to_contain_text(f"t = {format_seconds(0)} of")

    listed = page.locator(".simsynth-episode")
    assert listed.count() == min(len(episodes), 100)
    first = episodes.iloc[0]
    listed.first.click()
    expect(page.locator(CLOCK)).to_contain_text(f"t = {format_seconds(first.end_time)} of")
    members = events[
        (events["episode_id"] == first.episode_id) & (events["time"] <= first.end_time)
    ]
    assert len(members) > 0
    expect(page.locator(".simsynth-events-count")).to_contain_text(f"{len(members):,} of ")
    browsing.assert_clean()


def load_duration(dataset: Path) -> float:
    import json

    return float(json.loads((dataset / "manifest.json").read_text())["scenario"]["duration"])


def test_replay_of_a_sweep_switches_between_its_runs(page: Page, tmp_path: Path):
    base = load_scenario(REPO / "scenarios" / "intersection_signal_failure.yaml")
    swept = base.model_copy(update={"duration": 1800.0, "sweep": Sweep(runs=2)})
    manifest = run_sweep(swept, tmp_path / "sweep").manifest
    counts = [run["counts"]["events"] for run in manifest["runs"]]
    assert counts[0] != counts[1]
    with view_server(tmp_path / "sweep") as url:
        browsing = Browsing(page)
        browsing.open(url)
        expect(page.locator(CLOCK)).to_contain_text(f"{counts[0]:,} events")
        page.locator(".v-select", has_text="run_id").click()
        page.get_by_role("option", name="1", exact=True).click()
        expect(page.locator(CLOCK)).to_contain_text(f"{counts[1]:,} events")
        browsing.assert_clean()
