"""numba kernels of the card network: who shops where, and an hour of transactions.

Pure functions over arrays (struct of arrays): state and a seed in, event columns out. numba's
own generator is seeded at the top of each call from a seed the model draws from its stream,
so results depend only on the arguments.
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
def transactions(
    seed: int,
    piece_start: np.ndarray,
    piece_length: np.ndarray,
    piece_weight: np.ndarray,
    expected: np.ndarray,
    habits: np.ndarray,
    habit_share: float,
    popularity_cumsum: np.ndarray,
    merchant_category: np.ndarray,
    category_mu: np.ndarray,
    category_sigma: np.ndarray,
    category_online: np.ndarray,
    amount_multiplier: np.ndarray,
    contactless_share: np.ndarray,
    device: np.ndarray,
    credit_limit: np.ndarray,
    balance: np.ndarray,
    decline_rate: float,
    holder_episode: np.ndarray,
    merchant_episode: np.ndarray,
    away_region: np.ndarray,
    region_offsets: np.ndarray,
    region_merchants: np.ndarray,
):
    """Normal card payments of all holders in one step, made of pieces (hours) of time.

    Holder h makes Poisson(`expected[h]`) payments, each in piece i with probability
    proportional to `piece_weight[i]` (the hour's relative spending), at a uniform time in it
    (processed holder by holder in time order, so that balances evolve in order), at a habitual
    merchant
    with probability `habit_share`, else at a merchant drawn by popularity; amounts are
    lognormal per category times the holder's multiplier; a payment is declined if it would
    exceed the credit limit or, at random, with probability `decline_rate`. A holder away on a
    trip (`away_region` >= 0) pays at any merchant of that region instead (merchants of region r
    are `region_merchants[region_offsets[r]:region_offsets[r + 1]]`). Approved amounts
    are added to `balance` (updated in place). A payment is labelled with its merchant's
    episode (a compromised merchant), else with its holder's episode (e.g. churn), else -1.

    Returns (time, holder, merchant, amount, channel, device, approved, episode), ordered by
    holder; the caller sorts by time.
    """
    np.random.seed(seed)
    holders = expected.shape[0]
    mean_total = 0.0
    for holder in range(holders):
        mean_total += expected[holder]
    total = np.random.poisson(mean_total) if mean_total > 0 else 0
    # Poisson splitting: one Poisson total, each payment given to a holder with probability
    # proportional to its expected count, is the same as a Poisson count per holder. Sorted
    # uniforms (normalised exponential spacings) are matched to holders by one merge walk.
    spacing = np.cumsum(np.random.exponential(1.0, total + 1))
    payer = np.empty(total, np.int64)
    holder = 0
    reached = expected[0] if holders > 0 else 0.0
    for row in range(total):
        target = spacing[row] / spacing[total] * mean_total
        while reached <= target and holder < holders - 1:
            holder += 1
            reached += expected[holder]
        payer[row] = holder
    cumulative_weight = np.cumsum(piece_weight)
    offset = np.empty(total, np.float64)
    for row in range(total):
        piece = np.searchsorted(
            cumulative_weight, np.random.random() * cumulative_weight[-1], side="right"
        )
        offset[row] = piece_start[piece] + np.random.random() * piece_length[piece]
    first = 0
    while first < total:  # each holder's payments in time order (a handful: insertion sort)
        last = first + 1
        while last < total and payer[last] == payer[first]:
            last += 1
        for i in range(first + 1, last):
            value = offset[i]
            j = i - 1
            while j >= first and offset[j] > value:
                offset[j + 1] = offset[j]
                j -= 1
            offset[j + 1] = value
        first = last
    time = np.empty(total, np.float64)
    who = np.empty(total, np.int64)
    where = np.empty(total, np.int32)
    amount = np.empty(total, np.float64)
    channel = np.empty(total, np.int32)
    used_device = np.empty(total, np.int64)
    approved = np.empty(total, np.int8)
    episode = np.empty(total, np.int64)
    merchants_total = popularity_cumsum[-1]
    habit_count = habits.shape[1]
    for row in range(total):
        holder = payer[row]
        away = away_region[holder]
        if away >= 0 and region_offsets[away + 1] > region_offsets[away]:
            first, last = region_offsets[away], region_offsets[away + 1]
            merchant = region_merchants[first + np.random.randint(last - first)]
        elif np.random.random() < habit_share:
            merchant = habits[holder, np.random.randint(habit_count)]
        else:
            merchant = np.searchsorted(
                popularity_cumsum, np.random.random() * merchants_total, side="right"
            )
        category = merchant_category[merchant]
        value = (
            np.exp(category_mu[category] + category_sigma[category] * np.random.standard_normal())
            * amount_multiplier[holder]
        )
        value = round(value * 100.0) / 100.0
        if np.random.random() < category_online[category]:
            channel[row] = ONLINE
            used_device[row] = device[holder]
        else:
            channel[row] = (
                CONTACTLESS if np.random.random() < contactless_share[holder] else CARD_PRESENT
            )
            used_device[row] = NO_DEVICE
        ok = balance[holder] + value <= credit_limit[holder] and np.random.random() >= decline_rate
        if ok:
            balance[holder] += value
        time[row] = offset[row]
        who[row] = holder
        where[row] = merchant
        amount[row] = value
        approved[row] = 1 if ok else 0
        label = merchant_episode[merchant]
        episode[row] = label if label >= 0 else holder_episode[holder]
    return time, who, where, amount, channel, used_device, approved, episode
