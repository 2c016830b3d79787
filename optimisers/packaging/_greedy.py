"""Greedy baseline: the best leads to the highest-paying buyer first.

Buyers are served in decreasing order of their best price per lead. For each of
a buyer's bundles the greedy takes the eligible unsold leads in decreasing
``p`` (leads whose opportunity cost is at least that price stay in-house) and
keeps the largest prefix that meets every requirement (size, mean p, exact
rating, budget) and earns more than its leads' opportunity cost. Sharing is not
used: every lead goes to one buyer at most.
"""

from __future__ import annotations

import numpy as np

from leadlever.optimisers.packaging._buyers import Market
from leadlever.optimisers.packaging._ratings import prefix_guarantees
from leadlever.optimisers.packaging._result import Bundle, LeadPool, bundle_violations, make_bundle

__all__ = ["greedy_packaging"]


def greedy_packaging(pool: LeadPool, market: Market) -> list[Bundle]:
    """Bundles chosen greedily (see the module docstring)."""
    used = np.zeros(pool.n, dtype=bool)
    order = sorted(
        range(len(market.buyers)),
        key=lambda b: -max(pr for _, pr in market.buyers[b].tiers(market.scale)),
    )
    out: list[Bundle] = []
    by_p = np.argsort(-pool.p, kind="stable")  # one sort; each bundle filters it
    for b in order:
        buyer = market.buyers[b]
        top_price = max(pr for _, pr in buyer.tiers(market.scale))
        spent = 0.0
        for k in range(buyer.packages):
            cand = by_p[(pool.eligible[:, b] & ~used & (pool.cost < top_price))[by_p]]
            n_max = min(buyer.max_leads, cand.size)
            if buyer.min_mean_p is not None and n_max:
                prefix = np.cumsum(pool.p[cand[:n_max]]) / np.arange(1, n_max + 1)
                ok = np.flatnonzero(prefix >= buyer.min_mean_p - 1e-12)
                n_max = int(ok[-1] + 1) if ok.size else 0
            if buyer.budget is not None:
                low_price = min(pr for _, pr in buyer.tiers(market.scale))
                if low_price > 0:
                    n_max = min(n_max, int((buyer.budget - spent) // low_price + 1e-9))
            chosen = None
            for n in _promising_sizes(cand, n_max, b, pool, market, spent):
                rows = cand[:n]
                bundle = make_bundle(
                    rows, b, pool, market, f"{buyer.name}-{k + 1}", shared=not buyer.exclusive
                )
                if bundle_violations(rows, buyer, b, pool, market):
                    continue
                if buyer.price_for_rating(bundle.rating, market.scale) is None:
                    continue
                if buyer.budget is not None and spent + bundle.price > buyer.budget + 1e-9:
                    continue
                if bundle.price - bundle.cost <= 0:
                    continue
                chosen = bundle
                break
            if chosen is None:
                break
            used[list(chosen.rows)] = True
            spent += chosen.price
            out.append(chosen)
    return out


def _promising_sizes(
    cand: np.ndarray, n_max: int, b: int, pool: LeadPool, market: Market, spent: float
) -> list[int]:
    """Sizes ``n_max`` down to the minimum whose prefix may pass every check, largest first.

    The rating, price, profit and budget of every prefix come from one pass of
    :func:`leadlever.optimisers.packaging._ratings.prefix_guarantees` (guarantees taken 1e-9 high, so no size the
    exact check would accept is left out); the caller still checks each size exactly.
    """
    buyer = market.buyers[b]
    lo = buyer.min_leads
    if n_max < lo:
        return []
    guarantee = prefix_guarantees(pool.p[cand[:n_max]], market.scale) + 1e-9
    costs = np.cumsum(pool.cost[cand[:n_max]])
    out = []
    for n in range(n_max, lo - 1, -1):
        per_lead = buyer.price_for_rating(market.scale.rating_of(guarantee[n - 1]), market.scale)
        if per_lead is None:
            continue
        price = per_lead * n
        if price - costs[n - 1] <= 0:
            continue
        if buyer.budget is not None and spent + price > buyer.budget + 1e-9:
            continue
        out.append(n)
    return out
