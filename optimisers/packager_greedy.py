"""Greedy baseline: the best leads to the highest-paying buyer first.

Buyers are served in decreasing order of their best price per lead. For each of
a buyer's bundles the greedy takes the eligible unsold leads in decreasing
``p`` (leads whose opportunity cost is at least that price stay in-house) and
keeps the largest prefix that meets every requirement (size, mean p, exact
grade, budget) and earns more than its leads' opportunity cost. Sharing is not
used: every lead goes to one buyer at most.
"""

from __future__ import annotations

import numpy as np

from optimisers.buyers import Market
from optimisers.packager_result import Bundle, LeadPool, bundle_violations, make_bundle

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
            for n in range(n_max, buyer.min_leads - 1, -1):
                rows = cand[:n]
                bundle = make_bundle(rows, b, pool, market, f"{buyer.name}-{k + 1}")
                if bundle_violations(rows, buyer, b, pool, market):
                    continue
                if buyer.price_for_grade(bundle.grade, market.scale) is None:
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
