"""A price-time-priority limit order book matched by numba kernels, shared by the market models.

Not a model itself: it knows no time and writes no events. `OrderBook` takes batches of
instructions (`Orders`) and returns a result per instruction (`Results`) and the fills
(`Trades`); codes and column meanings are in `orders`.
"""

from simsynth.models.markets.book.book import OrderBook
from simsynth.models.markets.book.orders import (
    ALL,
    BUY,
    CANCEL,
    CANCELLED,
    DROPPED,
    FILLED,
    LIMIT,
    MARKET,
    MODIFY,
    REDUCED,
    REJECTED_DUPLICATE_ID,
    REJECTED_ID,
    REJECTED_KIND,
    REJECTED_PRICE,
    REJECTED_QUANTITY,
    REJECTED_UNKNOWN_ID,
    RESTING,
    SELL,
    STATUS_NAMES,
    Depth,
    Level,
    Orders,
    Result,
    Results,
    Snapshot,
    Trades,
)

__all__ = [
    "ALL",
    "BUY",
    "CANCEL",
    "CANCELLED",
    "DROPPED",
    "FILLED",
    "LIMIT",
    "MARKET",
    "MODIFY",
    "REDUCED",
    "REJECTED_DUPLICATE_ID",
    "REJECTED_ID",
    "REJECTED_KIND",
    "REJECTED_PRICE",
    "REJECTED_QUANTITY",
    "REJECTED_UNKNOWN_ID",
    "RESTING",
    "SELL",
    "STATUS_NAMES",
    "Depth",
    "Level",
    "OrderBook",
    "Orders",
    "Result",
    "Results",
    "Snapshot",
    "Trades",
]
