"""The Nagel-Schreckenberg update of every vehicle on the network, as one numba kernel.

Parallel update (Nagel & Schreckenberg 1992): from the state at t, every vehicle
1. accelerates by one cell per step up to its link's current speed limit,
2. brakes to the free cells ahead (the gap, which runs on into the next link of its route
   when the junction lets it through),
3. with probability p slows down by one (the link's current p),
4. moves; then all positions are updated at once.
A vehicle crosses at most one junction per step. Vehicles entering the same lane from
different links in one step go in a random order, each stopping short of those before it;
one that cannot enter waits at the end of its link. Before the update, `change_lanes` moves
hindered vehicles sideways by the symmetric rules of Rickert, Nagel, Schreckenberg & Latour
(1996), towards one side on even steps and the other on odd ones so that no two vehicles
claim one cell.
"""

from __future__ import annotations

import numpy as np
from numba import njit

LINK_ENTER, TRIP_END, HARD_BRAKE = 0, 1, 2
RED, GREEN, ALL_WAY_STOP = 0, 1, 2
NO_OVERRIDE = -1
FREE = -1
SLOWDOWN, ENTRY_ORDER = 1, 2
"""Streams of `uniform`: the random slowdown and the order of vehicles entering a lane. Draws
are keyed by vehicle id, not by slot, so a vehicle's dice do not change when others leave
(e.g. crash) and the slots are compacted: what an incident does not reach keeps its course."""


@njit(cache=True, nogil=True)
def uniform(seed, t, i, stream):
    """A uniform in [0, 1) that depends only on (seed, step, vehicle, stream): splitmix64's
    finaliser over their mix. Draws are the same however the steps are split into calls."""
    z = (
        np.uint64(seed)
        ^ (np.uint64(t) * np.uint64(0x9E3779B97F4A7C15))
        ^ (np.uint64(i) * np.uint64(0xD1B54A32D192ED03))
        ^ (np.uint64(stream) * np.uint64(0xCA5A826395121157))
    )
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return float(np.int64(z >> np.uint64(11))) * (1.0 / 9007199254740992.0)


