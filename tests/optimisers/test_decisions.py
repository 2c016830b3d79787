"""Decisions within the evidence: caps, holds, equal-budget uplift, intervals, risk, the truth."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadlever.optimisers.allocation import DecisionSettings, allocate, recommend, recommend_fit
from leadlever.optimisers.allocation._risk import cvar
from leadlever.optimisers.curves import CurveDraws, CurveStack, Hill, fit_curves
from leadlever.simulations.world import random_channel_world, simulate_channels

SETTINGS = dict(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: relative tolerance of budget sums and bounds (floating point, not modelling)
TOL = 1e-7


@st.composite
def situations(draw):
    n = draw(st.integers(2, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    curves = [
        Hill(s, k, a)
        for s, k, a in zip(
            rng.uniform(1, 10, n), rng.uniform(0.5, 5, n), rng.uniform(0.6, 2.5, n), strict=True
        )
    ]
    current = (
        rng.dirichlet(np.ones(n)) * rng.uniform(0.5, 3.0) * sum(c.half_saturation for c in curves)
    )
    max_obs = current * rng.uniform(1.0, 1.6, n)
    min_obs = current * rng.uniform(0.5, 1.0, n)
    quality = list(rng.choice(["trusted", "trusted", "weak", "unidentified"], n))
    budget = float(current.sum() * rng.choice([1.0, rng.uniform(0.5, 1.5)]))
    margin = float(rng.uniform(0.0, 0.5))
    return curves, current, max_obs, min_obs, quality, budget, margin


@given(situations())
@settings(**SETTINGS)
def test_never_beyond_the_evidence_and_uplift_at_equal_budget(sit):
    curves, current, max_obs, min_obs, quality, budget, margin = sit
    n = len(curves)
    names = [f"c{i}" for i in range(n)]
    rec = recommend(
        names,
        curves,
        budget,
        current_spend=current,
        max_observed=max_obs,
        min_observed=min_obs,
        quality=quality,
        settings=DecisionSettings(margin=margin),
    )
    x = np.array([rec.spend[c] for c in names])
    cap = max_obs * (1 + margin)
    scale = budget / current.sum()
    assert np.all(x <= cap * (1 + TOL))  # never above the evidence cap
    assert x.sum() + rec.unallocated == pytest.approx(budget, rel=TOL)
    if rec.unallocated > 0:
        assert rec.unallocated == pytest.approx(budget - cap.sum(), rel=1e-6) and rec.notes
    for i, q in enumerate(quality):
        if q == "unidentified":  # held at its current share of the budget
            assert x[i] == pytest.approx(min(current[i] * scale, cap[i]), rel=TOL)
        if q == "weak":  # within the spend range seen, margin included
            assert x[i] >= min(min_obs[i] * (1 - margin), current[i] * scale) * (1 - TOL)
    stack = CurveStack(curves)
    same_budget = np.clip(current * (x.sum() / current.sum()), 0, cap)
    if rec.unallocated == 0 and abs(same_budget.sum() - x.sum()) <= TOL * budget:
        # uplift compares plans of the same budget: the recommended split and today's shares
        expected = stack.value(x).sum() - stack.value(same_budget).sum()
        assert rec.uplift == pytest.approx(expected, rel=1e-6, abs=1e-9)
        assert rec.uplift >= -1e-9 * abs(stack.value(same_budget).sum())
    if abs(budget - current.sum()) > 1e-6 * budget:
        assert rec.value_change == pytest.approx(
            stack.value(x).sum() - stack.value(current).sum(), rel=1e-6, abs=1e-9
        )
    else:
        assert rec.value_change is None
    for c in rec.channels:
        assert c.limit_cost >= -1e-9
        if c.status in ("held", "capped"):
            assert c.why


def _draws(curves, names, rng, n=300, spread=0.3):
    p = {
        "scale": np.array([c.scale for c in curves])
        * np.exp(rng.normal(0, spread, (n, len(curves)))),
        "half_saturation": np.array([c.half_saturation for c in curves])
        * np.exp(rng.normal(0, spread, (n, len(curves)))),
        "shape": np.tile([c.shape for c in curves], (n, 1)),
        "adstock": np.zeros((n, len(curves))),
    }
    return CurveDraws(tuple(names), "hill", p)


def test_interval_and_p_better_are_the_draws_quantiles():
    rng = np.random.default_rng(4)
    curves = [Hill(10, 2, 1.0), Hill(6, 1, 1.2), Hill(8, 4, 0.9)]
    names = ["a", "b", "c"]
    cur = np.array([3.0, 1.0, 0.5])
    draws = _draws(curves, names, rng)
    rec = recommend(names, curves, None, current_spend=cur, draws=draws)
    x = np.array([rec.spend[c] for c in names])
    gains = draws.values(x).sum(axis=1) - draws.values(cur).sum(axis=1)
    assert rec.uplift_interval == pytest.approx(tuple(np.quantile(gains, [0.05, 0.95])))
    assert rec.p_better == pytest.approx(np.mean(gains > 0))
    assert rec.n_draws == 300


def test_cvar_split_is_never_worse_than_today_in_the_worst_draws():
    rng = np.random.default_rng(7)
    curves = [Hill(10, 2, 1.0), Hill(6, 1, 1.2), Hill(8, 4, 0.9), Hill(3, 1, 2.0)]
    names = list("abcd")
    cur = np.array([2.0, 2.0, 2.0, 2.0])
    draws = _draws(curves, names, rng, spread=0.6)
    mean = recommend(names, curves, None, current_spend=cur, draws=draws)
    risky = recommend(
        names, curves, None, current_spend=cur, draws=draws, settings=DecisionSettings(risk="cvar")
    )
    xm = np.array([mean.spend[c] for c in names])
    xr = np.array([risky.spend[c] for c in names])
    assert xr.sum() == pytest.approx(cur.sum())

    def worst(x):
        return cvar(draws.values(x).sum(axis=1), 0.1)

    assert worst(xr) >= worst(cur) - 1e-9
    assert worst(xr) >= worst(xm) - 1e-9 * abs(worst(xm))
    assert risky.risk == "cvar"


def test_budget_beyond_the_evidence_is_left_unallocated_and_said():
    curves = [Hill(10, 2, 1.0), Hill(6, 1, 1.2)]
    rec = recommend(
        ["a", "b"],
        curves,
        100.0,
        current_spend=np.array([1.0, 1.0]),
        max_observed=np.array([2.0, 3.0]),
    )
    assert rec.spend == pytest.approx({"a": 2.4, "b": 3.6})
    assert rec.unallocated == pytest.approx(100.0 - 6.0)
    assert "left unallocated" in rec.notes[0]
    assert {c.status for c in rec.channels} == {"capped"}


def test_what_a_cap_costs_is_the_value_of_lifting_it():
    curves = [Hill(100, 50, 1.0), Hill(5, 1, 1.0)]  # 'a' far from saturated, capped
    cur = np.array([5.0, 5.0])
    rec = recommend(["a", "b"], curves, None, current_spend=cur, max_observed=np.array([6.0, 10.0]))
    a = next(c for c in rec.channels if c.channel == "a")
    assert a.status == "capped" and a.spend == pytest.approx(7.2)
    lifted = allocate(curves, 10.0, max_spend=np.array([12.0, 20.0]))  # lift_to = 2 x largest
    assert a.limit_cost == pytest.approx(
        lifted.objective - CurveStack(curves).value([7.2, 2.8]).sum(), rel=1e-6
    )


@pytest.mark.slow
def test_captured_uplift_and_coverage_under_the_truth():
    """Two simulated worlds (the benchmark has 20): the decision under the TRUE curves."""
    captured, covered = [], []
    for seed in (3, 13):
        world = random_channel_world(6, seed=seed)
        fit = fit_curves(simulate_channels(104, seed=seed + 1000, world=world))
        rec = recommend_fit(fit)
        names = world.channel_names
        by = fit.as_mapping()
        cur = np.array([by[n].current_spend for n in names])
        cap = np.array([by[n].max_observed_spend for n in names]) * 1.2
        x = np.array([rec.spend[n] for n in names])
        oracle = world.oracle(cur.sum(), max_spend=cap)
        gain = world.value(x) - world.value(cur)
        captured.append(gain / (world.value(oracle) - world.value(cur)))
        covered.append(rec.uplift_interval[0] <= gain <= rec.uplift_interval[1])
        assert gain >= 0  # never below the current split's true value
    assert np.mean(captured) >= 0.8
    assert all(covered)
