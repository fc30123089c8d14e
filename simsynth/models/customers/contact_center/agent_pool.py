"""The agents as a SimPy resource in which an outage's requests go ahead of waiting callers.

`simpy.PriorityResource` would do the same but re-sorts its queue on every request, which costs
more than the rest of a call; SimPy's documented extension point, a custom `PutQueue`, keeps the
callers' first-come-first-served list and puts take-down requests in front of it.
"""

from __future__ import annotations

from collections import deque

import simpy
from simpy.resources.resource import Request


class TakeDown(Request):
    """A request that takes one agent off the line (granted before any waiting caller)."""


class OutageFirstQueue(list):
    """Requests in arrival order, except that take-downs go ahead of every caller."""

    def append(self, request: Request) -> None:
        if type(request) is not TakeDown:
            super().append(request)
            return
        position = 0
        while position < len(self) and type(self[position]) is TakeDown:
            position += 1
        self.insert(position, request)


class AgentPool(simpy.Resource):
    """`capacity` agents; callers queue first come, first served.

    `free_ids` names the idle agents, longest idle first, so that each call can be given to
    an identifiable agent (the usual "longest idle agent" routing).
    """

    PutQueue = OutageFirstQueue

    def __init__(self, env: simpy.Environment, capacity: int):
        super().__init__(env, capacity)
        self.free_ids: deque[int] = deque(range(capacity))

    def take_down(self) -> TakeDown:
        """Request one agent for an outage."""
        return TakeDown(self)
