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
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic


@intrinsic
def trailing_zeros(typing_context, value):
    """Zero bits below the lowest set bit of an integer (its width if it is 0): one `tzcnt`."""
    if not isinstance(value, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 0))

    return value(value), codegen


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
    return float(np.int64(_mix(_key(seed, t, stream), i))) * (1.0 / 9007199254740992.0)


@njit(cache=True, nogil=True)
def _key(seed, t, stream):
    """The part of `uniform`'s mix that is the same for every vehicle of a step."""
    return (
        np.uint64(seed)
        ^ (np.uint64(t) * np.uint64(0x9E3779B97F4A7C15))
        ^ (np.uint64(stream) * np.uint64(0xCA5A826395121157))
    )


@njit(cache=True, nogil=True)
def _mix(key, i):
    """The 53 random bits of `uniform` for vehicle `i` (as a uint64), given `_key`."""
    z = key ^ (np.uint64(i) * np.uint64(0xD1B54A32D192ED03))
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return (z ^ (z >> np.uint64(31))) >> np.uint64(11)


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


@njit(cache=True, nogil=True, inline="always")
def _take(c, i, occupant, obstacle):
    """Vehicle slot `i` takes cell `c` (`obstacle`: a byte per cell, 1 if it is occupied or
    blocked, which the kernels keep in step with `occupant`)."""
    occupant[c] = i
    obstacle[c] = True


@njit(cache=True, nogil=True, inline="always")
def _vacate(c, occupant, blocked, obstacle):
    """Cell `c` is left free."""
    occupant[c] = FREE
    obstacle[c] = blocked[c]


@njit(cache=True, nogil=True)
def _clear(first, limit, obstacle_words):
    """Free cells from cell `first` on, up to `limit` (all in one lane), 8 at a time;
    `obstacle_words` is `obstacle` read as 64-bit words."""
    gap = 0
    while gap < limit:
        free = _free8(first + gap, obstacle_words)
        gap += free
        if free < 8:
            break
    return min(gap, limit)


@njit(cache=True, nogil=True)
def _free8(first, obstacle_words):
    """Free cells among the 8 from cell `first` on (8 if all are): the lowest nonzero byte of
    the 64 bits of `obstacle` from `first` on (little-endian) is the first obstacle. No branch
    depends on how far the road is clear, so none is mispredicted."""
    g = np.uint64(first)
    k, shift = g >> np.uint64(3), (g & np.uint64(7)) << np.uint64(3)
    ahead = (obstacle_words[k] >> shift) | (
        (obstacle_words[k + np.uint64(1)] << np.uint64(1)) << (np.uint64(63) - shift)
    )
    return np.int64(trailing_zeros(ahead)) >> 3


@njit(cache=True, nogil=True)
def _free_ahead(start, cell, length, limit, obstacle_words):
    """Free cells ahead of `cell` in the lane whose cells begin at `start` (up to `limit`)."""
    gap = _clear(start + cell + 1, min(limit, length - 1 - cell), obstacle_words)
    return gap if cell + gap + 1 < length else limit  # the end of the link is not an obstacle


@njit(cache=True, nogil=True)
def change_lanes(
    n,
    side,
    lane,
    cell,
    speed,
    lane_link,
    lane_first,
    lanes,
    lane_start,
    cells,
    occupant,
    blocked,
    obstacle,
    obstacle_words,
    vmax_now,
):
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
        own = _free_ahead(lane_start[s], x, length, wanted, obstacle_words)
        if own >= wanted:
            continue
        other = s + side
        beside = lane_start[other] + x
        if occupant[beside] != FREE or blocked[beside]:
            continue
        if _free_ahead(lane_start[other], x, length, wanted, obstacle_words) <= own:
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
            _vacate(lane_start[lane[i]] + cell[i], occupant, blocked, obstacle)
            lane[i] = moves[i]
            _take(lane_start[lane[i]] + cell[i], i, occupant, obstacle)
            changed += 1
    return changed


STAY, EXIT = -1, -2
"""`target` of a vehicle that stays on its link this step, and of one whose trip ends."""


