"""A scenario run in memory, a step at a time, for the live page.

Mesa models are shown with Mesa's own `SolaraViz`, which builds and steps a `mesa.Model`: for
them `live_model_class` derives a class that is built from a scenario alone and advances one
view step per `step()`. SimPy models get `LiveSimPyRun`, the same interface without Mesa.
"""

from __future__ import annotations

from typing import Any, Protocol

import mesa

from simsynth import registry
from simsynth.model import SimModel
from simsynth.runner import prepare_run
from simsynth.scenario import Scenario
from simsynth.stores import MemoryStore
from simsynth.units import Seconds
from simsynth.view.source import LiveSource

DEFAULT_STEPS = 200
"""View steps per run: one `step()` advances the run by its duration over this."""


class LiveRun:
    """The state of a live run: its context recording into memory, its clock and source."""

    def __init__(self, scenario: Scenario, steps: int = DEFAULT_STEPS):
        self.scenario = scenario
        store = MemoryStore()
        self.model_class, self.context = prepare_run(scenario, 0, store)
        self.step_length: Seconds = scenario.duration / steps
        self.steps_done = 0
        self.steps = steps
        self.source = LiveSource(
            scenario.model_dump(mode="json"), store, self.context.recorder.episodes
        )

    @property
    def time(self) -> Seconds:
        """Simulated time reached."""
        return min(self.step_length * self.steps_done, self.scenario.duration)

    @property
    def finished(self) -> bool:
        return self.steps_done >= self.steps

    def step(self, model: SimModel) -> None:
        """Advance `model` by one view step (finishing it after the last) and publish what it
        recorded."""
        if self.finished:
            return
        self.steps_done += 1
        model.advance(self.time)
        if self.finished:
            model.finish()
        model.flush()
        self.context.recorder.flush()
        self.source.advanced()


class LiveModel(Protocol):
    """What the live page steps: a model with its `LiveRun`."""

    live: LiveRun
    running: bool

    def step(self) -> None: ...


class LiveSimPyRun:
    """A SimPy model and its live run, stepped by the page's own controls."""

    def __init__(self, scenario: Scenario, steps: int = DEFAULT_STEPS):
        self.live = LiveRun(scenario, steps)
        self.model = self.live.model_class(self.live.context)
        self.running = True

    def step(self) -> None:
        self.live.step(self.model)
        self.running = not self.live.finished


_live_classes: dict[type, type] = {}


def live_model_class(model_class: type[SimModel]) -> type[Any]:
    """`model_class` (a `mesa.Model`) as `SolaraViz` wants it: `cls(scenario=...)` builds a
    run recording into memory, `step()` advances it one view step, `running` ends it."""
    if model_class not in _live_classes:

        def __init__(self: Any, scenario: Scenario, steps: int = DEFAULT_STEPS) -> None:
            self.live = LiveRun(scenario, steps)
            model_class.__init__(self, self.live.context)

        def step(self: Any) -> None:
            self.live.step(self)
            self.running = not self.live.finished

        _live_classes[model_class] = type(
            model_class.__name__, (model_class,), {"__init__": __init__, "step": step}
        )
    return _live_classes[model_class]


def is_mesa(scenario: Scenario) -> bool:
    """Whether the scenario's model is a Mesa model."""
    return issubclass(registry.load(scenario.model), mesa.Model)


def start_live(scenario: Scenario, steps: int = DEFAULT_STEPS) -> LiveModel:
    """A new live run of `scenario` (a Mesa model, or a SimPy model's `LiveSimPyRun`)."""
    if is_mesa(scenario):
        return live_model_class(registry.load(scenario.model))(scenario=scenario, steps=steps)
    return LiveSimPyRun(scenario, steps)
