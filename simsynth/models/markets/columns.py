"""The event schema shared by the market models: event types, columns, roles and the metrics
table (one contract for every market model, DESIGN §3)."""

from __future__ import annotations

import pyarrow as pa

from simsynth.model import Column, dictionary_type

EVENT_TYPES = ("order", "cancel", "trade")
ORDER, CANCEL, TRADE = range(3)
"""Event type codes."""

SIDES = ("buy", "sell")
"""Category names of `side`, in the book's codes (BUY = 0, SELL = 1)."""
ORDER_TYPES = ("limit", "market")
LIMIT_ORDER, MARKET_ORDER = range(2)

ROLES = ("normal", "manipulator", "victim", "affected")
NORMAL, MANIPULATOR, VICTIM, AFFECTED = range(4)
ROLE_DOC = (
    "The row's part in its episode: `manipulator` for the rows of the trader whose orders make "
    "up the episode (the spoofer, the pumping accounts, the fat-fingered trader, the crash "
    "seller), `victim` for trades against that trader's resting orders, `affected` for every "
    "other row inside a market-wide episode (liquidity withdrawal, flash crash), `normal` "
    "outside episodes."
)

NO_TRADER = -1
"""`counterparty_id` of rows that are not trades."""

COLUMNS = (
    Column("order_id", pa.int64(), "The order: the new order, the one cancelled, the taker's."),
    Column("trader_id", pa.int32(), "Trader who sent the order or cancel; a trade's taker."),
    Column("side", dictionary_type(), "buy or sell; on a trade, the taker's side.", SIDES),
    Column(
        "order_type",
        dictionary_type(),
        "limit or market; on a cancel, the cancelled order's; on a trade, the taker's.",
        ORDER_TYPES,
    ),
    Column(
        "price",
        pa.float64(),
        "Limit price (null for market orders), price of the cancelled order, or fill price "
        "(the resting order's), in currency units.",
    ),
    Column("quantity", pa.int64(), "Units ordered, cancelled, or filled by this trade."),
    Column("counterparty_id", pa.int32(), "A trade's maker (resting order's trader); -1 else."),
    Column("maker_order_id", pa.int64(), "A trade's resting order; -1 else."),
    Column("best_bid", pa.float64(), "Best bid just after the row's instruction (null: none)."),
    Column("best_ask", pa.float64(), "Best ask just after the row's instruction (null: none)."),
    Column("role", dictionary_type(), ROLE_DOC, ROLES),
)

METRICS = (
    Column("mid", pa.float64(), "Mid price at the end of the interval (null: a side is empty)."),
    Column("spread", pa.float64(), "Best ask minus best bid (null: a side is empty)."),
    Column("bid_depth", pa.int64(), "Units resting on the best five bid levels."),
    Column("ask_depth", pa.int64(), "Units resting on the best five ask levels."),
    Column("last_price", pa.float64(), "Price of the last trade so far (null: none yet)."),
    Column("log_return", pa.float64(), "Log change of the mid over the interval (null: unknown)."),
    Column("volume", pa.int64(), "Units traded during the interval."),
    Column("trades", pa.int64(), "Trades during the interval."),
)
"""Columns of the `metrics` table (after `time`, the end of each interval)."""
DEPTH_LEVELS = 5
