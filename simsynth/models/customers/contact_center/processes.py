"""The contact centre's SimPy processes: arrivals, calls, and agents taken down by an outage.

Agents are an `AgentPool` (a `simpy.Resource`): callers queue first come, first served, and an
outage's take-down requests go ahead of them, so the agents it takes down leave as soon as they
finish their current call. Each granted request also takes the id of the longest-idle agent, so
events can name the agent.

Each caller's talk time and patience are drawn when it arrives, so the k-th caller gets the k-th
draw of each stream whatever happens to the others: an outage changes the waits and the
abandonments it causes, not the talk times of callers it does not touch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator

import simpy

from simsynth.episodes import NO_EPISODE, EpisodeLog
from simsynth.incidents import EpisodeId
from simsynth.models.customers.contact_center.agent_pool import AgentPool
from simsynth.models.customers.contact_center.arrival_rate import ArrivalRate
from simsynth.sink import EventSink
from simsynth.units import Seconds

NO_AGENT = -1
NAN = math.nan

Process = Generator[simpy.Event, object, None]


class Switchboard:
    """Callers, agents and the queue between them, emitting one event row per call step."""

    def __init__(
        self,
        env: simpy.Environment,
        agents: int,
        arrival_rate: ArrivalRate,
        *,
        unit_exponential: Callable[[], float],
        service_time: Callable[[], float],
        patience: Callable[[], float] | None,
        events: EventSink,
        episodes: EpisodeLog,
        queue_capacity: int,
    ):
        self.env = env
        self.queue_capacity = queue_capacity
        self.agents = AgentPool(env, agents)
        self.arrival_rate = arrival_rate
        self.unit_exponential = unit_exponential
        self.service_time = service_time
        self.patience = patience
        self.events = events
        self.episodes = episodes
        self.waiting = 0
        self.active_episodes: list[EpisodeId] = []
        code = events.event_code
        self.ARRIVAL = code["call_arrival"]
        self.ANSWERED = code["call_answered"]
        self.ABANDONED = code["call_abandoned"]
        self.COMPLETED = code["call_completed"]
        self.BLOCKED = code["call_blocked"]

    def arrivals(self) -> Process:
        """Callers arriving as a Poisson process with a piecewise-constant rate."""
        env = self.env
        draw = self.unit_exponential
        rate, change_at = self.arrival_rate.at(env.now)
        caller = 0
        while True:
            gap = draw() / rate if rate > 0 else math.inf
            if env.now + gap >= change_at:
                yield env.timeout(change_at - env.now)
                rate, change_at = self.arrival_rate.at(env.now)
                continue
            yield env.timeout(gap)
            env.process(self.call(caller))
            caller += 1

    def call(self, caller: int) -> Process:
        """One caller: arrive, wait (perhaps give up), talk to an agent, hang up; or, finding
        every waiting place taken, hear a busy tone."""
        env = self.env
        emit = self.events.emit
        arrived = env.now
        episode = self.active_episodes[-1] if self.active_episodes else NO_EPISODE
        if episode != NO_EPISODE:
            self.episodes.touch(episode, caller)
        emit(arrived, self.ARRIVAL, caller, episode, NO_AGENT, self.waiting, NAN, NAN)
        service = self.service_time()  # drawn on arrival: caller k always gets the k-th draw
        patience = None if self.patience is None else self.patience()
        agents = self.agents
        if self.waiting >= self.queue_capacity:
            emit(arrived, self.BLOCKED, caller, episode, NO_AGENT, self.waiting, NAN, NAN)
            return
        self.waiting += 1
        request = agents.request()
        if patience is None:
            yield request
        else:
            yield request | env.timeout(patience)
            if not request.triggered:
                request.cancel()
                self.waiting -= 1
                emit(
                    env.now,
                    self.ABANDONED,
                    caller,
                    episode,
                    NO_AGENT,
                    self.waiting,
                    env.now - arrived,
                    NAN,
                )
                return
        self.waiting -= 1
        agent = agents.free_ids.popleft()
        wait = env.now - arrived
        emit(env.now, self.ANSWERED, caller, episode, agent, self.waiting, wait, NAN)
        yield env.timeout(service)
        agents.free_ids.append(agent)
        agents.release(request)
        emit(env.now, self.COMPLETED, caller, episode, agent, self.waiting, wait, service)

    def episode(self, episode: EpisodeId, start: Seconds, end: Seconds) -> Process:
        """Mark an episode active from `start` to `end`: calls arriving then carry its label."""
        env = self.env
        yield env.timeout(start - env.now)
        self.active_episodes.append(episode)
        self.episodes.end(episode, end)
        yield env.timeout(end - env.now)
        self.active_episodes.remove(episode)

    def agent_down(self, start: Seconds, end: Seconds) -> Process:
        """One agent taken off the line from `start` (once free) until `end`."""
        env = self.env
        yield env.timeout(start - env.now)
        request = self.agents.take_down()
        yield request | env.timeout(end - env.now)
        if not request.triggered:
            request.cancel()
            return
        agent = self.agents.free_ids.popleft()
        if end > env.now:
            yield env.timeout(end - env.now)
        self.agents.free_ids.append(agent)
        self.agents.release(request)
