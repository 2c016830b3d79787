r"""Per-lead prices weighted by predicted probability.

Lead :math:`i` with predicted probability :math:`p_i` has the probability-
weighted value :math:`v_i = \omega_L + (\omega_H - \omega_L)\,p_i`, with relative weights
:math:`\omega_H \ge \omega_L \ge 0` of a high and a low quality lead (the case's two-class formula
for a single lead, in relative units: only the ratio :math:`\omega_L / \omega_H` matters, since the
multiplier below sets the scale; the defaults :math:`\omega_H = 1, \omega_L = 0` give
:math:`v_i = p_i`). They are not the revenues :math:`R_H, R_L` of
:mod:`leadlever.pricing._formulas`. A lead's price is that value scaled by one batch multiplier
:math:`m`, floored at its generation cost :math:`c_i` and optionally capped
at the buyer's willingness to pay :math:`w_i`:

.. math:: P_i = \min(\max(m\,v_i,\ c_i),\ w_i).

:math:`m` is solved exactly so that the batch earns the target on average:
:math:`\sum_i P_i = \sum_i c_i + N T` for a profit :math:`T` per lead, or
:math:`\sum_i P_i = \sum_i c_i / (1 - \mu^*)` for a margin :math:`\mu^*`.
:math:`\sum_i P_i` is piecewise linear in :math:`m` with breakpoints
:math:`c_i / v_i` and :math:`w_i / v_i`, so sorting them finds the root.

**With a confidence** :math:`c`: the batch is settled by realised quality class (the
buyer pays :math:`m \omega_H` for a lead that turns out high quality and
:math:`m \omega_L` otherwise, plus the fixed floor/cap adjustment
:math:`P_i - m v_i`), so realised revenue is
:math:`\sum_i P_i + m(\omega_H - \omega_L)(S - \sum_i p_i)` with :math:`S` the
Poisson-binomial count of high-quality leads. It increases with :math:`S`, so
the target holds with probability :math:`\ge c` exactly when it holds at
:math:`s_c = \max\{s : P(S \ge s) \ge c\}`; :math:`m` is the smallest root of
that (still piecewise linear) condition.

Quality classes come from ``p_convert`` thresholds (:mod:`leadlever.pricing._quality`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.stats import poisson_binomial
from leadlever.pricing._quality import DEFAULT_QUALITY_CLASSES, assign_quality_classes
from leadlever.pricing._uncertainty import guaranteed_count
from leadlever.pricing.exceptions import PricingError, UnreachableTargetError

__all__ = ["LeadPricing", "price_leads", "price_lead_table"]


@dataclass(frozen=True)
class LeadPricing:
    """Prices of a batch of leads and the batch's expected economics."""

    prices: np.ndarray
    costs: np.ndarray
    multiplier: float
    expected_revenue: float
    expected_cost: float
    expected_profit: float
    margin: float | None
    target: str
    target_value: float
    confidence: float | None
    prob_target_met: float | None
    n_floored: int
    n_capped: int
    n_cap_below_cost: int

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"price": self.prices, "cost": self.costs})

    def to_dict(self) -> dict[str, Any]:
        n = int(self.prices.size)
        return {
            "n_leads": n,
            "multiplier": self.multiplier,
            "target": self.target,
            "target_value": self.target_value,
            "confidence": self.confidence,
            "prob_target_met": self.prob_target_met,
            "expected_revenue": self.expected_revenue,
            "expected_cost": self.expected_cost,
            "expected_profit": self.expected_profit,
            "expected_profit_per_lead": self.expected_profit / n,
            "margin": self.margin,
            "mean_price": float(self.prices.mean()),
            "min_price": float(self.prices.min()),
            "max_price": float(self.prices.max()),
            "n_floored": self.n_floored,
            "n_capped": self.n_capped,
            "n_cap_below_cost": self.n_cap_below_cost,
        }


