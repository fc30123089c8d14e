"""numba kernels of the card network: who shops where, and an hour of transactions.

Pure functions over arrays (struct of arrays): state and random draws in, event columns out.
`habitual_merchants` seeds numba's generator from its argument; `transactions` takes its draws
as arrays made in bulk by the model's numpy Generator (far cheaper than a call per value), so
results depend only on the arguments.
"""

from __future__ import annotations

import numpy as np
from numba import njit

CARD_PRESENT, CONTACTLESS, ONLINE = 0, 1, 2
CHANNELS = ("card_present", "contactless", "online")
NO_DEVICE = -1
MAX_TRIES = 256


@njit(cache=True)
def _taken(row: np.ndarray, filled: int, merchant: int) -> bool:
    """Whether `merchant` is among the first `filled` entries of `row`."""
    return (row[:filled] == merchant).any()


@njit(cache=True)
def habitual_merchants(
    seed: int,
    holder_region: np.ndarray,
    merchant_region: np.ndarray,
    region_offsets: np.ndarray,
    region_merchants: np.ndarray,
    per_holder: int,
    local_share: float,
) -> np.ndarray:
    """Each holder's habitual merchants by preferential attachment (Barabási-Albert urn).

    Holders arrive one by one and pick `per_holder` distinct merchants with probability
    proportional to 1 + the merchant's current number of customers (a uniform draw from an urn
    in which every merchant appears once plus once per customer); with probability
    `local_share` a pick is restricted to the holder's own region (rejection from the urn,
    then any free merchant of the region). Returns an (holders, per_holder) array.
    """
    np.random.seed(seed)
    holders = holder_region.shape[0]
    merchants = merchant_region.shape[0]
    per_holder = min(per_holder, merchants)
    urn = np.empty(merchants + holders * per_holder, np.int64)
    urn[:merchants] = np.arange(merchants)
    size = merchants
    chosen = np.empty((holders, per_holder), np.int32)
    for holder in range(holders):
        region = holder_region[holder]
        first, last = region_offsets[region], region_offsets[region + 1]
        for slot in range(per_holder):
            local = last > first and np.random.random() < local_share
            merchant = -1
            for _ in range(MAX_TRIES):
                candidate = urn[np.random.randint(size)]
                if local and merchant_region[candidate] != region:
                    continue
                if not _taken(chosen[holder], slot, candidate):
                    merchant = candidate
                    break
            if merchant < 0 and local:  # a small region: any of its merchants not yet taken
                for index in range(first, last):
                    if not _taken(chosen[holder], slot, region_merchants[index]):
                        merchant = region_merchants[index]
                        break
            if merchant < 0:
                for candidate in range(merchants):
                    if not _taken(chosen[holder], slot, candidate):
                        merchant = candidate
                        break
            chosen[holder, slot] = merchant
            urn[size] = merchant
            size += 1
    return chosen


@njit(cache=True, nogil=True)
def guide_table(cumulative: np.ndarray) -> np.ndarray:
    """For bucket j of [0, total), the first index whose cumulative weight exceeds j/n of total.

    With it a weighted choice costs one table look-up and a step or two (the guide-table
    method; Devroye, Non-Uniform Random Variate Generation, III.2.4) instead of a binary search.
    """
    n = cumulative.shape[0]
    guide = np.empty(n, np.int64)
    width = cumulative[-1] / n
    index = 0
    for bucket in range(n):
        target = bucket * width
        while index < n - 1 and cumulative[index] <= target:
            index += 1
        guide[bucket] = index
    return guide


@njit(cache=True, nogil=True)
def guided_choice(cumulative: np.ndarray, guide: np.ndarray, uniform: float) -> int:
    """The index i with cumulative[i - 1] <= uniform * total < cumulative[i]."""
    n = cumulative.shape[0]
    target = uniform * cumulative[-1]
    index = guide[min(int(uniform * n), n - 1)]
    while index > 0 and cumulative[index - 1] > target:  # rounding put the bucket too far
        index -= 1
    while index < n - 1 and cumulative[index] <= target:
        index += 1
    return index


UNIFORMS_PER_PAYMENT = 6
"""Uniform draws a payment consumes: holder, merchant pool, merchant, channel, contactless,
decline."""


