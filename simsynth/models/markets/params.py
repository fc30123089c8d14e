"""Parameters every market model shares: the instrument and how often the metrics are taken."""

from __future__ import annotations

from pydantic import Field, model_validator

from simsynth.model import ParamsModel
from simsynth.units import Duration

MAX_TICKS = 4_000_000
"""Price levels a book may span (32 bytes each)."""


class MarketParams(ParamsModel):
    """The traded instrument and the sampling of the metrics table."""

    tick_size: float = Field(0.01, gt=0, le=1000, description="Price increment, in currency.")
    initial_price: float = Field(100.0, gt=0, le=1e9, description="Price at the open.")
    price_range: int = Field(
        4,
        ge=2,
        le=100,
        description="The book spans 1 tick to price_range x the initial price; orders are "
        "clipped into it.",
    )
    metrics_every: Duration = Field(60.0, gt=0, description="Interval of the metrics table.")

    @model_validator(mode="after")
    def _book_fits(self) -> MarketParams:
        levels = self.ticks(self.initial_price) * self.price_range
        if levels > MAX_TICKS:
            raise ValueError(
                f"the book would span {levels:,} ticks (initial_price / tick_size x "
                f"price_range); at most {MAX_TICKS:,} are allowed: raise tick_size"
            )
        return self

    def ticks(self, price: float) -> int:
        """A price in whole ticks (at least 1)."""
        return max(1, round(price / self.tick_size))
