"""The two pages of `simsynth view`: a live run of a scenario, and the replay of a dataset."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update, update_counter

from simsynth.dataset import read_manifest
from simsynth.figures import run_scenario
from simsynth.scenario import Scenario
from simsynth.view.components import Clock, EpisodeList, EventsTable, PanelFigure
from simsynth.view.live import LiveModel, is_mesa, start_live
from simsynth.view.panels import TIMELINE, Panel, model_panels
from simsynth.view.source import ReplaySource

LiveComponent = Callable[[Any], Any]
"""A part of the live page: a function of the live model, as `SolaraViz` takes them."""
REPLAY_FRAMES = 200
"""Slider positions (and play frames) over a replayed run."""


def live_components(panels: list[Panel]) -> list[LiveComponent]:
    """The live page's parts: the panels (the clock above the first), episodes and events."""

    def panel(index: int) -> LiveComponent:
        def draw(model: LiveModel) -> Any:
            live = model.live
            with solara.Column(gap="4px") as column:
                if index == 0:
                    Clock(live.source, live.time)
                PanelFigure(panels[index], live.source, live.time, live.steps_done)
            return column

        return draw

    return [*(panel(i) for i in range(len(panels))), LiveEpisodes]


@solara.component
def LiveEpisodes(model: LiveModel) -> None:
    """Episodes as they start, and the events table (pressing an episode filters it)."""
    update_counter.get()
    selected = solara.use_reactive(None)
    source, now = model.live.source, model.live.time
    with solara.Card("Episodes and events", margin=0):
        EpisodeList(source.episodes(now), selected)
        EventsTable(source, now, selected)


@solara.component
def LivePage(scenario: Scenario) -> None:
    """A scenario running in the browser: Mesa's `SolaraViz` for Mesa models, the same
    controls and parts on a page of our own for SimPy models."""
    first = solara.use_memo(lambda: start_live(scenario), [])
    panels = solara.use_memo(lambda: [TIMELINE, *model_panels(first.live.source)], [])
    components = solara.use_memo(lambda: live_components(panels), [])
    name = f"{scenario.name} · {scenario.model} · live"
    if is_mesa(scenario):
        SolaraViz(
            first,
            components=components,
            model_params={"scenario": scenario},
            name=name,
            play_interval=150,
        )
    else:
        SimPyLivePage(scenario, first, components, name)


@solara.component
def SimPyLivePage(
    scenario: Scenario, first: LiveModel, components: list[LiveComponent], name: str
) -> None:
    """`SolaraViz`'s controls (reset, play/pause, step, play interval, steps per render) over a
    SimPy model's live run."""
    model = solara.use_reactive(first)
    playing = solara.use_reactive(False)
    interval_ms = solara.use_reactive(150)
    steps_per_render = solara.use_reactive(1)

    def step() -> None:
        for _ in range(steps_per_render.value):
            model.value.step()
        if not model.value.running:
            playing.set(False)
        force_update()

    def play() -> None:
        while playing.value and model.value.running:
            time.sleep(interval_ms.value / 1000)
            step()

    solara.use_thread(play, dependencies=[playing.value])

    def reset() -> None:
        playing.set(False)
        model.set(start_live(scenario))
        force_update()

    with solara.AppBar():
        solara.AppBarTitle(name)
    with solara.Sidebar(), solara.Card("Controls"):
        solara.SliderInt("Play Interval (ms)", value=interval_ms, min=1, max=500, step=10)
        solara.SliderInt("Render Interval (steps)", value=steps_per_render, min=1, max=100)
        with solara.Row(justify="space-between"):
            solara.Button("Reset", color="primary", on_click=reset)
            solara.Button(
                "❚❚" if playing.value else "▶",
                color="primary",
                disabled=not model.value.running,
                on_click=lambda: playing.set(not playing.value),
            )
            solara.Button(
                "Step",
                color="primary",
                on_click=step,
                disabled=playing.value or not model.value.running,
            )
    with solara.Column():
        for component in components:
            LivePart(model.value, component)


@solara.component
def LivePart(model: LiveModel, component: LiveComponent) -> None:
    """A live component, redrawn whenever the run steps (as `SolaraViz` wraps them)."""
    update_counter.get()
    component(model)


@solara.component
def ReplayPage(root: Path) -> None:
    """A finished dataset: a time slider and play control over a run, the same panels,
    episodes (pressing one jumps to its end and lists its events) and the events table."""
    manifest = solara.use_memo(lambda: read_manifest(root, verify=False), [])  # `view` did
    runs = {int(run["run_id"]): run for run in manifest["runs"]}
    run_ids = list(runs)
    run_id = solara.use_reactive(run_ids[0])
    source = solara.use_memo(
        lambda: ReplaySource(root, run_id.value, run_scenario(manifest, runs[run_id.value])),
        [run_id.value],
    )
    panels = solara.use_memo(lambda: [TIMELINE, *model_panels(source)], [source])
    frame = source.duration / REPLAY_FRAMES
    now = solara.use_reactive(source.duration)
    solara.use_effect(lambda: now.set(source.duration), [run_id.value])  # a new run from its end
    playing = solara.use_reactive(False)
    interval_ms = solara.use_reactive(300)
    selected = solara.use_reactive(None)

    def play() -> None:
        if not playing.value:
            return
        if now.value >= source.duration:
            now.set(0.0)
        while playing.value:
            time.sleep(interval_ms.value / 1000)
            now.set(min(now.value + frame, source.duration))
            if now.value >= source.duration:
                playing.set(False)

    solara.use_thread(play, dependencies=[playing.value])

    def jump_to(episode_id: int) -> None:
        playing.set(False)
        episodes = source.episodes()
        end = float(episodes.loc[episodes["episode_id"] == episode_id, "end_time"].iloc[0])
        now.set(min(source.duration, end))

    scenario_name = manifest["scenario"].get("name", root.name)
    with solara.AppBar():
        solara.AppBarTitle(f"{scenario_name} · {source.model} · replay of {root.name}")
    with solara.Sidebar():
        with solara.Card("Replay"):
            if len(run_ids) > 1:
                solara.Select("run_id", values=run_ids, value=run_id)
            solara.SliderFloat(
                "time (s)", value=now, min=0.0, max=source.duration, step=frame, thumb_label=False
            )
            with solara.Row():
                solara.Button(
                    "❚❚" if playing.value else "▶",
                    color="primary",
                    on_click=lambda: playing.set(not playing.value),
                )
                solara.SliderInt("Play Interval (ms)", value=interval_ms, min=50, max=1000, step=50)
        with solara.Card("Episodes"):
            EpisodeList(source.episodes(), selected, on_select=jump_to)
    with solara.Column():
        Clock(source, now.value)
        for panel in panels:
            PanelFigure(panel, source, now.value)
        with solara.Card("Events", margin=0):
            EventsTable(source, now.value, selected)


def page_for(target: Path) -> Any:
    """The page of a `simsynth view` target: a dataset directory or a scenario file."""
    if target.is_dir():
        return ReplayPage(target)
    from simsynth.scenario import load_scenario

    return LivePage(load_scenario(target))
