r"""Marketplace terms lead buyers use: sharing, refunds, sell-vs-convert.

**Exclusive vs shared.** A lead sold exclusively earns its price :math:`P`.
Shared with :math:`k` buyers, each pays :math:`P\,(1 - d\,(k - 1))` (a
discount :math:`d` per extra buyer, never below 0), so the lead earns

.. math:: \mathrm{rev}(k) = k\,P\,\max(0,\ 1 - d\,(k-1)),

maximised over integers :math:`1 \le k \le k_{max}` (the continuous optimum is
:math:`k^* = (1 + d) / (2d)`).

**Refunds.** Buyers return a share :math:`\rho` of leads; terms cap returns at
:math:`\bar\rho` (10-20% is common), so the expected net price is
:math:`P\,(1 - \min(\rho, \bar\rho))`.

**Sell vs convert.** Sell a lead only when its expected net sale revenue beats
its expected in-house value :math:`p_i\,\mathrm{commission}_i - \mathrm{delivery}_i`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from leadlever.pricing.exceptions import PricingError

__all__ = [
    "MarketTerms",
    "SharingResult",
    "shared_revenue",
    "best_sharing",
    "net_price",
    "SellDecision",
    "sell_or_convert",
]


@dataclass(frozen=True)
class MarketTerms:
    """Terms of a lead marketplace.

    Parameters
    ----------
    max_buyers : int
        1 = exclusive; above 1 a lead may be shared with up to that many buyers.
    discount_per_extra_buyer : float
        Price cut per buyer beyond the first, as a share of the exclusive price, in [0, 1].
    refund_rate : float
        Expected share of leads buyers return, in [0, 1].
    refund_cap : float
        Most leads the terms let buyers return, in [0, 1] (default 0.2).
    """

    max_buyers: int = 1
    discount_per_extra_buyer: float = 0.0
    refund_rate: float = 0.0
    refund_cap: float = 0.2

    def __post_init__(self) -> None:
        if (
            isinstance(self.max_buyers, bool)
            or not isinstance(self.max_buyers, int | np.integer)
            or self.max_buyers < 1
        ):
            raise PricingError(
                f"The 'max_buyers' parameter must be an integer >= 1. Got {self.max_buyers!r} instead."
            )
        for name in ("discount_per_extra_buyer", "refund_rate", "refund_cap"):
            x = getattr(self, name)
            if not (isinstance(x, int | float) and math.isfinite(x) and 0.0 <= x <= 1.0):
                raise PricingError(f"The '{name}' parameter must be in [0, 1]. Got {x!r} instead.")

    @property
    def refunded_share(self) -> float:
        r""":math:`\min(\rho, \bar\rho)`."""
        return min(self.refund_rate, self.refund_cap)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def shared_revenue(
    price: float | np.ndarray, k: int | np.ndarray, discount: float
) -> float | np.ndarray:
    r""":math:`k\,P\,\max(0, 1 - d(k-1))`: what one lead earns sold to ``k`` buyers."""
    k_arr = np.asarray(k, dtype=float)
    if np.any(k_arr < 1):
        raise PricingError("The number of buyers must be >= 1.")
    out = k_arr * np.asarray(price, dtype=float) * np.maximum(0.0, 1.0 - discount * (k_arr - 1))
    return float(out) if np.ndim(out) == 0 else out


@dataclass(frozen=True)
class SharingResult:
    """Revenue per lead for each number of buyers and the best choice."""

    revenue_by_buyers: pd.DataFrame
    best_buyers: int
    exclusive_revenue: float
    best_revenue: float

    def to_frame(self) -> pd.DataFrame:
        return self.revenue_by_buyers.copy()

    def to_dict(self) -> dict[str, Any]:
        return {
            "best_buyers": self.best_buyers,
            "exclusive_revenue": self.exclusive_revenue,
            "best_revenue": self.best_revenue,
            "revenue_by_buyers": self.revenue_by_buyers.to_dict(orient="records"),
        }


def best_sharing(price: float, terms: MarketTerms) -> SharingResult:
    """Exclusive vs shared: the number of buyers (<= ``max_buyers``) that earns most, net of refunds."""
    if not (math.isfinite(price) and price >= 0):
        raise PricingError(f"The 'price' parameter must be finite and >= 0. Got {price!r} instead.")
    k = np.arange(1, terms.max_buyers + 1)
    gross = shared_revenue(price, k, terms.discount_per_extra_buyer)
    net = np.asarray(gross) * (1 - terms.refunded_share)
    frame = pd.DataFrame(
        {"buyers": k, "price_per_buyer": np.asarray(gross) / k, "net_revenue": net}
    )
    best = int(k[int(np.argmax(net))])  # first maximum: fewest buyers on ties
    return SharingResult(frame, best, float(net[0]), float(net.max()))


def net_price(price: float | np.ndarray, terms: MarketTerms, buyers: int = 1) -> float | np.ndarray:
    """Expected net revenue of one lead sold to ``buyers`` buyers under ``terms``."""
    if buyers > terms.max_buyers:
        raise PricingError(
            f"The terms allow at most {terms.max_buyers} buyers. Got {buyers} instead."
        )
    out = np.asarray(shared_revenue(price, buyers, terms.discount_per_extra_buyer)) * (
        1 - terms.refunded_share
    )
    return float(out) if np.ndim(out) == 0 else out


@dataclass(frozen=True)
class SellDecision:
    """Per-lead sell-vs-convert decisions."""

    table: pd.DataFrame
    n_sell: int
    n_convert: int
    expected_value: float

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_sell": self.n_sell,
            "n_convert": self.n_convert,
            "expected_value": self.expected_value,
        }


def sell_or_convert(
    prices: np.ndarray,
    p_convert: np.ndarray,
    commission: np.ndarray | float,
    delivery_cost: np.ndarray | float,
    terms: MarketTerms | None = None,
) -> SellDecision:
    r"""Sell lead :math:`i` iff net sale revenue > :math:`p_i\,\mathrm{commission}_i - \mathrm{delivery}_i`.

    The net sale revenue uses the best number of buyers for each lead under
    ``terms`` (exclusive by default) and the capped refund share.
    """
    terms = terms or MarketTerms()
    price = np.asarray(prices, dtype=float)
    p = np.asarray(p_convert, dtype=float)
    if price.shape != p.shape:
        raise PricingError("The 'prices' and 'p_convert' arrays must have the same length.")
    if price.size and (not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1):
        raise PricingError("The 'p_convert' values must be probabilities in [0, 1].")
    k = np.arange(1, terms.max_buyers + 1)
    factor = k * np.maximum(0.0, 1.0 - terms.discount_per_extra_buyer * (k - 1))
    best_k = int(k[int(np.argmax(factor))])
    sale = price * factor.max() * (1 - terms.refunded_share)
    in_house = p * np.asarray(commission, dtype=float) - np.asarray(delivery_cost, dtype=float)
    sell = sale > in_house
    table = pd.DataFrame(
        {
            "sale_value": sale,
            "in_house_value": np.broadcast_to(in_house, price.shape),
            "buyers": np.where(sell, best_k, 0),
            "action": np.where(sell, "sell", "convert"),
        }
    )
    return SellDecision(
        table, int(sell.sum()), int((~sell).sum()), float(np.where(sell, sale, in_house).sum())
    )
