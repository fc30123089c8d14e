"""The intersection's SimPy processes: vehicles arriving on each approach, each lane's discharge,
lane closures and the windows in which incidents label arrivals.

Each lane is a `simpy.Store` of waiting vehicles (first in, first out) drained by one process:
its head vehicle crosses when the controller gives the lane right of way, and the lane then
holds the stop line for one saturation headway (or, at an all-way stop, the conflict zone for
one stop headway). An arriving vehicle joins the open lane with the fewest vehicles waiting
(the lowest-numbered on ties); its turning movement is recorded but shares the lanes and the
headway of the others.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Sequence

import simpy

from simsynth.episodes import NO_EPISODE, EpisodeLog
from simsynth.incidents import EpisodeId
from simsynth.models.traffic.intersection.controller import SignalController
from simsynth.sink import EventSink
from simsynth.units import Seconds

ROLES = ("normal", "affected")
NORMAL, AFFECTED = range(len(ROLES))
NAN = math.nan

Process = Generator[simpy.Event, object, None]
Vehicle = tuple[int, Seconds, int, EpisodeId]
"""A waiting vehicle: its id, arrival time, movement code and episode."""


class Lane:
    """One lane at the stop line: its queue and how many vehicles wait in it."""

    def __init__(self, env: simpy.Environment, index: int, headway: Seconds):
        self.index = index
        self.headway = headway
        self.queue = simpy.Store(env)
        self.waiting = 0
        """Vehicles that arrived in this lane and have not crossed (head of line included)."""


class Approach:
    """An arm of the junction: its lanes, the phase serving it, closures and active episodes."""

    def __init__(self, env: simpy.Environment, code: int, phase: int, lanes: int, headway: Seconds):
        self.code = code
        """Index of the approach in the `approach` column's categories."""
        self.phase = phase
        self.lanes = [Lane(env, index, headway) for index in range(lanes)]
        self.open_lanes = lanes
        self.waiting = 0
        self.episodes: list[EpisodeId] = []
        """Episodes affecting the approach now, in the order they started."""
        self._closures: list[int] = []

    def join(self) -> Lane:
        """The open lane an arriving vehicle joins: fewest waiting, lowest number on ties."""
        lanes = self.lanes
        best = lanes[0]
        for lane in lanes[1 : self.open_lanes]:
            if lane.waiting < best.waiting:
                best = lane
        return best

    def close(self, lanes: int) -> None:
        """Close the `lanes` highest-numbered lanes to new arrivals (until `reopen`)."""
        self._closures.append(lanes)
        self.open_lanes = len(self.lanes) - max(self._closures)

    def reopen(self, lanes: int) -> None:
        """End a closure made by `close(lanes)`."""
        self._closures.remove(lanes)
        self.open_lanes = len(self.lanes) - max(self._closures, default=0)


class Junction:
    """Approaches, lanes and the signal between them, emitting an `arrival` and a `depart`
    row per vehicle."""

    def __init__(
        self,
        env: simpy.Environment,
        signal: SignalController,
        approaches: Sequence[Approach],
        *,
        events: EventSink,
        episodes: EpisodeLog,
    ):
        self.env = env
        self.signal = signal
        self.approaches = tuple(approaches)
        self.events = events
        self.episodes = episodes
        self.vehicles = 0
        """Vehicles that have arrived so far (the next vehicle's id)."""
        self.ARRIVAL = events.event_code["arrival"]
        self.DEPART = events.event_code["depart"]

    def arrivals(
        self, approach: Approach, headway: Callable[[], float], movement: Callable[[], int]
    ) -> Process:
        """Vehicles arriving on `approach`, `headway()` apart, each joining a lane."""
        env = self.env
        emit = self.events.emit
        while True:
            gap = headway()
            if gap == math.inf:
                return
            yield env.timeout(gap)
            vehicle = self.vehicles
            self.vehicles += 1
            episode = approach.episodes[-1] if approach.episodes else NO_EPISODE
            role = NORMAL
            if episode != NO_EPISODE:
                self.episodes.touch(episode, vehicle)
                role = AFFECTED
            lane = approach.join()
            move = movement()
            emit(
                env.now,
                self.ARRIVAL,
                vehicle,
                episode,
                approach.code,
                lane.index,
                move,
                NAN,
                approach.waiting,
                role,
            )
            approach.waiting += 1
            lane.waiting += 1
            lane.queue.put((vehicle, env.now, move, episode))

    def discharge(self, approach: Approach, lane: Lane) -> Process:
        """One lane's stop line: let its head vehicle cross whenever the signal allows."""
        env = self.env
        signal = self.signal
        phase = approach.phase
        headway = lane.headway
        queue = lane.queue
        while True:
            vehicle = yield queue.get()
            while True:
                if signal.may_cross(phase, headway):
                    self._depart(approach, lane, vehicle)
                    yield env.timeout(headway)
                    break
                if not signal.all_way_stop:
                    yield signal.changed
                    continue
                turn = signal.stop_line.request()
                yield turn | signal.changed
                if not turn.triggered:  # the signal changed first: look again
                    turn.cancel()
                    continue
                self._depart(approach, lane, vehicle)
                yield env.timeout(signal.stop_headway)
                signal.stop_line.release(turn)
                break

    def _depart(self, approach: Approach, lane: Lane, vehicle: Vehicle) -> None:
        vehicle_id, arrived, move, episode = vehicle
        approach.waiting -= 1
        lane.waiting -= 1
        now = self.env.now
        self.events.emit(
            now,
            self.DEPART,
            vehicle_id,
            episode,
            approach.code,
            lane.index,
            move,
            now - arrived,
            approach.waiting,
            NORMAL if episode == NO_EPISODE else AFFECTED,
        )

    def episode(
        self,
        episode: EpisodeId,
        approaches: Sequence[Approach],
        start: Seconds,
        end: Seconds,
    ) -> Process:
        """Vehicles arriving on `approaches` from `start` to `end` carry the episode's label."""
        env = self.env
        yield env.timeout(start - env.now)
        self.episodes.end(episode, end)
        for approach in approaches:
            approach.episodes.append(episode)
        yield env.timeout(end - env.now)
        for approach in approaches:
            approach.episodes.remove(episode)

    def lane_closure(self, approach: Approach, lanes: int, start: Seconds, end: Seconds) -> Process:
        """Close `lanes` lanes of `approach` to new arrivals from `start` to `end`."""
        env = self.env
        yield env.timeout(start - env.now)
        approach.close(lanes)
        yield env.timeout(end - env.now)
        approach.reopen(lanes)
