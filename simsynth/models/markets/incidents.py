"""Market incident kinds: their parameters and how their episodes are labelled.

Sizes are multiples of the venue's mean ordinary order size, drawn with jitter, so that an
incident's orders sit in the upper tail of ordinary sizes rather than at a telltale constant;
the acting trader is one of the ordinary traders (no special ids). What each incident does is in
`scripts`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from simsynth.model import IncidentKind, ParamsModel
from simsynth.units import Duration, Rate

Side = Literal["buy", "sell", "random"]


class SpoofingParams(ParamsModel):
    """Layers of large orders away from the touch, cancelled before they trade, while the
    spoofer works a genuine order on the other side."""

    duration: Duration = Field(600.0, gt=0, description="How long the spoofer keeps at it.")
    side: Side = Field("random", description="Side of the genuine orders (spoofs: the other).")
    layers: int = Field(3, ge=1, le=20, description="Spoof orders per round, one tick apart.")
    distance: int = Field(2, ge=1, le=1000, description="Ticks from the touch to the first layer.")
    spoof_size: float = Field(
        5.0, gt=0, le=1000, description="Spoof order size, x the mean ordinary size (+-30 %)."
    )
    genuine_size: float = Field(
        2.0, gt=0, le=1000, description="Genuine order size, x the mean ordinary size (+-30 %)."
    )
    hold: Duration = Field(
        6.0, gt=0, description="Seconds the spoofs rest before they are cancelled."
    )
    cycle: Duration = Field(30.0, gt=0, description="Seconds from one round to the next.")


class PumpAndDumpParams(ParamsModel):
    """Colluding accounts buy aggressively to push the price up, then sell into the rise."""

    accounts: int = Field(3, ge=1, le=100, description="Colluding accounts.")
    pump: Duration = Field(900.0, gt=0, description="Length of the buying phase.")
    dump: Duration = Field(600.0, gt=0, description="Length of the selling phase.")
    order_rate: Rate = Field(0.1, gt=0, le=100, description="Orders per time per account.")
    size: float = Field(
        2.0, gt=0, le=1000, description="Order size, x the mean ordinary size (+-30 %)."
    )


class FatFingerParams(ParamsModel):
    """One erroneous huge order, its rest cancelled when the trader notices."""

    side: Side = Field("random", description="Side of the order.")
    size: float = Field(
        60.0, gt=0, le=100_000, description="Order size, x the mean ordinary size (+-30 %)."
    )
    order_type: Literal["market", "limit"] | None = Field(
        None,
        description="A market order, or a limit order priced `through` ticks past the touch; "
        "default: the venue's ordinary way of taking liquidity (markets.order_flow: market, as "
        "its ordinary limit orders never cross; markets.traders: limit).",
    )
    through: int = Field(30, ge=0, le=100_000, description="Ticks past the opposite best.")
    notice: Duration = Field(
        20.0, gt=0, description="Seconds until the trader cancels what still rests."
    )


class LiquidityWithdrawalParams(ParamsModel):
    """Liquidity providers pull their quotes and post far less for a while."""

    duration: Duration = Field(300.0, gt=0, description="How long liquidity stays away.")
    share: float = Field(
        0.8, gt=0, le=1, description="Share of resting liquidity pulled and of posting cut."
    )


class FlashCrashParams(ParamsModel):
    """Liquidity withdraws and an aggressive seller sweeps the book; the price falls sharply,
    then recovers as liquidity returns."""

    duration: Duration = Field(900.0, gt=0, description="Window labelled as the episode.")
    share: float = Field(0.9, gt=0, le=1, description="Share of liquidity pulled.")
    withdrawal: Duration = Field(
        180.0, gt=0, description="Seconds until the liquidity providers come back."
    )
    size: float = Field(
        400.0, gt=0, le=1e6, description="Quantity sold, x the mean ordinary size (+-30 %)."
    )
    sweep: Duration = Field(60.0, gt=0, description="Seconds over which the seller sells.")
    slices: int = Field(30, ge=1, le=10_000, description="Orders the sale is cut into.")
    floor: float = Field(
        0.05,
        gt=0,
        lt=1,
        description="The seller sells down to this fraction below the price at the start: "
        "each slice is a limit order at that floor, which takes every bid above it and rests "
        "at it.",
    )


MANIPULATION_LABELS = (
    "the acting traders' orders, cancels and trades are labelled with role `manipulator`; "
    "trades against their resting orders with role `victim`; the episode's entities are those "
    "traders. Everyone else's rows stay normal. Acting traders are ordinary traders, whose rows "
    "outside the episode are normal."
)
WINDOW_LABELS = (
    "every row in the window is labelled: the acting trader's (if any) as `manipulator`, trades "
    "against it as `victim`, all others as `affected`; the episode's entities are every trader "
    "with a row in the window."
)

KINDS = {
    "spoofing": IncidentKind(
        SpoofingParams,
        "Rounds of layered spoof orders on one side, cancelled after `hold` seconds, while a "
        "genuine order rests at the touch on the other side.",
        MANIPULATION_LABELS,
    ),
    "pump_and_dump": IncidentKind(
        PumpAndDumpParams,
        "Accounts send marketable buys (pump), then sell what they bought with marketable "
        "sells (dump).",
        MANIPULATION_LABELS,
    ),
    "fat_finger": IncidentKind(
        FatFingerParams,
        "One order of `size` x the mean size sweeping the book; the rest cancelled after `notice`.",
        MANIPULATION_LABELS,
    ),
    "liquidity_withdrawal": IncidentKind(
        LiquidityWithdrawalParams,
        "Liquidity providers cancel `share` of their resting orders and post `share` less.",
        WINDOW_LABELS,
    ),
    "flash_crash": IncidentKind(
        FlashCrashParams,
        "Liquidity withdrawal plus a seller sweeping the book down to a floor price.",
        WINDOW_LABELS,
    ),
}
"""Every market incident kind; each model offers those its world can make happen."""
