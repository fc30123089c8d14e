"""The venue both market models trade on: an order book plus the labelled record of what it did.

`Exchange` numbers orders, remembers who sent each one and for which episode, carries out
batches of instructions on the numba book and turns every accepted instruction and every fill
into event rows (columns in `columns`), labelled by the rules of `columns.ROLE_DOC`:

* an instruction carries its sender's episode and role (incident scripts send theirs; traders
  send none);
* a trade belongs to its taker's episode, else to its maker's, in which case the taker is a
  victim of the maker;
* while a market-wide episode is open (`open_window`), every other row is `affected` by it.

Rejected instructions leave no row: a trader's cancel that arrives after its order filled is a
no-op, as it would be on a real venue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from simsynth.episodes import NO_EPISODE, EpisodeLog
from simsynth.incidents import EpisodeId
from simsynth.models.markets.book import ALL, BUY, CANCEL, LIMIT, MARKET, OrderBook, Orders
from simsynth.models.markets.book.orders import Results, Trades
from simsynth.models.markets.columns import (
    AFFECTED,
    LIMIT_ORDER,
    MARKET_ORDER,
    NO_TRADER,
    NORMAL,
    ORDER,
    TRADE,
    VICTIM,
)
from simsynth.models.markets.columns import (
    CANCEL as CANCEL_EVENT,
)
from simsynth.models.markets.params import MarketParams
from simsynth.sink import EventSink
from simsynth.units import Seconds

PENDING_INSTRUCTIONS = 8192
"""Instructions recorded before their rows are emitted (vectorised labelling of many small
batches at once costs a fraction of one pass per batch)."""


def _concatenated(
    pending: list[tuple[Instructions, Results, Trades, EpisodeId]],
) -> tuple[Instructions, Results, Trades, np.ndarray]:
    """Several recorded batches as one (fills renumbered to the joined instructions)."""
    batches = [entry[0] for entry in pending]
    sizes = np.array([b.orders.size for b in batches])
    offsets = np.cumsum(sizes) - sizes
    batch = Instructions(
        np.concatenate([b.time for b in batches]),
        Orders(
            *(np.concatenate(columns) for columns in zip(*(b.orders for b in batches), strict=True))
        ),
        np.concatenate([b.episode for b in batches]),
        np.concatenate([b.role for b in batches]),
    )
    results = Results(
        *(np.concatenate(c) for c in zip(*(entry[1] for entry in pending), strict=True))
    )
    trades = [entry[2] for entry in pending]
    joined = Trades(*(np.concatenate(c) for c in zip(*trades, strict=True)))
    shift = np.repeat(offsets, [t.size for t in trades])
    trades_out = joined._replace(order_index=joined.order_index + shift)
    windows = np.repeat([entry[3] for entry in pending], sizes)
    return batch, results, trades_out, windows


class OrderRegistry:
    """What the venue remembers of every order id: side, limit price (ticks) and episode.

    Arrays indexed by order id (ids are handed out consecutively from 0), grown by doubling;
    numba kernels that send orders themselves fill them in too.
    """

    def __init__(self, capacity: int = 1 << 16):
        self.side = np.zeros(capacity, np.int8)
        self.price = np.zeros(capacity, np.int64)
        self.episode = np.full(capacity, NO_EPISODE, np.int64)
        self.next_id = 0

    def reserve(self, count: int) -> None:
        """Make room for `count` more order ids."""
        needed = self.next_id + count
        size = len(self.side)
        if needed <= size:
            return
        while size < needed:
            size *= 2
        self.side = _grown(self.side, size, 0)
        self.price = _grown(self.price, size, 0)
        self.episode = _grown(self.episode, size, NO_EPISODE)

    def new_id(self) -> int:
        """The next order id (room reserved)."""
        if self.next_id == len(self.side):
            self.reserve(1)
        self.next_id += 1
        return self.next_id - 1

    def new_ids(self, count: int) -> np.ndarray:
        """The next `count` order ids (room reserved)."""
        self.reserve(count)
        ids = np.arange(self.next_id, self.next_id + count, dtype=np.int64)
        self.next_id += count
        return ids


def _grown(values: np.ndarray, size: int, fill: int) -> np.ndarray:
    grown = np.full(size, fill, values.dtype)
    grown[: len(values)] = values
    return grown


class Instructions(NamedTuple):
    """A batch as it was carried out: the book's columns plus when and on whose behalf."""

    time: np.ndarray
    orders: Orders
    episode: np.ndarray
    role: np.ndarray


