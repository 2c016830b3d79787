"""Per-lead prices against hand cases, an independent bisection, and exact enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from leadlever.engine.stats import poisson_binomial
from leadlever.pricing import (
    assign_quality_classes,
    load_scored_leads,
    price_lead_table,
    price_leads,
)
from leadlever.pricing.exceptions import PricingError, UnreachableTargetError


def test_prices_proportional_to_probability_when_floor_slack():
    # need = 2*10 + 2*10 = 40 = m * (0.2 + 0.4)  ->  m = 66.67; prices 13.33, 26.67 (both > 10)
    res = price_leads([0.2, 0.4], 10.0, target_profit=10.0)
    assert res.multiplier == pytest.approx(40 / 0.6)
    assert res.prices.tolist() == pytest.approx([40 / 0.6 * 0.2, 40 / 0.6 * 0.4])
    assert res.expected_profit == pytest.approx(20.0)
    assert res.n_floored == 0


def test_floor_at_cost_binds():
    # margin 0.2: revenue = 40 / 0.8 = 50; first lead floored at 20 -> 20 + 0.5 m = 50 -> m = 60
    res = price_leads([0.1, 0.5], 20.0, target_margin=0.2)
    assert res.prices.tolist() == pytest.approx([20.0, 30.0])
    assert res.margin == pytest.approx(0.2)
    assert res.n_floored == 1


def _bisect_total(v, lo, hi, need):
    """Independent check: bisection on the (nondecreasing) batch revenue."""
    f = lambda m: np.minimum(np.maximum(m * v, lo), hi).sum() - need  # noqa: E731
    a, b = 0.0, 1.0
    while f(b) < 0:
        b *= 2
    for _ in range(200):
        mid = 0.5 * (a + b)
        a, b = (mid, b) if f(mid) < 0 else (a, mid)
    return b


@pytest.mark.parametrize("seed", range(5))
def test_exact_root_matches_bisection_with_floor_and_cap(seed):
    rng = np.random.default_rng(seed)
    n = 200
    p = rng.beta(2, 5, n)
    cost = rng.uniform(5, 30, n)
    cap = np.where(rng.random(n) < 0.3, rng.uniform(30, 80, n), np.nan)
    res = price_leads(p, cost, target_margin=0.25, caps=cap)
    hi = np.where(np.isnan(cap), np.inf, np.maximum(cap, cost))
    m = _bisect_total(p, cost, hi, cost.sum() / 0.75)
    assert res.multiplier == pytest.approx(m, rel=1e-9)
    assert res.margin == pytest.approx(0.25)
    assert np.all(res.prices >= cost - 1e-9)
    assert np.all(res.prices <= hi + 1e-9)


def test_caps_too_low_is_unreachable():
    with pytest.raises(UnreachableTargetError, match="willingness-to-pay caps"):
        price_leads([0.2, 0.6], 20.0, target_margin=0.8, caps=50.0)


def test_cap_below_cost_keeps_floor_and_is_counted():
    res = price_leads([0.2, 0.6], 20.0, target_margin=0.1, caps=[10.0, np.nan])
    assert res.prices[0] == pytest.approx(20.0)
    assert res.n_cap_below_cost == 1


def _realised_prob(p, prices, m, dr, need):
    """P(grade-settled revenue >= need) by enumerating every outcome (independent of the pmf)."""
    total = 0.0
    for outcome in itertools.product([0, 1], repeat=len(p)):
        x = np.array(outcome)
        prob = np.prod(np.where(x == 1, p, 1 - p))
        revenue = prices.sum() + m * dr * (x.sum() - p.sum())
        total += prob * (revenue >= need - 1e-9)
    return total


def test_confidence_price_reaches_target_with_that_probability_and_is_minimal():
    p = np.array([0.1, 0.3, 0.5, 0.7, 0.2, 0.6, 0.4, 0.8])
    cost = 10.0
    res = price_leads(p, cost, target_profit=5.0, confidence=0.9)
    need = 8 * cost + 8 * 5.0
    prob = _realised_prob(p, res.prices, res.multiplier, 1.0, need)
    assert prob >= 0.9 - 1e-12
    assert res.prob_target_met == pytest.approx(prob)
    # a slightly lower multiplier falls short of the confidence
    lower = np.maximum(res.multiplier * 0.999 * p, cost)
    assert _realised_prob(p, lower, res.multiplier * 0.999, 1.0, need) < 0.9
    # and it asks for more than the on-average price
    assert res.multiplier > price_leads(p, cost, target_profit=5.0).multiplier


def test_quality_classes_from_thresholds():
    classes = assign_quality_classes([0.1, 0.5, 0.49, 0.9], (0.3, 0.6), ("C", "B", "A"))
    assert classes.tolist() == ["C", "B", "B", "A"]
    with pytest.raises(PricingError, match="labels"):
        assign_quality_classes([0.1], (0.5,), ("a",))
    with pytest.raises(PricingError, match="increasing"):
        assign_quality_classes([0.1], (0.6, 0.3), ("a", "b", "c"))


def test_price_lead_table_adds_grade_and_price():
    leads = pd.DataFrame({"lead_id": ["a", "b", "c"], "p_convert": [0.1, 0.55, 0.8]})
    out, res = price_lead_table(leads, costs={"low": 10.0, "high": 30.0}, target_margin=0.2)
    assert out["grade"].tolist() == ["low", "high", "high"]
    assert out["price"].sum() == pytest.approx((10 + 30 + 30) / 0.8, abs=0.02)
    assert res.expected_cost == pytest.approx(70.0)


def test_relative_weights_set_price_ratios_not_the_scale():
    """Prices follow v_i = w_L + (w_H - w_L) p_i; only the weights' ratio matters."""
    p = np.array([0.1, 0.4, 0.9])
    res = price_leads(p, 0.0, target_profit=10.0, weight_high=2.0, weight_low=1.0)
    v = 1.0 + p  # w_L + (w_H - w_L) p with (2, 1)
    assert res.prices == pytest.approx(v * 30.0 / v.sum())  # sum of prices = N x 10, no floor
    doubled = price_leads(p, 0.0, target_profit=10.0, weight_high=4.0, weight_low=2.0)
    assert doubled.prices == pytest.approx(res.prices)
    with pytest.raises(PricingError, match="weight_high >= weight_low"):
        price_leads(p, 0.0, target_profit=10.0, weight_high=1.0, weight_low=2.0)