def _smallest_root_monotone(
    v: np.ndarray, lo: np.ndarray, hi: np.ndarray, t: np.ndarray, rest: float
) -> float | None:
    r"""Smallest root of the nondecreasing :math:`f(m) = \sum_i \mathrm{clip}(m v_i, lo_i, hi_i) + rest`.

    ``t`` are the sorted breakpoints; a binary search finds the first with
    :math:`f \ge 0` (O(n) per probe, no argsort), and ``f`` is linear between
    consecutive breakpoints, so interpolation there is exact.
    """

    buf = np.empty_like(v)
    capped = bool(np.isfinite(hi).any())

    def f(m: float) -> float:
        np.multiply(v, m, out=buf)
        np.maximum(buf, lo, out=buf)
        if capped:
            np.minimum(buf, hi, out=buf)
        return float(buf.sum()) + rest

    f0 = f(0.0)
    if f0 >= 0:
        return 0.0
    if t.size == 0 or f(float(t[-1])) < 0:
        end = 0.0 if t.size == 0 else float(t[-1])
        slope = float(v[~np.isfinite(hi)].sum())
        if slope > 1e-12 * max(float(v.sum()), 1.0):
            return end - f(end) / slope
        return None
    lo_i, hi_i = 0, t.size - 1  # invariant: f(t[hi_i]) >= 0
    while lo_i < hi_i:
        mid = (lo_i + hi_i) // 2
        if f(float(t[mid])) >= 0:
            hi_i = mid
        else:
            lo_i = mid + 1
    right = float(t[hi_i])
    left = float(t[hi_i - 1]) if hi_i > 0 else 0.0
    f_left, f_right = (f(left), f(right))
    if f_left >= 0 or f_right == f_left:
        return left if f_left >= 0 else right
    return left + (-f_left) * (right - left) / (f_right - f_left)


def _smallest_root(
    v: np.ndarray, lo: np.ndarray, hi: np.ndarray, penalty: float, need: float
) -> float | None:
    r"""Smallest :math:`m \ge 0` with :math:`\sum_i \mathrm{clip}(m v_i, lo_i, hi_i) - m K \ge need`."""
    base = float(lo.sum()) - need
    if base >= 0:
        return 0.0
    pos = v > 0
    vp, lp, hp = v[pos], lo[pos], hi[pos]
    a = lp / vp
    finite_cap = np.isfinite(hp)
    b = hp[finite_cap] / vp[finite_cap]
    t = np.concatenate([a, b])
    if penalty == 0.0:
        return _smallest_root_monotone(vp, lp, hp, np.sort(t), float(lo[~pos].sum()) - need)
    dslope = np.concatenate([vp, -vp[finite_cap]])
    dconst = np.concatenate([-lp, hp[finite_cap]])
    order = np.argsort(t)  # ties do not matter: f is continuous
    t, dslope, dconst = t[order], dslope[order], dconst[order]
    slope = -penalty + np.cumsum(dslope)
    const = base + np.cumsum(dconst)
    f = const + slope * t
    hit = np.flatnonzero(f >= 0)
    if hit.size:
        j = int(hit[0])
        c0, s0 = (base, -penalty) if j == 0 else (const[j - 1], slope[j - 1])
        return float(-c0 / s0) if s0 > 0 else float(t[j])
    # beyond the last breakpoint only uncapped leads still grow: sum their v exactly (no round-off)
    c_end = base if t.size == 0 else float(const[-1])
    s_end = -penalty + float(vp[~finite_cap].sum())
    if s_end > 1e-12 * max(float(vp.sum()), 1.0):
        return float(-c_end / s_end)
    return None


