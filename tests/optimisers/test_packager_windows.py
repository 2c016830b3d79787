"""Grade windows: the MILP builds graded bundles of unlikely leads (a sale pool's usual state)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leadlever.optimisers.packaging import (
    PackagerSettings,
    certified_line,
    greedy_packaging,
    package,
    parse_buyers,
    prepare_leads,
)
from leadlever.optimisers.packaging._result import plan_totals, plan_violations

BUYERS = {
    "buyer": [
        {
            "name": "graded",
            "packages": 2,
            "min_leads": 40,
            "max_leads": 90,
            "min_grade": "B",
            "price_per_lead": {"BBB": 20, "BB": 17, "B": 14},
        },
        {
            "name": "volume",
            "packages": 1,
            "min_leads": 40,
            "max_leads": 200,
            "price_per_lead": 11,
            "budget": 1000,
        },
    ]
}


def _unlikely_leads(seed: int, n: int = 260) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"lead_id": np.arange(n), "p_convert": rng.beta(1.3, 30, n).round(4)})


def _solve(seed: int):
    frame = _unlikely_leads(seed)
    market = parse_buyers(BUYERS, source="test")
    result = package(frame, market, settings=PackagerSettings(greedy_fallback=False))
    return result, prepare_leads(frame, market), market


def test_milp_grades_bundles_of_unlikely_leads():
    below_line = 0
    for seed in range(4):
        result, pool, market = _solve(seed)
        assert result.status == "optimal"
        assert plan_violations(result.bundles, pool, market) == []
        graded = [g for g in result.bundles if g.buyer == "graded"]
        assert len(graded) == 2 and all(g.rating in ("BBB", "BB", "B") for g in graded)
        # a graded bundle below the certified line can only come from a window
        a, b, _ = certified_line("B", 40, 90, market.scale)
        below_line += sum(g.expected_conversions < a + b * g.n_leads for g in graded)
        # the optimiser alone (no greedy fallback) is within its rounding of the greedy
        revenue, cost, _ = plan_totals(greedy_packaging(pool, market), pool)
        assert result.profit >= 0.98 * (revenue - cost)
    assert below_line > 0


def test_windows_raise_the_milp_profit(monkeypatch):
    """The certified optimum (what the MILP can promise) rises with windows. Concrete
    profits are re-rated after the solve, so which of several equally good LP vertices the
    solver returns can lift a line-only plan to the same concrete profit."""
    with_windows, _, _ = _solve(0)
    monkeypatch.setattr(
        "leadlever.optimisers.packaging._model.certified_windows", lambda *a, **k: ()
    )
    line_only, _, _ = _solve(0)
    assert with_windows.status == line_only.status == "optimal"
    assert with_windows.model_objective > line_only.model_objective
    assert with_windows.profit >= line_only.profit


@pytest.mark.parametrize("relax", [True, False])
def test_pruning_with_window_caps_keeps_the_optimum(relax):
    from packager_helpers import assert_pruning_exact

    from leadlever.optimisers.packaging._model import build_classes, build_slots
    from leadlever.optimisers.packaging._prune import useful_columns

    frame = _unlikely_leads(7, n=3000)
    market = parse_buyers(BUYERS, source="test")
    pool = prepare_leads(frame, market)
    classes = build_classes(pool.p, pool.cost, pool.eligible, p_resolution=0.05)
    slots = build_slots(market)
    capped = np.array([any(s.window for s in slots if s.buyer == b) for b in range(2)])
    assert capped.tolist() == [True, False]
    keep = useful_columns(
        classes.p,
        classes.cost,
        classes.count,
        classes.eligible,
        market,
        p_max=classes.p_high,
        capped=capped,
    )
    assert (classes.eligible & ~keep).any()
    assert_pruning_exact(classes, keep, slots, market, relax=relax)


def test_greedy_marks_non_exclusive_bundles_shared():
    doc = {
        "buyer": [
            {
                "name": "sharer",
                "packages": 1,
                "min_leads": 10,
                "max_leads": 30,
                "price_per_lead": 10,
                "exclusive": False,
                "share_discount": 0.3,
            }
        ]
    }
    market = parse_buyers(doc, source="test")
    pool = prepare_leads(_unlikely_leads(1, 100), market)
    bundles = greedy_packaging(pool, market)
    assert bundles and all(b.shared for b in bundles)
    assert all(b.price_per_lead == pytest.approx(7.0) for b in bundles)