@njit(cache=True, nogil=True)
def lights(t, phase, offset, cycle, override, signal):
    """Each link's light at step `t`: the fixed-time plan (green for unsignalised links and
    for links whose phase runs at their junction), unless `override` (>= 0) says otherwise."""
    half = cycle / 2
    for link in range(phase.shape[0]):
        if override[link] != NO_OVERRIDE:
            signal[link] = override[link]
        elif phase[link] < 0 or phase[link] == int((t + offset[link]) // half) % 2:
            signal[link] = GREEN
        else:
            signal[link] = RED


@njit(cache=True, nogil=True)
def entry_lane(link, reach, cells, lane_first, lanes, lane_start, occupant, blocked):
    """The lane of `link` with the most free cells from its start (up to `reach`), or -1."""
    best, best_free = -1, 0
    reach = min(reach, cells[link])
    for k in range(lanes[link]):
        segment = lane_first[link] + k
        free = 0
        while free < reach:
            cell = lane_start[segment] + free
            if occupant[cell] != FREE or blocked[cell]:
                break
            free += 1
        if free > best_free:
            best, best_free = segment, free
    return best


@njit(cache=True, nogil=True)
def _free_ahead(start, cell, length, limit, occupant, blocked):
    """Free cells ahead of `cell` in the lane whose cells begin at `start` (up to `limit`)."""
    gap = 0
    while gap < limit and cell + gap + 1 < length:
        c = start + cell + gap + 1
        if occupant[c] != FREE or blocked[c]:
            break
        gap += 1
    return gap if cell + gap + 1 < length else limit  # the end of the link is not an obstacle


@njit(cache=True, nogil=True)
def change_lanes(n, side, lane, cell, speed, lane_link, lane_first, lanes, lane_start, cells,
                 occupant, blocked, vmax_now):  # fmt: skip
    """Move vehicles one lane towards `side` (+1 or -1) where that helps (Rickert et al.).

    A vehicle changes if it is hindered in its lane (fewer free cells ahead than it would like
    to drive, speed + 1), the other lane has more, the cell beside it is free and no vehicle is
    within the speed limit behind it there. Decisions use the state before any change.
    """
    moves = np.full(n, -1, np.int64)
    for i in range(n):
        s = lane[i]
        link = lane_link[s]
        k = s - lane_first[link] + side
        if k < 0 or k >= lanes[link]:
            continue
        x, length, vmax = cell[i], cells[link], vmax_now[link]
        wanted = min(speed[i] + 1, vmax)
        own = _free_ahead(lane_start[s], x, length, wanted, occupant, blocked)
        if own >= wanted:
            continue
        other = s + side
        beside = lane_start[other] + x
        if occupant[beside] != FREE or blocked[beside]:
            continue
        if _free_ahead(lane_start[other], x, length, wanted, occupant, blocked) <= own:
            continue
        safe = True
        for back in range(1, vmax + 1):
            if x - back < 0:
                break
            if occupant[lane_start[other] + x - back] != FREE:
                safe = False
                break
        if safe:
            moves[i] = other
    changed = 0
    for i in range(n):
        if moves[i] >= 0:
            occupant[lane_start[lane[i]] + cell[i]] = FREE
            lane[i] = moves[i]
            occupant[lane_start[lane[i]] + cell[i]] = i
            changed += 1
    return changed


@njit(cache=True, nogil=True)
def step(
    n, seed, tick, first_event,
    lane, cell, speed, route, hop, vehicle_id, episode, role,
    route_start, route_length, route_loop, route_links,
    cells, lanes, lane_first, lane_link, lane_start, link_to,
    occupant, blocked, vmax_now, p_now, signal, closed,
    detector_cell, detector_count, detector_speed, detector_occupied,
    hard_brake, near_miss_speed,
    ev_type, ev_vehicle, ev_link, ev_cell, ev_speed, ev_other, ev_near, ev_episode, ev_role,
):  # fmt: skip
    """Advance the `n` vehicles in slots [0, n) by one step (number `tick`); return (end of the
    events written from `first_event` on, vehicles left).

    Vehicle state arrays are updated in place and compacted (a vehicle whose trip ended is
    replaced by the last one). Events go to the `ev_*` buffers: LINK_ENTER, TRIP_END and
    HARD_BRAKE (a speed drop of at least `hard_brake` cells; `ev_other` is the vehicle
    ahead or -1, `ev_near` marks a near miss: a stop from `near_miss_speed` or faster right
    behind another vehicle). Detectors (one per link at `detector_cell`, -1 for none)
    accumulate vehicles crossing, their speeds and occupied lane-steps.
    """
    new_speed = np.empty(n, np.int64)
    target = np.full(n, -1, np.int64)  # lane segment entered this step, -1 if none
    exits = np.zeros(n, np.bool_)
    events = first_event
    leaving = 0
    junction_used = np.zeros(link_to.max() + 1 if link_to.shape[0] > 0 else 1, np.bool_)
    for i in range(n):
        s = lane[i]
        link = lane_link[s]
        length = cells[link]
        x = cell[i]
        v_old = speed[i]
        v = min(v_old + 1, vmax_now[link])
        gap = 0
        leader = -1
        base = lane_start[s]
        while gap < v and x + gap + 1 < length:
            occupant_ahead = occupant[base + x + gap + 1]
            if occupant_ahead != FREE or blocked[base + x + gap + 1]:
                if occupant_ahead != FREE:
                    leader = occupant_ahead
                break
            gap += 1
        if gap < v and x + gap + 1 >= length:  # the look-ahead reaches the end of the link
            start = route_start[route[i]]
            nxt = hop[i] + 1
            if nxt >= route_length[route[i]]:
                nxt = 0 if route_loop[route[i]] else -1
            if nxt < 0:
                exits[i] = True  # the trip ends at this link's end: the road ahead is free
                gap = v
            else:
                next_link = route_links[start + nxt]
                passable = not closed[next_link]
                light = signal[link]
                if light == RED:
                    passable = False
                elif light == ALL_WAY_STOP:
                    junction = link_to[link]
                    passable = passable and x == length - 1 and v_old == 0
                    passable = passable and not junction_used[junction]
                    if passable:
                        junction_used[junction] = True
                if passable:
                    reach = v - gap
                    t = entry_lane(next_link, reach, cells, lane_first, lanes, lane_start, occupant,
                                   blocked)  # fmt: skip
                    if t >= 0:
                        free = 0
                        while free < reach and free < cells[next_link]:
                            c = lane_start[t] + free
                            if occupant[c] != FREE or blocked[c]:
                                if occupant[c] != FREE:
                                    leader = occupant[c]
                                break
                            free += 1
                        if free > 0:
                            target[i] = t
                        gap += free
                    if light == ALL_WAY_STOP and t >= 0:
                        gap = min(gap, 1)  # cross the stop line slowly, one at a time
        v = min(v, gap)
        slow = uniform(seed, tick, vehicle_id[i], SLOWDOWN) < p_now[link]
        v -= (v > 0) & slow  # no branch to mispredict
        new_speed[i] = v
        if x + v < length:
            target[i] = -1
            exits[i] = False
        elif exits[i]:
            leaving += 1
        d = detector_cell[link]  # a crossing: from the old to the new position
        if d >= 0 and x < d <= x + v:
            detector_count[link] += 1
            detector_speed[link] += v
        if v_old - v >= hard_brake:
            ev_type[events] = HARD_BRAKE
            ev_vehicle[events] = vehicle_id[i]
            ev_link[events] = link
            ev_cell[events] = x + v if x + v < length else length - 1
            ev_speed[events] = v
            ev_other[events] = vehicle_id[leader] if leader >= 0 and v == gap else -1
            ev_near[events] = (
                v == 0 and v_old >= near_miss_speed and ev_other[events] >= 0 and speed[leader] == 0
            )
            ev_episode[events] = episode[i]
            ev_role[events] = role[i]
            events += 1
    # move: vacate every old cell, then place those staying on their link, then entrants
    for i in range(n):
        occupant[lane_start[lane[i]] + cell[i]] = FREE
    entrants = np.empty(n, np.int64)
    entering = 0
    for i in range(n):
        s = lane[i]
        length = cells[lane_link[s]]
        if exits[i]:
            continue
        if target[i] >= 0:
            entrants[entering] = i
            entering += 1
            continue
        cell[i] = min(cell[i] + new_speed[i], length - 1)
        speed[i] = new_speed[i]
        occupant[lane_start[s] + cell[i]] = i
    priority = np.empty(entering)
    for k in range(entering):
        priority[k] = uniform(seed, tick, vehicle_id[entrants[k]], ENTRY_ORDER)
    order = np.argsort(priority)
    for k in range(entering):
        i = entrants[order[k]]
        s = lane[i]
        link = lane_link[s]
        length = cells[link]
        t = target[i]
        wanted = cell[i] + new_speed[i] - length
        reached = -1
        while reached < wanted and occupant[lane_start[t] + reached + 1] == FREE:
            reached += 1
        if reached < 0:  # the lane filled up: wait on this link, as far on as is free
            stop = cell[i]
            while stop + 1 < length and occupant[lane_start[s] + stop + 1] == FREE:
                stop += 1
            speed[i] = stop - cell[i]
            cell[i] = stop
            occupant[lane_start[s] + stop] = i
            continue
        speed[i] = length - cell[i] + reached
        nxt = hop[i] + 1
        if nxt >= route_length[route[i]]:
            nxt = 0
        hop[i] = nxt
        lane[i] = t
        cell[i] = reached
        occupant[lane_start[t] + reached] = i
        ev_type[events] = LINK_ENTER
        ev_vehicle[events] = vehicle_id[i]
        ev_link[events] = lane_link[t]
        ev_cell[events] = reached
        ev_speed[events] = speed[i]
        ev_other[events] = link
        ev_near[events] = False
        ev_episode[events] = episode[i]
        ev_role[events] = role[i]
        events += 1
    for i in range(n if leaving else 0):
        if exits[i]:
            speed[i] = new_speed[i]
            link = lane_link[lane[i]]
            ev_type[events] = TRIP_END
            ev_vehicle[events] = vehicle_id[i]
            ev_link[events] = link
            ev_cell[events] = cells[link] - 1
            ev_speed[events] = speed[i]
            ev_other[events] = -1
            ev_near[events] = False
            ev_episode[events] = episode[i]
            ev_role[events] = role[i]
            events += 1
    # occupancy of each detector's cell after the move, summed over lanes
    for link in range(cells.shape[0]):
        d = detector_cell[link]
        if d >= 0:
            for k in range(lanes[link]):
                if occupant[lane_start[lane_first[link] + k] + d] != FREE:
                    detector_occupied[link] += 1
    # compact: the last vehicle fills each hole left by a finished trip
    alive = n
    i = 0
    while leaving and i < alive:
        if not exits[i]:
            i += 1
            continue
        alive -= 1
        if i != alive:
            _move(alive, i, lane, cell, speed, route, hop, vehicle_id, episode, role)
            exits[i] = exits[alive]
            if not exits[i]:
                occupant[lane_start[lane[i]] + cell[i]] = i
    return events, alive


@njit(cache=True, nogil=True)
def _move(src, dst, lane, cell, speed, route, hop, vehicle_id, episode, role):
    lane[dst] = lane[src]
    cell[dst] = cell[src]
    speed[dst] = speed[src]
    route[dst] = route[src]
    hop[dst] = hop[src]
    vehicle_id[dst] = vehicle_id[src]
    episode[dst] = episode[src]
    role[dst] = role[src]


@njit(cache=True, nogil=True)
def run(
    steps, t0, n, seed, multilane, phase, offset, cycle, override, signal,
    lane, cell, speed, route, hop, vehicle_id, episode, role,
    route_start, route_length, route_loop, route_links,
    cells, lanes, lane_first, lane_link, lane_start, link_to,
    occupant, blocked, vmax_now, p_now, closed,
    detector_cell, detector_count, detector_speed, detector_occupied,
    hard_brake, near_miss_speed,
    ev_time, ev_type, ev_vehicle, ev_link, ev_cell, ev_speed, ev_other, ev_near, ev_episode,
    ev_role,
):  # fmt: skip
    """Up to `steps` steps from step `t0` (lights, lane changes, `step`), while the event
    buffers have room for another step; return (steps done, events, vehicles left).

    Event times (`ev_time`) are the end of the step they happened in.
    """
    events = 0
    done = 0
    while done < steps and events + 2 * n + 1 <= ev_type.shape[0]:
        t = t0 + done
        lights(t, phase, offset, cycle, override, signal)
        if multilane:
            change_lanes(n, 1 if t % 2 == 0 else -1, lane, cell, speed, lane_link, lane_first,
                         lanes, lane_start, cells, occupant, blocked, vmax_now)  # fmt: skip
        end, n = step(
            n, seed, t, events, lane, cell, speed, route, hop, vehicle_id, episode, role,
            route_start, route_length, route_loop, route_links, cells, lanes, lane_first,
            lane_link, lane_start, link_to, occupant, blocked, vmax_now, p_now, signal, closed,
            detector_cell, detector_count, detector_speed, detector_occupied, hard_brake,
            near_miss_speed, ev_type, ev_vehicle, ev_link, ev_cell, ev_speed, ev_other, ev_near,
            ev_episode, ev_role,
        )  # fmt: skip
        for k in range(events, end):
            ev_time[k] = t + 1.0
        events = end
        done += 1
    return done, events, n
