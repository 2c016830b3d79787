"""Say which buyer's which requirement cannot be met, and by how much.

Each buyer is checked alone against all leads (other buyers ignored): if even
then no bundle can satisfy a requirement, the requirement is infeasible.
"""

from __future__ import annotations

import numpy as np

from leadlever.optimisers.packaging._buyers import Buyer, Market
from leadlever.optimisers.packaging._ratings import rate_bundle, sampled_sizes
from leadlever.optimisers.packaging._result import LeadPool

__all__ = ["explain_infeasibility", "infeasible_by_buyer", "describe_eligibility"]


def describe_eligibility(buyer: Buyer) -> str:
    """'matching role_category in [..] and p_fit >= 0.5' (or '' when all leads qualify)."""
    parts = [f"{col} in {list(vals)}" for col, vals in buyer.filters.items()]
    for crit, (lo, hi) in buyer.bounds.items():
        if lo is not None:
            parts.append(f"{crit} >= {lo:g}")
        if hi is not None:
            parts.append(f"{crit} <= {hi:g}")
    return " and ".join(parts)


def _buyer_reasons(buyer: Buyer, b: int, pool: LeadPool, market: Market) -> list[str]:
    reasons = []
    p = np.sort(pool.p[pool.eligible[:, b]])[::-1]
    m = p.size
    L, U = buyer.min_leads, buyer.max_leads
    what = describe_eligibility(buyer)
    such = f"leads {what}" if what else "leads"
    if m < L:
        reasons.append(
            f"{buyer.name} needs at least {L} {such} per bundle; only {m} such leads exist."
        )
        return reasons
    prefix_mean = np.cumsum(p) / np.arange(1, m + 1)
    if buyer.min_mean_p is not None:
        ok = np.flatnonzero(prefix_mean >= buyer.min_mean_p - 1e-12)
        best = int(ok[-1] + 1) if ok.size else 0
        if best < L:
            reasons.append(
                f"{buyer.name} needs mean p >= {buyer.min_mean_p:g} over {L} leads; only {best} such "
                f"leads exist: at most {best} of its {m} eligible {such} average p >= "
                f"{buyer.min_mean_p:g} together (the best {L} average {prefix_mean[L - 1]:.3f})."
            )
    prices = [price for _, price in buyer.tiers(market.scale)]
    if buyer.budget is not None and prices and buyer.budget < L * min(prices):
        reasons.append(
            f"{buyer.name}'s budget {buyer.budget:g} buys at most {int(buyer.budget // min(prices))} "
            f"leads at {min(prices):g} per lead; its bundles need at least {L}."
        )
    if buyer.min_rating is not None and not reasons:
        high = min(U, m)
        if buyer.min_mean_p is not None:
            ok = np.flatnonzero(prefix_mean[:high] >= buyer.min_mean_p - 1e-12)
            high = int(ok[-1] + 1) if ok.size else L
        best_grade, best_g = None, -1.0
        for n in sampled_sizes(L, high, limit=60):
            g = rate_bundle(p[:n], market.scale)
            if market.scale.at_least(g.rating, buyer.min_rating):
                best_grade = None
                break
            if g.guarantee > best_g:
                best_grade, best_g = g, g.guarantee
        else:
            reasons.append(
                f"{buyer.name} needs grade >= {buyer.min_rating} (guarantee >= "
                f"{market.scale.threshold(buyer.min_rating):.1%}) on {L}-{U} leads; the best bundle of "
                f"its {m} eligible leads reaches only {best_grade.rating} (P(at least "
                f"{best_grade.promised} of {best_grade.n_leads} convert) = {best_grade.guarantee:.1%})."
            )
    return reasons


def infeasible_by_buyer(pool: LeadPool, market: Market) -> dict[int, list[str]]:
    """Buyer index -> sentences on its requirements that no bundle can meet."""
    out = {}
    for b, buyer in enumerate(market.buyers):
        reasons = _buyer_reasons(buyer, b, pool, market)
        if reasons:
            out[b] = reasons
    return out


def explain_infeasibility(pool: LeadPool, market: Market) -> list[str]:
    """One sentence per requirement that no bundle can meet (empty when all can)."""
    return [r for rs in infeasible_by_buyer(pool, market).values() for r in rs]