def price_leads(
    p_convert: np.ndarray | Sequence[float],
    costs: np.ndarray | Sequence[float] | float,
    *,
    target_margin: float | None = None,
    target_profit: float | None = None,
    weight_high: float = 1.0,
    weight_low: float = 0.0,
    caps: np.ndarray | Sequence[float] | float | None = None,
    confidence: float | None = None,
    floors: np.ndarray | Sequence[float] | float | None = None,
) -> LeadPricing:
    r"""Per-lead prices that earn the target on average (or with a confidence).

    Parameters
    ----------
    p_convert : array_like
        Predicted probability that each lead is high quality.
    costs : array_like or float
        Generation cost of each lead (the price floor), >= 0.
    target_margin, target_profit : float
        Exactly one: batch margin (profit / revenue, < 1) or profit per lead.
    weight_high, weight_low : float
        Relative weight :math:`\omega_H, \omega_L` of a high / low quality lead (only the ratio
        matters; ``weight_high >= weight_low >= 0``, ``weight_high > 0``).
    caps : array_like or float, optional
        Willingness to pay per lead (NaN = no cap). A cap below cost is
        raised to the cost (the floor wins) and counted in ``n_cap_below_cost``.
    confidence : float, optional
        Reach the target with this probability when the batch is settled by realised
        quality class.
    floors : array_like or float, optional
        A price floor per lead above its cost (e.g. its in-house value, the opportunity
        cost of selling it): the price is at least :math:`\max(c_i, f_i)`; profit and margin
        still count the costs only. Counted in ``n_floored``.

    Raises
    ------
    UnreachableTargetError
        When the caps keep batch revenue below what the target needs.
    """
    p = np.asarray(p_convert, dtype=float).ravel()
    n = p.size
    if n == 0:
        raise PricingError("No leads to price: the batch is empty.")
    if not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1:
        raise PricingError(
            f"The 'p_convert' values must be probabilities in [0, 1]. Got {np.nanmin(p):g} to {np.nanmax(p):g} instead."
        )
    c = np.broadcast_to(np.asarray(costs, dtype=float), (n,)).astype(float)
    if not np.all(np.isfinite(c)) or c.min() < 0:
        raise PricingError("The 'costs' must be finite and >= 0.")
    w_high, w_low = weight_high, weight_low
    if not (math.isfinite(w_high) and math.isfinite(w_low) and w_high >= w_low >= 0 and w_high > 0):
        raise PricingError(
            "The relative weights of a high and a low quality lead need weight_high >= "
            f"weight_low >= 0 and weight_high > 0 (--r-high, --r-low of 'price leads'). Got "
            f"{w_high!r} and {w_low!r} instead."
        )
    if caps is None:
        w = np.full(n, np.inf)
    else:
        w = np.broadcast_to(np.asarray(caps, dtype=float), (n,)).astype(float)
        w = np.where(np.isnan(w), np.inf, w)
        if w.min() < 0:
            raise PricingError("The willingness-to-pay caps must be >= 0.")
    below = w < c
    lo = c
    if floors is not None:
        f = np.broadcast_to(np.asarray(floors, dtype=float), (n,)).astype(float)
        if not np.all(np.isfinite(f)):
            raise PricingError("The price floors must be finite.")
        lo = np.maximum(c, f)
    hi = np.where(w < lo, lo, w)
    if (target_margin is None) == (target_profit is None):
        raise PricingError("Give exactly one of target_margin and target_profit.")
    total_cost = float(c.sum())
    if target_margin is not None:
        mu = float(target_margin)
        if not (math.isfinite(mu) and mu < 1):
            raise PricingError(
                f"The target margin must be below 1 (profit over revenue). Got {target_margin!r} instead."
            )
        need, kind, value = total_cost / (1 - mu), "margin", mu
    else:
        value = float(target_profit)
        if not math.isfinite(value):
            raise PricingError(f"The target profit must be finite. Got {target_profit!r} instead.")
        need, kind = total_cost + n * value, "profit_per_lead"

    v = w_low + (w_high - w_low) * p
    pmf = None
    penalty = 0.0
    if confidence is not None:
        pmf = poisson_binomial.pmf(p)
        s_c = guaranteed_count(pmf, confidence)
        penalty = max((w_high - w_low) * (float(p.sum()) - s_c), 0.0)
    m = _smallest_root(v, lo, hi, penalty, need)
    if m is None:
        reachable = float(hi.sum()) - 0.0
        raise UnreachableTargetError(
            f"No price reaches the target: it needs expected batch revenue {need:,.2f}, but the "
            f"willingness-to-pay caps hold revenue to at most {reachable:,.2f}"
            + (" at that confidence" if confidence is not None else "")
            + f". Lower the target (the caps allow a margin of at most {1 - total_cost / reachable:.4g})"
            " or raise the caps.",
            lever="multiplier",
        )
    prices = np.minimum(np.maximum(m * v, lo), hi)
    revenue = float(prices.sum())
    profit = revenue - total_cost
    prob = None
    if pmf is not None:
        dr = m * (w_high - w_low)
        s = np.arange(n + 1, dtype=float)
        realised = revenue + dr * (s - float(p.sum()))
        ok = (
            (realised * (1 - value) >= total_cost * (1 - 1e-12))
            if kind == "margin"
            else (realised - total_cost >= n * value - 1e-9 * max(1.0, abs(need)))
        )
        prob = float(pmf[ok].sum())
    return LeadPricing(
        prices=prices,
        costs=c,
        multiplier=float(m),
        expected_revenue=revenue,
        expected_cost=total_cost,
        expected_profit=profit,
        margin=profit / revenue if revenue > 0 else None,
        target=kind,
        target_value=value,
        confidence=None if confidence is None else float(confidence),
        prob_target_met=prob,
        n_floored=int(np.sum((m * v <= lo) & ~below)),
        n_capped=int(np.sum((m * v > hi) & ~below)),
        n_cap_below_cost=int(below.sum()),
    )