class OrderBatch:
    """Instructions collected one by one (e.g. from agents' decisions), sent in one call.

    Order ids are handed out as orders are added, so a trader can remember its own.
    """

    def __init__(self, exchange: Exchange):
        self._exchange = exchange
        self._rows: list[tuple[float, int, int, int, int, int, int, int, int]] = []

    def limit(
        self,
        time: Seconds,
        trader_id: int,
        side: int,
        price: int,
        quantity: int,
        episode: EpisodeId = NO_EPISODE,
        role: int = NORMAL,
    ) -> int:
        """Add a limit order (price in ticks, clipped to the book's range); its order id."""
        price = min(max(price, self._exchange.book.min_price), self._exchange.book.max_price)
        return self._add(time, LIMIT, trader_id, side, price, quantity, episode, role)

    def market(
        self,
        time: Seconds,
        trader_id: int,
        side: int,
        quantity: int,
        episode: EpisodeId = NO_EPISODE,
        role: int = NORMAL,
    ) -> int:
        """Add a market order; its order id."""
        return self._add(time, MARKET, trader_id, side, 0, quantity, episode, role)

    def cancel(
        self,
        time: Seconds,
        trader_id: int,
        order_id: int,
        episode: EpisodeId = NO_EPISODE,
        role: int = NORMAL,
    ) -> None:
        """Add the cancel of whatever rests of `order_id`."""
        self._rows.append((time, CANCEL, BUY, 0, ALL, order_id, trader_id, episode, role))

    def _add(
        self,
        time: Seconds,
        kind: int,
        trader_id: int,
        side: int,
        price: int,
        quantity: int,
        episode: EpisodeId,
        role: int,
    ) -> int:
        order_id = self._exchange.registry.new_id()
        self._rows.append((time, kind, side, price, quantity, order_id, trader_id, episode, role))
        return order_id

    def send(self) -> Results | None:
        """Carry out the collected instructions in the order they were added (then empty)."""
        if not self._rows:
            return None
        time, kind, side, price, quantity, order_id, trader_id, episode, role = zip(
            *self._rows, strict=True
        )
        self._rows = []
        orders = Orders.of(kind, side, price, quantity, order_id, trader_id)
        batch = Instructions(
            np.asarray(time, np.float64),
            orders,
            np.asarray(episode, np.int64),
            np.asarray(role, np.int32),
        )
        return self._exchange.execute(batch)


