"""Random tiny packaging instances and an independent brute-force optimum."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd

from leadlever.optimisers.packaging import parse_buyers


def beta_leads(rng: np.random.Generator, n: int, a: float = 2, b: float = 4) -> pd.DataFrame:
    """Leads with Beta(a, b) probabilities, costs up to 60 x p and a role."""
    p = rng.beta(a, b, n)
    return pd.DataFrame(
        {
            "lead_id": np.arange(n),
            "p_convert": p.round(4),
            "cost": (p * rng.uniform(5, 60, n)).round(2),
            "role": rng.choice(["ds", "de", "pm"], n),
        }
    )


def tiny_instance(seed: int, n: int = 7, ratings: bool = False):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(n)],
            "p_convert": rng.uniform(0.05, 0.95, n).round(3),
            "cost": rng.choice([0.0, 0.0, 5.0, 30.0], n),
            "role": rng.choice(["ds", "de", "pm"], n),
        }
    )
    buyers = []
    for j, name in enumerate(("alpha", "beta")):
        lo = int(rng.integers(1, 4))
        b = {
            "name": name,
            "packages": int(rng.integers(1, 3)) if j == 0 else 1,
            "min_leads": lo,
            "max_leads": lo + int(rng.integers(0, 4)),
            "price_per_lead": float(rng.integers(5, 40)),
        }
        if rng.random() < 0.5:
            b["min_mean_p"] = round(float(rng.uniform(0.2, 0.7)), 2)
        if rng.random() < 0.5:
            b["filters"] = {
                "role": sorted(rng.choice(["ds", "de", "pm"], 2, replace=False).tolist())
            }
        if rng.random() < 0.3:
            b["budget"] = float(b["price_per_lead"] * (lo + 1))
        if ratings and rng.random() < 0.5:
            b["min_grade"] = str(rng.choice(["BB", "B"]))
        buyers.append(b)
    return frame, parse_buyers({"buyer": buyers}, source="tiny")


def brute_force(frame: pd.DataFrame, market) -> float:
    """Best profit over every assignment of leads to bundles (linear requirements only)."""
    p = frame["p_convert"].to_numpy()
    cost = frame["cost"].to_numpy()
    n = p.size
    slots = [(b, buyer) for b, buyer in enumerate(market.buyers) for _ in range(buyer.packages)]
    elig = np.ones((n, len(market.buyers)), bool)
    for b, buyer in enumerate(market.buyers):
        for col, allowed in buyer.filters.items():
            elig[:, b] &= frame[col].isin(allowed).to_numpy()
    assign = np.array(list(itertools.product(range(len(slots) + 1), repeat=n)))  # 0 = unsold
    ok = np.ones(len(assign), bool)
    profit = np.zeros(len(assign))
    spend = np.zeros((len(assign), len(market.buyers)))
    for s, (b, buyer) in enumerate(slots, start=1):
        inside = assign == s
        size = inside.sum(axis=1)
        used = size > 0
        ok &= ~used | ((size >= buyer.min_leads) & (size <= buyer.max_leads))
        ok &= ~(inside & ~elig[:, b]).any(axis=1)
        if buyer.min_mean_p is not None:
            ok &= ~used | (inside @ p >= buyer.min_mean_p * size - 1e-12)
        price = float(buyer.price_per_lead)
        profit += price * size - inside @ cost
        spend[:, b] += price * size
    for b, buyer in enumerate(market.buyers):
        if buyer.budget is not None:
            ok &= spend[:, b] <= buyer.budget + 1e-9
    return float(profit[ok].max())


def assert_pruning_exact(classes, keep, slots, market, relax: bool = True) -> None:
    """The class model has the same optimum with only the ``keep`` columns.

    Equal up to the solver's relative gap tolerance (1e-6) for integer counts.
    """
    from leadlever.optimisers.packaging._model import solve_model

    full = solve_model(classes, slots, market, relax_counts=relax)
    pruned = solve_model(
        dataclasses.replace(classes, eligible=keep), slots, market, relax_counts=relax
    )
    assert abs(pruned.objective - full.objective) <= 2e-6 * max(1.0, abs(full.objective))
