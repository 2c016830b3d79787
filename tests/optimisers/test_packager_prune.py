"""Exact column pruning (exclusive and shared mode), class merging and the rounding repair."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from packager_helpers import assert_pruning_exact, beta_leads

from leadlever.optimisers.packaging import parse_buyers, prepare_leads
from leadlever.optimisers.packaging._model import build_classes, build_slots, solve_model
from leadlever.optimisers.packaging._prune import lead_demand, merge_classes, useful_columns
from leadlever.optimisers.packaging._rounding import round_solution


def _shared_market(seed: int, n: int = 3000):
    rng = np.random.default_rng(seed)
    frame = beta_leads(rng, n, 2, 5)
    frame["city"] = rng.choice(["London", "Berlin"], n)
    doc = {
        "market": {"max_share": 2},
        "buyer": [
            {
                "name": "open-sharer",
                "packages": 2,
                "min_leads": 20,
                "max_leads": 40,
                "min_grade": "BB",
                "price_per_lead": {"A": 30, "BB": 22},
                "exclusive": False,
                "share_discount": 0.2,
            },
            {
                "name": "city-sharer",
                "packages": 1,
                "min_leads": 10,
                "max_leads": 30,
                "price_per_lead": 14,
                "exclusive": False,
                "filters": {"city": ["London"]},
            },
            {
                "name": "meanp",
                "packages": 2,
                "min_leads": 15,
                "max_leads": 35,
                "price_per_lead": 25,
                "min_mean_p": 0.35,
                "filters": {"role": ["ds", "de"]},
            },
            {"name": "flat", "packages": 1, "min_leads": 10, "max_leads": 50, "price_per_lead": 9},
        ],
    }
    return frame, parse_buyers(doc, source="test")


def _classes(seed: int):
    frame, market = _shared_market(seed)
    pool = prepare_leads(frame, market, cost_col="cost")
    classes = build_classes(pool.p, pool.cost, pool.eligible, p_resolution=0.1, cost_bands=3)
    return pool, market, classes


@pytest.mark.parametrize("seed", [0, 2, 4])
def test_shared_pruning_is_justified_and_keeps_the_optimum(seed):
    pool, market, classes = _classes(seed)
    keep = useful_columns(classes.p, classes.cost, classes.count, classes.eligible, market)
    shared = np.array([not b.exclusive for b in market.buyers])
    assert (classes.eligible[:, shared] & ~keep[:, shared]).any()  # shared columns pruned
    assert not (keep & ~classes.eligible).any()
    # independent check of each shared prune: >= D leads in classes eligible for every
    # sharing buyer the class is, no dearer and (a sharing buyer has a grade) no less likely
    demand = lead_demand(market)
    for c in np.flatnonzero((classes.eligible[:, shared] & ~keep[:, shared]).any(axis=1)):
        assert not keep[c, shared].any()  # a class leaves shared mode as a whole
        need = classes.eligible[c] & shared
        mates = (classes.eligible[:, need].all(axis=1)) & (classes.cost <= classes.cost[c])
        mates &= classes.p >= classes.p[c]
        mates[c] = False
        assert classes.count[mates].sum() >= demand
    slots = build_slots(market)
    for relax in (True, False):
        assert_pruning_exact(classes, keep, slots, market, relax=relax)


def _check_merge(seed: int) -> int:
    """Check merge_classes on one instance; return how many classes it saved."""
    pool, market, classes = _classes(seed)
    keep = useful_columns(classes.p, classes.cost, classes.count, classes.eligible, market)
    merged = merge_classes(classes, keep, pool.p, pool.cost)
    assert merged.n_classes <= int(keep.any(axis=1).sum())
    live = np.concatenate([classes.members[c] for c in np.flatnonzero(keep.any(axis=1))])
    rows = np.concatenate(merged.members)
    assert np.array_equal(np.sort(rows), np.sort(live))  # a partition of the live leads
    seen = set()
    for c, members in enumerate(merged.members):
        assert merged.count[c] == members.size
        assert merged.p[c] == pool.p[members].min()
        assert merged.cost[c] == pytest.approx(pool.cost[members].mean())
        # every lead qualifies for every column its class keeps
        assert pool.eligible[np.ix_(members, np.flatnonzero(merged.eligible[c]))].all()
        # handed out cheapest first, then most likely
        order = np.lexsort((-pool.p[members], pool.cost[members]))
        assert np.array_equal(order, np.arange(members.size))
        key = (merged.eligible[c].tobytes(), int(merged.band[c]))
        assert key not in seen
        seen.add(key)
    return int(keep.any(axis=1).sum()) - merged.n_classes


def test_merged_classes_partition_the_live_leads():
    saved = [_check_merge(seed) for seed in range(5)]
    assert sum(saved) > 0  # some instance has classes to merge


def test_rounding_swaps_likely_leads_in_rather_than_dropping_bundles():
    """A full AAA bundle slot whose grade line breaks on rounding keeps its bundles and size."""
    rng = np.random.default_rng(5)
    n = 20_000
    p = np.clip(rng.beta(1.2, 3, n), 0.001, 0.999)
    frame = pd.DataFrame(
        {"lead_id": np.arange(n), "p_convert": p, "cost": p * rng.uniform(20, 200, n)}
    )
    doc = {
        "buyer": [
            {
                "name": "aaa",
                "packages": 3,
                "min_leads": 51,
                "max_leads": 159,
                "min_grade": "AAA",
                "price_per_lead": {"AAA": 127},
            },
            {
                "name": "bulk",
                "packages": 3,
                "min_leads": 100,
                "max_leads": 600,
                "price_per_lead": 40,
            },
            {
                "name": "graded",
                "packages": 2,
                "min_leads": 80,
                "max_leads": 300,
                "min_grade": "AA",
                "price_per_lead": {"AA": 60},
            },
        ]
    }
    market = parse_buyers(doc, source="test")
    pool = prepare_leads(frame, market, cost_col="cost")
    classes = build_classes(pool.p, pool.cost, pool.eligible, p_resolution=0.1, cost_bands=3)
    slots = build_slots(market)
    relaxed = solve_model(classes, slots, market, relax_counts=True)
    rounded, value = round_solution(relaxed, classes, slots, market)
    for s, z in relaxed.bundles.items():
        if z == 0:
            continue
        assert rounded.bundles[s] == z
        before = sum(relaxed.counts[s].values())
        after = sum(rounded.counts[s].values())
        # flooring loses under one lead per class used; the repair swaps rather than drops
        assert after >= before - len(relaxed.counts[s]) - 1e-9
    assert value >= relaxed.objective * 0.99
