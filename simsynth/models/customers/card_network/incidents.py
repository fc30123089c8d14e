"""Parameters of the card network's incident kinds and which events each one labels."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from simsynth.model import IncidentKind, ParamsModel
from simsynth.units import Duration

Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class CardTestingParams(ParamsModel):
    """A stolen card tried with small payments at a few merchants, then used for a big one."""

    tests: int = Field(8, ge=1, le=1000, description="Small test payments in the burst.")
    test_amount_max: float = Field(5.0, gt=0, le=1000, description="Largest test amount.")
    merchants: int = Field(3, ge=1, le=100, description="Merchants the tests are spread over.")
    burst: Duration = Field(1800.0, gt=0, description="How long the testing burst lasts.")
    cash_out_delay: Duration = Field(7200.0, ge=0, description="Mean wait before the big one.")
    cash_out_amount: float = Field(600.0, gt=0, le=1e6, description="Median big purchase.")
    decline_rate: Share = Field(0.3, description="Share of test payments declined.")


class AccountTakeoverParams(ParamsModel):
    """A criminal takes over an account: a new device, online purchases at new merchants."""

    purchases: int = Field(5, ge=1, le=1000, description="Fraudulent purchases.")
    duration: Duration = Field(21600.0, gt=0, description="Window of the purchases.")
    amount_multiplier: float = Field(
        3.0, gt=0, le=100, description="Amounts relative to the category's usual ones."
    )


class MerchantCompromiseParams(ParamsModel):
    """Skimmers at a few merchants; the cards seen there are used elsewhere later."""

    merchants: int = Field(3, ge=1, le=1000, description="Compromised merchants.")
    window: Duration = Field(7 * 86400.0, gt=0, description="How long the skimmers run.")
    cash_out_delay: Duration = Field(
        10 * 86400.0, ge=0, description="Mean time from the end of the window to a card's use."
    )
    cash_out_share: Share = Field(0.3, description="Share of exposed cards used fraudulently.")
    uses_per_card: int = Field(2, ge=1, le=100, description="Fraudulent uses of each such card.")


class BustOutParams(ParamsModel):
    """A holder with a normal history runs the card up to (and past) its limit."""

    duration: Duration = Field(2 * 86400.0, gt=0, description="How long the spree lasts.")
    purchases: int = Field(12, ge=1, le=1000, description="Purchases attempted.")
    limit_multiple: float = Field(
        1.5, gt=0, le=10, description="Total attempted, as a multiple of the remaining credit."
    )


class ChurnParams(ParamsModel):
    """A holder's spending fades away and stops."""

    decay: Duration = Field(
        10 * 86400.0, gt=0, description="e-folding time of the holder's spending."
    )


ROLES = ("normal", "fraudster", "victim", "churner")
NORMAL, FRAUDSTER, VICTIM, CHURNER = range(len(ROLES))

INCIDENT_KINDS = {
    "card_testing": IncidentKind(
        CardTestingParams,
        "A random card's details are stolen: small test payments at a few (mostly online) "
        "merchants, then a large purchase.",
        "the test payments and the large purchase (role=fraudster); entities: the card holder.",
    ),
    "account_takeover": IncidentKind(
        AccountTakeoverParams,
        "A random holder's account is taken over: online purchases from a new device at "
        "merchants the holder never used, in high-value categories.",
        "the fraudulent purchases (role=fraudster); entities: the holder.",
    ),
    "merchant_compromise": IncidentKind(
        MerchantCompromiseParams,
        "A fraud ring skims cards at a few merchants during a window and later uses a share "
        "of them elsewhere (common point of purchase).",
        "payments at the compromised merchants during the window (role=victim) and the later "
        "fraudulent uses (role=fraudster), one episode id; entities: the exposed holders; the "
        "compromised merchants are in the episode's params.",
    ),
    "bust_out": IncidentKind(
        BustOutParams,
        "A random holder, after a normal history, maxes out the card quickly.",
        "the spree's purchases (role=fraudster), approved or declined; entities: the holder.",
    ),
    "churn": IncidentKind(
        ChurnParams,
        "A random holder's spending decays and stops (not fraud: a customer leaving).",
        "the holder's payments from the start of the decay (role=churner); entities: the holder.",
    ),
}
