"""Parameters of the card-payment world: population, merchants, spending rhythms.

Defaults describe a plausible retail card portfolio; every table (segments, merchant
categories, profiles) can be replaced in a scenario's `params`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, model_validator

from simsynth.model import ParamsModel
from simsynth.units import Duration

Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)]
Multiplier = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


class Segment(ParamsModel):
    """A kind of card holder."""

    share: Share = Field(description="Share of card holders in this segment.")
    transactions_per_day: Positive = Field(description="Mean daily transactions of a holder.")
    rate_shape: Positive = Field(
        2.0, description="Gamma shape of holders' daily rates (smaller = more unequal)."
    )
    amount_multiplier: Positive = Field(1.0, description="Scales every amount the holder pays.")
    contactless_share: Share = Field(0.5, description="Share of in-store payments contactless.")
    credit_limit: Positive = Field(3000.0, description="Mean credit limit (exponential spread).")


class Category(ParamsModel):
    """A merchant category (MCC-like)."""

    merchant_share: Share = Field(description="Share of merchants in this category.")
    amount_median: Positive = Field(description="Median amount of a purchase.")
    amount_sigma: Annotated[float, Field(gt=0, le=5)] = Field(
        0.8, description="Log-scale spread of amounts (lognormal sigma)."
    )
    online_share: Share = Field(0.1, description="Share of this category's payments made online.")


DEFAULT_SEGMENTS = {
    "student": Segment(
        share=0.2,
        transactions_per_day=1.6,
        amount_multiplier=0.6,
        contactless_share=0.8,
        credit_limit=800,
    ),
    "family": Segment(
        share=0.4,
        transactions_per_day=2.2,
        amount_multiplier=1.0,
        contactless_share=0.6,
        credit_limit=4000,
    ),
    "business": Segment(
        share=0.15,
        transactions_per_day=3.0,
        amount_multiplier=1.6,
        contactless_share=0.5,
        credit_limit=10000,
    ),
    "retiree": Segment(
        share=0.25,
        transactions_per_day=1.2,
        amount_multiplier=0.9,
        contactless_share=0.3,
        credit_limit=2500,
    ),
}
DEFAULT_CATEGORIES = {
    "grocery": Category(merchant_share=0.25, amount_median=35, amount_sigma=0.7, online_share=0.1),
    "fuel": Category(merchant_share=0.1, amount_median=55, amount_sigma=0.4, online_share=0.0),
    "restaurants": Category(
        merchant_share=0.2, amount_median=28, amount_sigma=0.6, online_share=0.15
    ),
    "pharmacy": Category(merchant_share=0.08, amount_median=18, amount_sigma=0.7, online_share=0.1),
    "entertainment": Category(
        merchant_share=0.1, amount_median=25, amount_sigma=0.8, online_share=0.5
    ),
    "travel": Category(merchant_share=0.07, amount_median=220, amount_sigma=1.0, online_share=0.7),
    "electronics": Category(
        merchant_share=0.08, amount_median=120, amount_sigma=1.1, online_share=0.5
    ),
    "digital_goods": Category(
        merchant_share=0.05, amount_median=6, amount_sigma=0.7, online_share=1.0
    ),
    "online_retail": Category(
        merchant_share=0.12, amount_median=45, amount_sigma=0.9, online_share=1.0
    ),
}
DEFAULT_HOURLY_PROFILE = (
    0.15,
    0.08,
    0.05,
    0.04,
    0.05,
    0.15,
    0.4,
    0.8,
    1.1,
    1.2,
    1.3,
    1.5,
    1.8,
    1.6,
    1.3,
    1.3,
    1.5,
    1.8,
    1.9,
    1.7,
    1.3,
    0.9,
    0.6,
    0.3,
)
"""Relative spending per hour of day (midnight first): quiet nights, lunch and evening peaks."""
DEFAULT_WEEKLY_PROFILE = (0.9, 0.9, 0.95, 1.0, 1.15, 1.25, 0.85)
"""Relative spending per weekday, Monday first: Friday and Saturday busiest, Sunday quiet."""


class CardNetworkParams(ParamsModel):
    """Card holders, merchants, and when and how they pay."""

    card_holders: int = Field(5000, ge=1, le=10_000_000, description="Card holders (agents).")
    merchants: int = Field(500, ge=2, le=1_000_000, description="Merchants.")
    regions: int = Field(5, ge=1, le=1000, description="Regions holders and shops live in.")
    segments: dict[str, Segment] = Field(
        default_factory=lambda: dict(DEFAULT_SEGMENTS),
        min_length=1,
        description="Holder segments by name.",
    )
    categories: dict[str, Category] = Field(
        default_factory=lambda: dict(DEFAULT_CATEGORIES),
        min_length=1,
        description="Merchant categories by name.",
    )
    habitual_merchants: int = Field(
        8, ge=1, le=1000, description="Merchants each holder shops at habitually."
    )
    habit_share: Share = Field(
        0.8, description="Share of purchases made at a holder's habitual merchants."
    )
    local_share: Share = Field(
        0.85, description="Share of habitual merchants in the holder's home region."
    )
    hourly_profile: tuple[Multiplier, ...] = Field(
        DEFAULT_HOURLY_PROFILE,
        min_length=24,
        max_length=24,
        description="24 relative spending levels, one per hour of day (start's clock).",
    )
    weekly_profile: tuple[Multiplier, ...] = Field(
        DEFAULT_WEEKLY_PROFILE,
        min_length=7,
        max_length=7,
        description="7 relative spending levels, Monday first.",
    )
    payday: int | None = Field(
        25, ge=1, le=28, description="Day of month salaries arrive; empty = no payday effect."
    )
    payday_boost: Multiplier = Field(
        1.3, description="Spending multiplier on payday and the two days after."
    )
    holidays: tuple[date, ...] = Field(
        (), description="Dates (YYYY-MM-DD) with holiday spending, e.g. ['2026-12-24']."
    )
    holiday_boost: Multiplier = Field(1.5, description="Spending multiplier on holidays.")
    decline_rate: Share = Field(
        0.01, description="Share of payments declined for reasons other than the limit."
    )
    device_changes_per_year: Annotated[float, Field(ge=0, le=365)] = Field(
        0.5, description="How often a holder starts paying online from a new device."
    )

    trips_per_year: Annotated[float, Field(ge=0, le=52)] = Field(
        2.0, description="How often a holder travels to another region (shops there, in store)."
    )
    trip_length: Duration = Field(
        4 * 86400.0, gt=0, le=90 * 86400, description="Mean length of a trip (exponential)."
    )
    step: Duration = Field(
        3600.0,
        ge=3600,
        le=86400,
        description="Simulated time per model step (whole hours): one kernel call, plans act.",
    )

    @model_validator(mode="after")
    def _shares_are_usable(self) -> CardNetworkParams:
        if self.step % 3600:
            raise ValueError("step must be a whole number of hours")
        if sum(s.share for s in self.segments.values()) <= 0:
            raise ValueError("segment shares must not all be 0")
        if sum(c.merchant_share for c in self.categories.values()) <= 0:
            raise ValueError("category merchant shares must not all be 0")
        return self
