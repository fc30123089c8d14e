"""The signal controller as a SimPy process: the fixed-time plan, broken by signal failures.

Lanes ask the controller whether they may discharge a vehicle now and, when they may not, wait
for its `changed` event, which fires at every change of what the signal shows. A failure
interrupts the plan (`Process.interrupt`): under `flashing_red` the junction becomes an all-way
stop whose vehicles take turns through one conflict zone (a `simpy.Resource`), under
`stuck_phase` one phase keeps its green. When the last active failure ends the controller
clears the junction for one lost time and restarts the plan at its first phase.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Generator
from dataclasses import dataclass

import simpy

from simsynth.incidents import EpisodeId
from simsynth.models.traffic.intersection.signal_plan import SignalPlan
from simsynth.units import Seconds

FLASHING_RED = "flashing_red"
CROSSING_TOLERANCE_S = 1e-6
"""Slack on "the crossing's headway ends within the green", so that rounding in accumulated
times never costs a lane the last vehicle of a green that is a whole number of headways."""
NO_PHASE = -1

Process = Generator[simpy.Event, object, None]


@dataclass(frozen=True)
class Failure:
    """An active signal failure."""

    episode: EpisodeId
    mode: str
    stop_headway: Seconds


class SignalController:
    """Runs the plan and tells lanes when they have right of way.

    State read by lanes: `green_phase` (the phase whose effective green is running, or
    `NO_PHASE`), `green_end` (when that green ends; `inf` while a phase is stuck),
    `all_way_stop` (flashing red) with `stop_line` and `stop_headway`, and `changed`.
    """

    def __init__(self, env: simpy.Environment, plan: SignalPlan):
        self.env = env
        self.plan = plan
        self.green_phase = NO_PHASE
        self.green_end: Seconds = -math.inf
        self.next_phase = 0
        """The phase showing green, or the next one to show it."""
        self.all_way_stop = False
        self.stop_headway: Seconds = 0.0
        self.stop_line = simpy.Resource(env, capacity=1)
        """The conflict zone of an all-way stop: one vehicle enters at a time."""
        self.changed = env.event()
        self._failures: list[Failure] = []
        self._recovered = env.event()
        self._running_plan = False
        self.process = env.process(self._run())

    def may_cross(self, phase: int, headway: Seconds) -> bool:
        """Whether a lane of `phase` may let a vehicle cross now, its whole headway in green."""
        return (
            self.green_phase == phase
            and self.env.now + headway <= self.green_end + CROSSING_TOLERANCE_S
        )

    def failure(
        self, episode: EpisodeId, mode: str, stop_headway: Seconds, start: Seconds, end: Seconds
    ) -> Process:
        """A signal failure from `start` to `end`; of overlapping ones, the latest sets the mode."""
        yield self.env.timeout(start - self.env.now)
        failure = Failure(episode, mode, stop_headway)
        self._failures.append(failure)
        if self._running_plan:
            self._running_plan = False
            self.process.interrupt()
        self._apply(failure)
        yield self.env.timeout(end - self.env.now)
        self._failures.remove(failure)
        if self._failures:
            self._apply(self._failures[-1])
            return
        self.all_way_stop = False
        self._show(NO_PHASE, -math.inf)
        self._recovered.succeed()

    def _run(self) -> Process:
        restart = False
        while True:
            if self._failures:  # failed now, or again before the plan could resume
                yield self._recovered
                self._recovered = self.env.event()
                restart = True
                continue
            self._running_plan = True
            with contextlib.suppress(simpy.Interrupt):  # a failure stops the plan
                yield from self._plan(restart)

    def _plan(self, restart: bool) -> Process:
        env = self.env
        greens = self.plan.greens
        lost_time = self.plan.lost_time
        if restart:
            self.next_phase = 0
            yield env.timeout(lost_time)
        while True:
            for phase, green in enumerate(greens):
                self.next_phase = phase
                self._show(phase, env.now + green)
                yield env.timeout(green)
                self.next_phase = (phase + 1) % len(greens)
                self._show(NO_PHASE, -math.inf)
                yield env.timeout(lost_time)

    def _apply(self, failure: Failure) -> None:
        if failure.mode == FLASHING_RED:
            self.all_way_stop = True
            self.stop_headway = failure.stop_headway
            self._show(NO_PHASE, -math.inf)
        else:  # stuck_phase
            self.all_way_stop = False
            self._show(self.next_phase, math.inf)

    def _show(self, green_phase: int, green_end: Seconds) -> None:
        self.green_phase = green_phase
        self.green_end = green_end
        changed, self.changed = self.changed, self.env.event()
        changed.succeed()