class Exchange:
    """One instrument's order book, its order registry and the labelled event record."""

    def __init__(self, market: MarketParams, events: EventSink, episodes: EpisodeLog):
        self.tick_size = market.tick_size
        initial = market.ticks(market.initial_price)
        self.book = OrderBook(1, initial * market.price_range, capacity=4096)
        self.registry = OrderRegistry()
        self.events = events
        self.episodes = episodes
        self.window_episode: EpisodeId = NO_EPISODE
        """The open market-wide episode, whose `affected` rows are all the others."""
        self.reference_price = initial
        """Last trade price in ticks (the initial price before any trade)."""
        self.volume = 0
        self.trade_count = 0
        self._pending: list[tuple[Instructions, Results, Trades, EpisodeId]] = []
        self._pending_size = 0
        self.on_trades: Callable[[Trades], None] | None = None
        """Called with the fills of every batch that made some (e.g. to track positions)."""

    def batch(self) -> OrderBatch:
        """A new, empty batch of instructions for this exchange."""
        return OrderBatch(self)

    def execute(self, batch: Instructions) -> Results:
        """Carry out a batch on the book (registering its new orders) and record it."""
        orders = batch.orders
        new = orders.kind != CANCEL
        ids = orders.order_id[new]
        self.registry.side[ids] = orders.side[new]
        self.registry.price[ids] = orders.price[new]
        self.registry.episode[ids] = batch.episode[new]
        results, trades = self.book.submit(orders)
        self.record(batch, results, trades)
        return results

    def record(self, batch: Instructions, results: Results, trades: Trades) -> None:
        """Account for a batch that has been carried out on the book; its rows are emitted with
        the next `flush` (small batches are labelled and emitted many at a time)."""
        if trades.size:
            if self.on_trades is not None:
                self.on_trades(trades)
            self.reference_price = int(trades.price[-1])
            self.volume += int(trades.quantity.sum())
            self.trade_count += trades.size
        self._pending.append((batch, results, trades, self.window_episode))
        self._pending_size += batch.orders.size
        if self._pending_size >= PENDING_INSTRUCTIONS:
            self.flush()

    def flush(self) -> None:
        """Emit the rows of every batch recorded so far: per accepted instruction its order or
        cancel row, then its fills."""
        if not self._pending:
            return
        pending, self._pending, self._pending_size = self._pending, [], 0
        if len(pending) == 1:
            batch, results, trades, window = pending[0]
            windows = np.full(batch.orders.size, window, np.int64)
        else:
            batch, results, trades, windows = _concatenated(pending)
        self._emit(batch, results, trades, windows)

    def _emit(
        self, batch: Instructions, results: Results, trades: Trades, windows: np.ndarray
    ) -> None:
        """The rows of one batch of instructions, `windows` the market-wide episode open when
        each was carried out."""
        orders, registry = batch.orders, self.registry
        accepted = results.status >= 0
        is_cancel = orders.kind == CANCEL
        fills = np.bincount(trades.order_index, minlength=orders.size)
        rows_per = accepted.astype(np.int64) + fills
        first = np.cumsum(rows_per) - rows_per
        total = int(rows_per.sum())
        if total == 0:
            return
        instruction = np.repeat(np.arange(orders.size), rows_per)
        is_trade = np.ones(total, bool)
        is_trade[first[accepted]] = False
        taker = instruction[is_trade]
        maker = trades.maker_order_id

        event_type = np.where(is_cancel, CANCEL_EVENT, ORDER)[instruction].astype(np.int32)
        event_type[is_trade] = TRADE
        order_id = orders.order_id[instruction]
        trader = orders.trader_id[instruction].astype(np.int32)
        side = np.where(is_cancel, registry.side[orders.order_id], orders.side)[instruction]
        side[is_trade] = trades.aggressor
        order_type = np.where(orders.kind == MARKET, MARKET_ORDER, LIMIT_ORDER)[instruction]
        ticks = np.where(is_cancel, registry.price[orders.order_id], orders.price)
        price = np.where(orders.kind == MARKET, np.nan, ticks * self.tick_size)[instruction]
        price[is_trade] = trades.price * self.tick_size
        quantity = np.where(is_cancel, results.cancelled, orders.quantity)[instruction]
        quantity[is_trade] = trades.quantity
        counterparty = np.full(total, NO_TRADER, np.int32)
        counterparty[is_trade] = trades.maker_trader_id
        maker_order = np.full(total, -1, np.int64)
        maker_order[is_trade] = maker
        bid = results.best_bid.astype(np.float64)
        bid[results.best_bid < self.book.min_price] = np.nan
        ask = results.best_ask.astype(np.float64)
        ask[results.best_ask > self.book.max_price] = np.nan

        episode = batch.episode[instruction]
        role = batch.role[instruction]
        by_maker = is_trade.copy()
        by_maker[is_trade] = (batch.episode[taker] == NO_EPISODE) & (
            registry.episode[maker] != NO_EPISODE
        )
        episode[by_maker] = registry.episode[maker[by_maker[is_trade]]]
        role[by_maker] = VICTIM
        in_window = (episode == NO_EPISODE) & (windows[instruction] != NO_EPISODE)
        episode[in_window] = windows[instruction][in_window]
        role[in_window] = AFFECTED
        self._touch(episode, trader, counterparty)
        self.events.emit_columns(
            batch.time[instruction],
            event_type,
            trader.astype(np.int64),
            episode,
            (
                order_id,
                trader,
                side.astype(np.int32),
                order_type.astype(np.int32),
                price,
                quantity,
                counterparty,
                maker_order,
                (bid * self.tick_size)[instruction],
                (ask * self.tick_size)[instruction],
                role,
            ),
        )

    def _touch(self, episode: np.ndarray, trader: np.ndarray, counterparty: np.ndarray) -> None:
        """Record each trader (and trade counterparty) once per episode it took part in."""
        labelled = episode != NO_EPISODE
        if not labelled.any():
            return
        pairs = np.concatenate(
            [
                np.stack([episode[labelled], trader[labelled]], axis=1),
                np.stack([episode[labelled], counterparty[labelled]], axis=1),
            ]
        )
        for episode_id, trader_id in np.unique(pairs[pairs[:, 1] != NO_TRADER], axis=0).tolist():
            self.episodes.touch(episode_id, trader_id)

    # --- what traders and incident scripts look at --------------------------------------------

    def best_bid(self) -> int | None:
        """Best bid in ticks (None: no bids)."""
        return self.book.best_bid()

    def best_ask(self) -> int | None:
        """Best ask in ticks (None: no asks)."""
        return self.book.best_ask()

    def mid(self) -> float:
        """Mid price in ticks; the last trade price when a side is empty."""
        bid, ask = self.book.best_bid(), self.book.best_ask()
        if bid is None or ask is None:
            return float(self.reference_price)
        return (bid + ask) / 2

    def touch(self, side: int) -> int:
        """The best price of `side` in ticks, or the nearest sensible one when it is empty."""
        best = self.book.best_bid() if side == BUY else self.book.best_ask()
        if best is not None:
            return best
        return self.reference_price - 1 if side == BUY else self.reference_price + 1

    def open_window(self, episode_id: EpisodeId) -> None:
        """Start labelling every unlabelled row as `affected` by a market-wide episode."""
        self.window_episode = episode_id

    def close_window(self, episode_id: EpisodeId) -> None:
        """Stop labelling rows as affected by `episode_id` (if it is still the open one)."""
        if self.window_episode == episode_id:
            self.window_episode = NO_EPISODE