def price_lead_table(
    leads: pd.DataFrame,
    *,
    costs: Mapping[str, float] | None = None,
    target_margin: float | None = None,
    target_profit: float | None = None,
    thresholds: Sequence[float] = DEFAULT_QUALITY_CLASSES[0],
    labels: Sequence[str] = DEFAULT_QUALITY_CLASSES[1],
    weight_high: float = 1.0,
    weight_low: float = 0.0,
    cap: float | None = None,
    cap_column: str = "willingness_to_pay",
    cost_column: str = "generation_cost",
    confidence: float | None = None,
    floors: np.ndarray | None = None,
) -> tuple[pd.DataFrame, LeadPricing]:
    """Classify and price a lead table (needs ``p_convert``); adds columns ``grade`` (the
    lead's quality class, ``high``/``low`` by default) and ``price``.

    Each lead's generation cost (its price floor) is its ``cost_column`` value
    when the table has one (empty cells fall back to its quality class's cost), else
    ``costs[class]``. ``weight_high``, ``weight_low``: see :func:`price_leads`. A ``cap_column`` in the table (if present) or ``cap``
    gives the willingness to pay; ``floors`` (per lead) see :func:`price_leads`.
    """
    if "p_convert" not in leads.columns:
        raise PricingError(
            "The lead table has no 'p_convert' column: score the leads first (or add a column "
            "'p_convert' with each lead's probability)."
        )
    p = leads["p_convert"].to_numpy(dtype=float)
    classes = assign_quality_classes(p, thresholds, labels)
    lead_costs = pd.Series(classes).map(dict(costs or {})).to_numpy(dtype=float)
    if cost_column in leads.columns:
        own = leads[cost_column].to_numpy(dtype=float)
        lead_costs = np.where(np.isnan(own), lead_costs, own)
    if np.isnan(lead_costs).any():
        missing = sorted(set(classes[np.isnan(lead_costs)]))
        raise PricingError(
            "A generation cost is needed for every lead; none is given for quality class(es) "
            f"{missing}. Give the cost per class (--c-high/--c-low) or a '{cost_column}' column."
        )
    caps: Any = cap
    if cap_column in leads.columns:
        caps = leads[cap_column].to_numpy(dtype=float)
    result = price_leads(
        p,
        lead_costs,
        target_margin=target_margin,
        target_profit=target_profit,
        weight_high=weight_high,
        weight_low=weight_low,
        caps=caps,
        confidence=confidence,
        floors=floors,
    )
    out = leads.copy()
    out["grade"] = classes.astype(str)  # the column keeps its name (users' files)
    out["price"] = _to_cents(result.prices, floors)
    return out, result


#: a floor within this many cents of a whole cent is that cent (floating-point noise)
_CENT_TOL = 1e-6


def _to_cents(prices: np.ndarray, floors: np.ndarray | None) -> np.ndarray:
    """Prices rounded to the cent, never below their floor: a price the rounding would take
    under its lead's floor is rounded up instead."""
    cents = np.round(prices, 2)
    if floors is None:
        return cents
    floors = np.asarray(floors, dtype=float)
    up = np.ceil(floors * 100 - _CENT_TOL) / 100
    return np.where(cents < floors - _CENT_TOL / 100, up, cents)