@njit(cache=True, nogil=True)
def transactions(
    position: np.ndarray,
    uniform: np.ndarray,
    normal: np.ndarray,
    piece_start: np.ndarray,
    piece_length: np.ndarray,
    piece_weight: np.ndarray,
    cumulative_payments: np.ndarray,
    payer_guide: np.ndarray,
    activity: np.ndarray,
    habits: np.ndarray,
    habit_share: float,
    popularity_cumsum: np.ndarray,
    merchant_category: np.ndarray,
    merchant_region: np.ndarray,
    category_mu: np.ndarray,
    category_sigma: np.ndarray,
    category_online: np.ndarray,
    holder_region: np.ndarray,
    card_id: np.ndarray,
    amount_multiplier: np.ndarray,
    contactless_share: np.ndarray,
    device: np.ndarray,
    credit_limit: np.ndarray,
    balance: np.ndarray,
    decline_rate: float,
    holder_episode: np.ndarray,
    merchant_episode: np.ndarray,
    label_from: np.ndarray,
    label_until: np.ndarray,
    episode_role: np.ndarray,
    away_region: np.ndarray,
    region_offsets: np.ndarray,
    region_merchants: np.ndarray,
):
    """Normal card payments of all holders in one step made of pieces (hours) of time.

    The step has `len(position)` candidate payments (a Poisson count drawn by the caller), in
    time order:
    `position` holds sorted uniforms in [0, 1) that place them along the step's spending (piece
    i takes a share `piece_weight[i]` of it, uniformly over its length). Each payment draws its
    `UNIFORMS_PER_PAYMENT` values from a row of `uniform` and its amount's noise from
    `normal`. Its holder is chosen in proportion to the holders' expected counts, given by their
    cumulative sum and its `guide_table` (Poisson splitting: a Poisson total shared out this
    way is a Poisson count per holder), and kept with probability `activity[holder]` (Poisson
    thinning, decided by where the holder's draw fell within the holder's share, so that it takes
    no draw of its own: a churner's fading spending leaves every other holder's payments as they
    were); it pays at a habitual merchant
    with probability `habit_share`, else at a merchant drawn by popularity; a holder away on a
    trip (`away_region` >= 0) pays at any merchant of that region instead (merchants of region r
    are `region_merchants[region_offsets[r]:region_offsets[r + 1]]`). Amounts are lognormal per
    category times the holder's multiplier, in cents; a payment is declined if it would exceed
    the credit limit or, at random, with probability `decline_rate`; approved amounts are added
    to `balance` (in place, in time order). A payment belongs to its merchant's episode (a
    compromised merchant), else to its holder's (e.g. churn), while its time is within the
    episode's `[label_from, label_until)`, and the episode's `episode_role`; the last entries of
    the episode arrays stand for "no episode" (-1).

    Returns the columns (time, holder, card, merchant, category, channel, merchant region,
    holder region, device, amount, approved, episode, role) of the payments kept.
    """
    total = position.shape[0]
    cumulative_weight = np.cumsum(piece_weight)
    time = np.empty(total, np.float64)
    who = np.empty(total, np.int64)
    card = np.empty(total, np.int64)
    where = np.empty(total, np.int32)
    category_of = np.empty(total, np.int32)
    channel = np.empty(total, np.int32)
    region = np.empty(total, np.int32)
    home = np.empty(total, np.int32)
    used_device = np.empty(total, np.int64)
    amount = np.empty(total, np.float64)
    approved = np.empty(total, np.bool_)
    episode = np.empty(total, np.int64)
    role = np.empty(total, np.int32)
    merchants_total = popularity_cumsum[-1]
    habit_count = habits.shape[1]
    piece = 0
    kept = 0
    for row in range(total):
        spent = position[row] * cumulative_weight[-1]
        while piece < piece_weight.shape[0] - 1 and cumulative_weight[piece] <= spent:
            piece += 1
        before = cumulative_weight[piece] - piece_weight[piece]
        within = (spent - before) / piece_weight[piece] if piece_weight[piece] > 0 else 0.0
        moment = piece_start[piece] + min(within, 1.0) * piece_length[piece]
        draw = uniform[row]
        holder = guided_choice(cumulative_payments, payer_guide, draw[0])
        if activity[holder] < 1.0:
            low = cumulative_payments[holder - 1] if holder > 0 else 0.0
            within_share = (draw[0] * cumulative_payments[-1] - low) / (
                cumulative_payments[holder] - low
            )
            if within_share >= activity[holder]:
                continue
        away = away_region[holder]
        if away >= 0 and region_offsets[away + 1] > region_offsets[away]:
            first, last = region_offsets[away], region_offsets[away + 1]
            merchant = region_merchants[first + int(draw[2] * (last - first))]
        elif draw[1] < habit_share:
            merchant = habits[holder, int(draw[2] * habit_count)]
        else:
            merchant = np.searchsorted(popularity_cumsum, draw[2] * merchants_total, side="right")
        category = merchant_category[merchant]
        value = (
            np.exp(category_mu[category] + category_sigma[category] * normal[row])
            * amount_multiplier[holder]
        )
        value = np.floor(value * 100.0 + 0.5) / 100.0
        if draw[3] < category_online[category]:
            channel[kept] = ONLINE
            used_device[kept] = device[holder]
        else:
            channel[kept] = CONTACTLESS if draw[4] < contactless_share[holder] else CARD_PRESENT
            used_device[kept] = NO_DEVICE
        ok = balance[holder] + value <= credit_limit[holder] and draw[5] >= decline_rate
        if ok:
            balance[holder] += value
        label = merchant_episode[merchant]
        if label < 0:
            label = holder_episode[holder]
        if label >= 0 and (moment < label_from[label] or moment >= label_until[label]):
            label = -1  # the step overlaps the episode's window, the payment does not
        time[kept] = moment
        who[kept] = holder
        card[kept] = card_id[holder]
        where[kept] = merchant
        category_of[kept] = category
        region[kept] = merchant_region[merchant]
        home[kept] = holder_region[holder]
        amount[kept] = value
        approved[kept] = ok
        episode[kept] = label
        role[kept] = episode_role[label]
        kept += 1
    return (
        time[:kept],
        who[:kept],
        card[:kept],
        where[:kept],
        category_of[:kept],
        channel[:kept],
        region[:kept],
        home[:kept],
        used_device[:kept],
        amount[:kept],
        approved[:kept],
        episode[:kept],
        role[:kept],
    )