@njit(cache=True, nogil=True)
def _look_ahead(
    i,
    x,
    v,
    v_old,
    s,
    link,
    length,
    obstacle_words,
    route,
    hop,
    route_start,
    route_length,
    route_loop,
    route_links,
    cells,
    lanes,
    lane_first,
    lane_start,
    link_to,
    occupant,
    blocked,
    signal,
    closed,
    junction_used,
    tick,
):
    """The gap of vehicle `i` (at `x` in lane segment `s`, wanting speed `v >= length - x`)
    whose look-ahead reaches its link's end: (gap, the vehicle that ends it on the next link
    or -1, `target`: the lane segment entered if it drives past the end, EXIT if its trip ends
    there, else STAY). The junction rules (route, closures, lights, all-way stops) apply only
    here, off the common path."""
    gap = _clear(lane_start[s] + x + 1, length - 1 - x, obstacle_words)
    leader = -1
    target = STAY
    if x + gap + 1 < length:  # an obstacle on this link
        return gap, leader, target
    start = route_start[route[i]]
    nxt = hop[i] + 1
    if nxt >= route_length[route[i]]:
        nxt = 0 if route_loop[route[i]] else -1
    if nxt < 0:
        return v, leader, EXIT  # the trip ends at this link's end: the road ahead is free
    next_link = route_links[start + nxt]
    passable = not closed[next_link]
    light = signal[link]
    if light == RED:
        passable = False
    elif light == ALL_WAY_STOP:
        junction = link_to[link]
        passable = passable and x == length - 1 and v_old == 0
        passable = passable and junction_used[junction] != tick
        if passable:
            junction_used[junction] = tick
    if passable:
        reach = v - gap
        t = entry_lane(next_link, reach, cells, lane_first, lanes, lane_start, occupant, blocked)
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
                target = t
            gap += free
            if light == ALL_WAY_STOP:
                gap = min(gap, 1)  # cross the stop line slowly, one at a time
    return gap, leader, target


