"""Parameters of `markets.traders`: the trader populations, their rules and the fundamental value.

Rates are activations per time of one trader; sizes are units; log quantities (bias, noise,
mispricing) are fractions of the price (0.001 = 10 basis points).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from simsynth.model import ParamsModel
from simsynth.models.markets.params import MarketParams
from simsynth.units import Duration, Rate


class MarketMakers(ParamsModel):
    """Quote a bid and an ask around the mid, skewed against their inventory."""

    count: int = Field(6, ge=0, le=10_000, description="Market makers.")
    rate: Rate = Field(0.2, gt=0, le=100, description="Quote refreshes per time, each.")
    half_spread: int = Field(1, ge=1, le=1000, description="Ticks from the centre to a quote.")
    size: int = Field(3, ge=1, le=1_000_000, description="Units per quote.")
    inventory_limit: int = Field(
        40, ge=1, le=1_000_000, description="|inventory| at which a side stops being quoted."
    )
    skew: float = Field(
        0.05, ge=0, le=100, description="Ticks the quotes shift per unit of inventory."
    )


class NoiseTraders(ParamsModel):
    """Buy or sell at random."""

    count: int = Field(40, ge=0, le=1_000_000, description="Noise traders.")
    rate: Rate = Field(1 / 20, gt=0, le=100, description="Decisions per time, each.")
    market_share: float = Field(0.3, ge=0, le=1, description="Share of market orders.")
    max_size: int = Field(10, ge=1, le=1_000_000, description="Sizes uniform on 1..max_size.")


class Fundamentalists(ParamsModel):
    """Buy below and sell above their estimate of the fundamental value."""

    count: int = Field(40, ge=0, le=1_000_000, description="Traders who never switch.")
    rate: Rate = Field(1 / 40, gt=0, le=100, description="Decisions per time, each.")
    bias: float = Field(0.003, ge=0, le=1, description="Sd of a trader's fixed valuation bias.")
    noise: float = Field(0.01, ge=0, le=1, description="Sd of the noise of each estimate.")
    size: int = Field(5, ge=1, le=1_000_000, description="Base sizes uniform on 1..size.")
    size_unit: float = Field(
        0.005, gt=0, le=1, description="Mispricing that adds one unit to the order."
    )
    max_size: int = Field(20, ge=1, le=1_000_000, description="Largest order.")
    market_share: float = Field(0.1, ge=0, le=1, description="Share of market orders.")


class Chartists(ParamsModel):
    """Extrapolate the trend of the mid over their own horizon."""

    rate: Rate = Field(1 / 40, gt=0, le=100, description="Decisions per time, each.")
    horizon_min: Duration = Field(60.0, gt=0, description="Shortest trend horizon.")
    horizon_max: Duration = Field(
        1800.0, gt=0, description="Longest (horizons log-uniform between)."
    )
    gain: float = Field(0.05, ge=0, le=100, description="Expected return per unit of trend.")
    noise: float = Field(0.002, ge=0, le=1, description="Sd of the noise of the expectation.")
    size: int = Field(5, ge=1, le=1_000_000, description="Units per order.")
    market_share: float = Field(0.6, ge=0, le=1, description="Share of market orders.")

    @model_validator(mode="after")
    def _horizons_ordered(self) -> Chartists:
        if self.horizon_max < self.horizon_min:
            raise ValueError("horizon_max must be >= horizon_min")
        return self


class Switching(ParamsModel):
    """Speculators who herd between the fundamentalist and the chartist rule (Kirman 1993)."""

    count: int = Field(120, ge=0, le=1_000_000, description="Switching speculators.")
    idiosyncratic: Rate = Field(
        1 / (4 * 3600), ge=0, le=1, description="Switches per time on one's own (epsilon)."
    )
    alpha: float = Field(
        1.0,
        gt=0,
        le=1000,
        description="epsilon x count / herding rate: the chartist share is about "
        "Beta(alpha, alpha); below 1 it sits near 0 or 1 for long spells.",
    )


class Fundamental(ParamsModel):
    """The fundamental value: a log random walk with optional news jumps."""

    volatility: float = Field(2e-4, ge=0, le=1, description="Sd of its log change per minute.")
    news_rate: Rate = Field(0.0, ge=0, le=1, description="News shocks per time.")
    news_size: float = Field(0.005, ge=0, le=1, description="Sd of a shock's log jump.")


class TradersParams(MarketParams):
    """The instrument, the time step and every population of traders."""

    step: Duration = Field(1.0, gt=0, le=60, description="Time step; traders act within it.")
    order_lifetime: Duration = Field(
        30.0, gt=0, description="Limit orders (but quotes) are cancelled after it."
    )
    limit_offset: float = Field(
        3.0,
        ge=0,
        le=1000,
        description="Mean ticks (exponential) of a limit price behind the "
        "opposite best (0: marketable).",
    )
    market_makers: MarketMakers = Field(default_factory=MarketMakers)
    noise_traders: NoiseTraders = Field(default_factory=NoiseTraders)
    fundamentalists: Fundamentalists = Field(default_factory=Fundamentalists)
    chartists: Chartists = Field(default_factory=Chartists)
    switching: Switching = Field(default_factory=Switching)
    fundamental: Fundamental = Field(default_factory=Fundamental)

    @model_validator(mode="after")
    def _someone_trades(self) -> TradersParams:
        speculators = self.noise_traders.count + self.fundamentalists.count + self.switching.count
        if speculators == 0:
            raise ValueError("at least one noise trader, fundamentalist or switching speculator")
        return self