def test_missing_p_convert_is_clear():
    with pytest.raises(PricingError, match="p_convert"):
        price_lead_table(pd.DataFrame({"x": [1]}), costs={"low": 1, "high": 1}, target_margin=0.1)


def test_bad_probabilities_and_targets():
    with pytest.raises(PricingError):
        price_leads([0.2, 1.3], 1.0, target_margin=0.1)
    with pytest.raises(PricingError):
        price_leads([0.2], 1.0, target_margin=1.0)
    with pytest.raises(PricingError):
        price_leads([0.2], 1.0)


def test_load_scored_leads_detects_percent(tmp_path):
    path = tmp_path / "s.csv"
    pd.DataFrame({"lead_id": ["a", "b"], "p_convert": [150.0, 20.0]}).to_csv(path, index=False)
    with pytest.raises(Exception, match="p_convert"):
        load_scored_leads(path)


def test_on_simulated_leads():
    from leadlever.simulations.world import simulate_leads

    leads = simulate_leads(500, seed=3).assign(p_convert=lambda d: d["true_p_convert"])
    out, res = price_lead_table(leads, costs={"low": 20.0, "high": 40.0}, target_margin=0.3)
    assert res.margin == pytest.approx(0.3)
    # higher probability never gets a lower price within a grade (weighting by probability)
    for _, g in out.groupby("grade"):
        g = g.sort_values("p_convert")
        assert g["price"].is_monotonic_increasing
    assert poisson_binomial.pmf(leads["p_convert"]).sum() == pytest.approx(1.0)
