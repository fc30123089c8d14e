"""The contact centre's agent pool: take-downs jump the callers' queue, callers stay FIFO."""

from __future__ import annotations

import simpy

from simsynth.models.customers.contact_center.agent_pool import AgentPool


def test_take_down_is_granted_before_callers_who_waited_longer():
    env = simpy.Environment()
    pool = AgentPool(env, capacity=1)
    granted: list[tuple[str, float]] = []

    def user(name: str, arrive: float, hold: float, take_down: bool = False):
        yield env.timeout(arrive)
        request = pool.take_down() if take_down else pool.request()
        yield request
        granted.append((name, env.now))
        yield env.timeout(hold)
        pool.release(request)

    env.process(user("busy", 0, 10))
    env.process(user("caller-1", 1, 1))
    env.process(user("caller-2", 2, 1))
    env.process(user("outage-1", 5, 3, take_down=True))
    env.process(user("outage-2", 6, 3, take_down=True))
    env.run()
    # by hand: the agent frees at 10; both take-downs (FIFO among themselves) go first,
    # then the callers in arrival order.
    assert granted == [
        ("busy", 0),
        ("outage-1", 10),
        ("outage-2", 13),
        ("caller-1", 16),
        ("caller-2", 17),
    ]


def test_cancelled_take_down_leaves_the_queue():
    env = simpy.Environment()
    pool = AgentPool(env, capacity=1)
    held = pool.request()
    down = pool.take_down()
    waiting = pool.request()
    down.cancel()
    assert list(pool.put_queue) == [waiting]
    pool.release(held)
    env.run()
    assert waiting.triggered


def test_free_ids_hand_out_the_longest_idle_agent():
    pool = AgentPool(simpy.Environment(), capacity=3)
    first = pool.free_ids.popleft()
    pool.free_ids.append(first)
    assert list(pool.free_ids) == [1, 2, 0]
