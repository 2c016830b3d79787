"""Property tests over random tiny instances: requirements always met, never below greedy."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from optimisers.packager import PackagerSettings, package, prepare_leads
from optimisers.packager_greedy import greedy_packaging
from optimisers.packager_result import plan_totals, plan_violations
from tests.optimisers.packager_helpers import tiny_instance


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(3, 10),
    grades=st.booleans(),
    formulation=st.sampled_from(["class", "per_lead"]),
)
def test_requirements_met_and_not_below_greedy(seed, n, grades, formulation):
    frame, market = tiny_instance(seed, n=n, grades=grades)
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
        if formulation == "per_lead" and not any(b.min_grade for b in market.buyers):
            # without grade requirements the exact per-lead MILP alone is never below the greedy
            assert result.milp_profit >= revenue - cost - 1e-6
            assert result.method == "milp"
