"""Property tests over random tiny instances: requirements always met, never below greedy."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from packager_helpers import tiny_instance

from leadlever.optimisers.packaging import (
    PackagerSettings,
    greedy_packaging,
    package,
    prepare_leads,
)
from leadlever.optimisers.packaging._result import plan_totals, plan_violations


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(3, 10),
    ratings=st.booleans(),
    formulation=st.sampled_from(["class", "per_lead"]),
)
def test_requirements_met_and_not_below_greedy(seed, n, ratings, formulation):
    frame, market = tiny_instance(seed, n=n, ratings=ratings)
    cfg = PackagerSettings(p_resolution=None, formulation=formulation, on_infeasible="skip")
    result = package(frame, market, cost_col="cost", settings=cfg)
    if result.status == "infeasible":
        return
    pool = prepare_leads(frame, market, cost_col="cost")
    assert plan_violations(result.bundles, pool, market) == []
    greedy = greedy_packaging(pool, market)
    assert plan_violations(greedy, pool, market) == []
    revenue, cost, _ = plan_totals(greedy, pool)
    if not result.reasons:  # same buyers on both sides
        assert result.profit >= revenue - cost - 1e-6
        if formulation == "per_lead" and not any(b.min_rating for b in market.buyers):
            # without grade requirements the exact per-lead MILP alone is never below the greedy
            assert result.milp_profit >= revenue - cost - 1e-6
            assert result.method == "milp"


def _greedy_size_by_size(pool, market):
    """Reference greedy: every size from the largest down, each checked exactly."""
    import numpy as np

    from leadlever.optimisers.packaging._result import bundle_violations, make_bundle

    used = np.zeros(pool.n, dtype=bool)
    order = sorted(
        range(len(market.buyers)),
        key=lambda b: -max(pr for _, pr in market.buyers[b].tiers(market.scale)),
    )
    out = []
    for b in order:
        buyer = market.buyers[b]
        top = max(pr for _, pr in buyer.tiers(market.scale))
        spent = 0.0
        for k in range(buyer.packages):
            cand = np.flatnonzero(pool.eligible[:, b] & ~used & (pool.cost < top))
            cand = cand[np.argsort(-pool.p[cand], kind="stable")]
            chosen = None
            sizes = range(min(buyer.max_leads, cand.size), buyer.min_leads - 1, -1)
            bundles = (
                make_bundle(cand[:n], b, pool, market, f"{buyer.name}-{k + 1}") for n in sizes
            )
            chosen = next(
                (
                    x
                    for x in bundles
                    if not bundle_violations(np.array(x.rows), buyer, b, pool, market)
                    and buyer.price_for_rating(x.rating, market.scale) is not None
                    and (buyer.budget is None or spent + x.price <= buyer.budget + 1e-9)
                    and x.price > x.cost
                ),
                None,
            )
            if chosen is None:
                break
            used[np.array(chosen.rows)] = True
            spent, out = spent + chosen.price, [*out, chosen]
    return out


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_greedy_matches_the_size_by_size_reference(seed):
    import numpy as np
    from packager_helpers import beta_leads

    from leadlever.optimisers.packaging import parse_buyers

    rng = np.random.default_rng(seed)
    frame = beta_leads(rng, 150, 1.5, 6)
    doc = {
        "buyer": [
            {
                "name": "graded",
                "packages": 2,
                "min_leads": 15,
                "max_leads": int(rng.integers(20, 60)),
                "min_grade": "B",
                "price_per_lead": {"A": 30, "BBB": 25, "BB": 20, "B": 15},
            },
            {
                "name": "meanp",
                "packages": 2,
                "min_leads": 10,
                "max_leads": 40,
                "min_mean_p": round(float(rng.uniform(0.15, 0.3)), 2),
                "price_per_lead": 18,
                "budget": float(rng.integers(200, 900)),
            },
        ]
    }
    market = parse_buyers(doc, source="test")
    pool = prepare_leads(frame, market, cost_col="cost")
    fast = greedy_packaging(pool, market)
    slow = _greedy_size_by_size(pool, market)
    assert [(b.buyer, b.rows, b.price) for b in fast] == [(b.buyer, b.rows, b.price) for b in slow]