@njit(cache=True, nogil=True)
def step(
    n,
    seed,
    tick,
    first_event,
    lane,
    cell,
    speed,
    route,
    hop,
    vehicle_id,
    episode,
    role,
    route_start,
    route_length,
    route_loop,
    route_links,
    cells,
    lanes,
    lane_first,
    lane_link,
    lane_start,
    link_to,
    occupant,
    blocked,
    obstacle,
    obstacle_words,
    signal,
    closed,
    lane_cells,
    lane_vmax,
    lane_slow,
    lane_detector,
    detector_count,
    detector_speed,
    detector_occupied,
    hard_brake,
    near_miss_speed,
    ev_type,
    ev_vehicle,
    ev_link,
    ev_cell,
    ev_speed,
    ev_other,
    ev_near,
    ev_episode,
    ev_role,
    here,
    new_speed,
    target,
    crossers,
    junction_used,
):
    """Advance the `n` vehicles in slots [0, n) by one step (number `tick`); return (end of the
    events written from `first_event` on, vehicles left).

    Vehicle state arrays are updated in place and compacted (a vehicle whose trip ended is
    replaced by the last one). Events go to the `ev_*` buffers: LINK_ENTER, TRIP_END and
    HARD_BRAKE (a speed drop of at least `hard_brake` cells; `ev_other` is the vehicle
    ahead or -1, `ev_near` marks a near miss: a stop from `near_miss_speed` or faster right
    behind another vehicle). Detectors (one per link, at `lane_detector` in each of its lanes,
    -1 for none)
    accumulate vehicles crossing, their speeds and occupied lane-steps.

    The look-ahead reads `obstacle` (as `obstacle_words`), not `occupant`: in the common case
    (it stays on the vehicle's link, at most 8 cells) it is one `_free8`, with no loop; the
    junction rules run only in `_look_ahead`. `lane_cells`, `lane_vmax`, `lane_slow` and
    `lane_detector` are the links' values by lane segment, `lane_slow` being p as a bound on
    53 random bits (`_mix` < bound if and only if `uniform` < p). Scratch of size n: `here`,
    `new_speed`, `crossers`, `target` (STAY on entry and on return); `junction_used`: the
    step of each junction's last all-way-stop crossing.
    """
    events = first_event
    crossing = 0  # vehicles driving past their link's end: crossers[:crossing], in slot order
    leaving = 0
    key = _key(seed, tick, SLOWDOWN)
    for i in range(n):
        s = np.uint64(lane[i])  # unsigned indices: no wraparound of negative ones to test
        length = lane_cells[s]
        x = cell[i]
        here[i] = lane_start[s] + x
        v_old = speed[i]
        v = min(v_old + 1, lane_vmax[s])
        wanted = v
        if x + v < length:  # the common case: the look-ahead stays on this link
            if v <= 8:
                gap = min(_free8(here[i] + 1, obstacle_words), v)
            else:
                gap = _clear(here[i] + 1, v, obstacle_words)
            beyond, ahead = -1, STAY
        else:
            gap, beyond, ahead = _look_ahead(
                i,
                x,
                v,
                v_old,
                s,
                lane_link[s],
                length,
                obstacle_words,
                route,
                hop,
                route_start,
                route_length,
                route_loop,
                route_links,
                cells,
                lanes,
                lane_first,
                lane_start,
                link_to,
                occupant,
                blocked,
                signal,
                closed,
                junction_used,
                tick,
            )
        v = min(v, gap)
        v -= (v > 0) & (_mix(key, vehicle_id[i]) < lane_slow[s])  # no branch to mispredict
        new_speed[i] = v
        if x + v >= length:
            target[i] = ahead
            crossers[crossing] = i
            crossing += 1
            leaving += ahead == EXIT
        d = lane_detector[s]  # a crossing: from the old to the new position
        if np.uint64(d - x - 1) < np.uint64(v):  # x < d <= x + v (never if d < 0)
            detector_count[lane_link[s]] += 1
            detector_speed[lane_link[s]] += v
        if v_old - v >= hard_brake:
            link = lane_link[s]
            ev_type[events] = HARD_BRAKE
            ev_vehicle[events] = vehicle_id[i]
            ev_link[events] = link
            ev_cell[events] = x + v if x + v < length else length - 1
            ev_speed[events] = v
            leader = beyond  # the vehicle ahead: on this link if it ends the gap there
            if gap < wanted and x + gap + 1 < length:
                leader = occupant[here[i] + gap + 1]
            ev_other[events] = vehicle_id[leader] if leader >= 0 and v == gap else -1
            ev_near[events] = (
                v == 0 and v_old >= near_miss_speed and ev_other[events] >= 0 and speed[leader] == 0
            )
            ev_episode[events] = episode[i]
            ev_role[events] = role[i]
            events += 1
    # move: every vehicle vacates its old cell and those staying on their link take their new
    # one, in one pass (a new cell was free at the step's start, so it is nobody's old cell);
    # then the entrants, then those whose trip ends
    for i in range(n):
        old = np.uint64(here[i])
        _vacate(old, occupant, blocked, obstacle)
        if target[i] == STAY:
            v = new_speed[i]
            cell[i] += v
            speed[i] = v
            _take(old + np.uint64(v), i, occupant, obstacle)
    if crossing > leaving:
        events = _enter(
            crossers[:crossing],
            seed,
            tick,
            events,
            lane,
            cell,
            speed,
            route,
            hop,
            vehicle_id,
            episode,
            role,
            route_length,
            cells,
            lane_link,
            lane_start,
            occupant,
            obstacle,
            new_speed,
            target,
            ev_type,
            ev_vehicle,
            ev_link,
            ev_cell,
            ev_speed,
            ev_other,
            ev_near,
            ev_episode,
            ev_role,
        )
    for k in range(crossing if leaving else 0):
        i = crossers[k]
        if target[i] == EXIT:
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
    for segment in range(lane_link.shape[0]):
        d = lane_detector[segment]
        if d >= 0 and occupant[lane_start[segment] + d] != FREE:
            detector_occupied[lane_link[segment]] += 1
    # compact: the last vehicle fills each hole left by a finished trip
    alive = n
    i = 0
    while leaving and i < alive:
        if target[i] != EXIT:
            i += 1
            continue
        alive -= 1
        if i != alive:
            _move(alive, i, lane, cell, speed, route, hop, vehicle_id, episode, role)
            target[i] = target[alive]
            if target[i] != EXIT:
                occupant[lane_start[lane[i]] + cell[i]] = i
    target[alive:n] = STAY
    return events, alive


