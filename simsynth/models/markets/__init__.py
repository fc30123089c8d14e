"""Market models: order flow and traders around a limit order book."""
