"""The `metrics` table: the state of the market at the end of every interval."""

from __future__ import annotations

import math

import numpy as np

from simsynth.models.markets.book import BUY, SELL
from simsynth.models.markets.columns import DEPTH_LEVELS
from simsynth.models.markets.exchange import Exchange
from simsynth.tables import TableWriter
from simsynth.units import Seconds


class MetricsSampler:
    """Takes one `metrics` row per call (at interval ends) and buffers them for the table."""

    def __init__(self, exchange: Exchange, table: TableWriter):
        self._exchange = exchange
        self._table = table
        self._rows: list[tuple[float, ...]] = []
        self._last_mid = math.nan
        self._volume = 0
        self._trades = 0

    def sample(self, time: Seconds) -> None:
        """Record the market as it is now, and the trading since the last sample."""
        exchange, tick = self._exchange, self._exchange.tick_size
        bid, ask = exchange.best_bid(), exchange.best_ask()
        both = bid is not None and ask is not None
        mid = (bid + ask) / 2 * tick if both else math.nan
        spread = (ask - bid) * tick if both else math.nan
        depth = [
            int(exchange.book.depth(side, DEPTH_LEVELS).quantity.sum()) for side in (BUY, SELL)
        ]
        last = exchange.reference_price * tick if exchange.trade_count else math.nan
        log_return = math.log(mid / self._last_mid) if both and self._last_mid > 0 else math.nan
        volume, trades = exchange.volume - self._volume, exchange.trade_count - self._trades
        self._rows.append((time, mid, spread, *depth, last, log_return, volume, trades))
        self._last_mid = mid
        self._volume, self._trades = exchange.volume, exchange.trade_count
        if len(self._rows) >= 4096:
            self.flush()

    def flush(self) -> None:
        """Hand the buffered rows to the table writer."""
        if not self._rows:
            return
        columns = list(zip(*self._rows, strict=True))
        self._rows = []
        floats = [np.asarray(columns[i], np.float64) for i in (0, 1, 2)]
        depths = [np.asarray(columns[i], np.int64) for i in (3, 4)]
        last, log_return = (np.asarray(columns[i], np.float64) for i in (5, 6))
        counts = [np.asarray(columns[i], np.int64) for i in (7, 8)]
        self._table.append(*floats, *depths, last, log_return, *counts)