@njit(cache=True, nogil=True)
def _enter(
    crossers,
    seed,
    tick,
    events,
    lane,
    cell,
    speed,
    route,
    hop,
    vehicle_id,
    episode,
    role,
    route_length,
    cells,
    lane_link,
    lane_start,
    occupant,
    obstacle,
    new_speed,
    target,
    ev_type,
    ev_vehicle,
    ev_link,
    ev_cell,
    ev_speed,
    ev_other,
    ev_near,
    ev_episode,
    ev_role,
):
    """Vehicles among `crossers` with a `target` lane enter it in a random order, each as far
    as it wants but short of those before it; one that finds the lane full waits at the end
    of its link. Their `target` becomes STAY; returns the end of the events written."""
    entrants = np.empty(crossers.shape[0], np.int64)
    entering = 0
    for i in crossers:
        if target[i] >= 0:
            entrants[entering] = i
            entering += 1
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
        target[i] = STAY
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
            _take(lane_start[s] + stop, i, occupant, obstacle)
            continue
        speed[i] = length - cell[i] + reached
        nxt = hop[i] + 1
        if nxt >= route_length[route[i]]:
            nxt = 0
        hop[i] = nxt
        lane[i] = t
        cell[i] = reached
        _take(lane_start[t] + reached, i, occupant, obstacle)
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
    return events


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
    steps,
    t0,
    n,
    seed,
    multilane,
    phase,
    offset,
    cycle,
    override,
    signal,
    lane,
    cell,
    speed,
    route,
    hop,
    vehicle_id,
    episode,
    role,
    route_start,
    route_length,
    route_loop,
    route_links,
    cells,
    lanes,
    lane_first,
    lane_link,
    lane_start,
    link_to,
    occupant,
    blocked,
    vmax_now,
    p_now,
    closed,
    detector_cell,
    detector_count,
    detector_speed,
    detector_occupied,
    hard_brake,
    near_miss_speed,
    ev_time,
    ev_type,
    ev_vehicle,
    ev_link,
    ev_cell,
    ev_speed,
    ev_other,
    ev_near,
    ev_episode,
    ev_role,
):
    """Up to `steps` steps from step `t0` (lights, lane changes, `step`), while the event
    buffers have room for another step; return (steps done, events, vehicles left).

    Event times (`ev_time`) are the end of the step they happened in. Speed limits, slowdown
    probabilities, closures and blocked cells stay as they are during a call.
    """
    here = np.empty(n, np.int64)  # a vehicle's cell in `occupant` at the step's start
    new_speed = np.empty(n, np.int64)
    target = np.full(n, STAY, np.int64)
    crossers = np.empty(n, np.int64)
    junction_used = np.full(link_to.max() + 1 if link_to.shape[0] > 0 else 1, -1, np.int64)
    slow_below = np.ceil(p_now * 9007199254740992.0).astype(np.uint64)
    lane_cells, lane_vmax = cells[lane_link], vmax_now[lane_link]  # by lane segment
    lane_slow, lane_detector = slow_below[lane_link], detector_cell[lane_link]
    obstacle_words = np.zeros(occupant.shape[0] // 8 + 2, np.uint64)  # padded for `_free8`
    obstacle = obstacle_words.view(np.uint8)
    for c in range(occupant.shape[0]):
        obstacle[c] = (occupant[c] != FREE) | blocked[c]
    events = 0
    done = 0
    while done < steps and events + 2 * n + 1 <= ev_type.shape[0]:
        t = t0 + done
        lights(t, phase, offset, cycle, override, signal)
        if multilane:
            change_lanes(
                n,
                1 if t % 2 == 0 else -1,
                lane,
                cell,
                speed,
                lane_link,
                lane_first,
                lanes,
                lane_start,
                cells,
                occupant,
                blocked,
                obstacle,
                obstacle_words,
                vmax_now,
            )
        end, n = step(
            n,
            seed,
            t,
            events,
            lane,
            cell,
            speed,
            route,
            hop,
            vehicle_id,
            episode,
            role,
            route_start,
            route_length,
            route_loop,
            route_links,
            cells,
            lanes,
            lane_first,
            lane_link,
            lane_start,
            link_to,
            occupant,
            blocked,
            obstacle,
            obstacle_words,
            signal,
            closed,
            lane_cells,
            lane_vmax,
            lane_slow,
            lane_detector,
            detector_count,
            detector_speed,
            detector_occupied,
            hard_brake,
            near_miss_speed,
            ev_type,
            ev_vehicle,
            ev_link,
            ev_cell,
            ev_speed,
            ev_other,
            ev_near,
            ev_episode,
            ev_role,
            here,
            new_speed,
            target,
            crossers,
            junction_used,
        )
        for k in range(events, end):
            ev_time[k] = t + 1.0
        events = end
        done += 1
    return done, events, n
