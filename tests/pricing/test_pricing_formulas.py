"""Closed forms of the pricing formulas against hand-computed cases."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from leadlever.pricing._formulas import (
    TwoClassLevers,
    break_even_p,
    evaluate,
    expected_profit_k,
    expected_profit_per_lead,
    profit_sensitivity,
)
from leadlever.pricing.exceptions import PricingError

CASE = TwoClassLevers(p=0.3, r_high=500, c_high=120, r_low=80, c_low=40, n=1000)


def test_case_example_142_per_lead():
    # 0.3 * (500 - 120) + 0.7 * (80 - 40) = 114 + 28 = 142
    res = evaluate(CASE)
    assert res.expected_profit_per_lead == pytest.approx(142.0)
    assert res.expected_profit_total == pytest.approx(142_000.0)
    # revenue 0.3*500 + 0.7*80 = 206, cost 0.3*120 + 0.7*40 = 64
    assert res.expected_revenue_per_lead == pytest.approx(206.0)
    assert res.expected_cost_per_lead == pytest.approx(64.0)
    assert res.margin == pytest.approx(142 / 206)


def test_multiplier_scales_revenue_only():
    # m = 1.5: 0.3*(750-120) + 0.7*(120-40) = 189 + 56 = 245
    assert expected_profit_per_lead(0.3, 500, 120, 80, 40, multiplier=1.5) == pytest.approx(245.0)


def test_vectorised_over_p():
    out = expected_profit_per_lead(pd.Series([0.0, 1.0]).to_numpy(), 500, 120, 80, 40)
    assert list(out) == pytest.approx([40.0, 380.0])


def test_break_even_in_range():
    # d_H = 100 - 20 = 80, d_L = 10 - 30 = -20: p0 = -20 / (-20 - 80) = 0.2
    be = break_even_p(100, 20, 10, 30)
    assert be.status == "in_range" and be.p == pytest.approx(0.2)
    assert expected_profit_per_lead(be.p, 100, 20, 10, 30) == pytest.approx(0.0, abs=1e-12)
    assert be.profitable == "above"
    # a high-quality lead that loses money (R_H < C_H): profitable only below the break-even
    be = break_even_p(100, 120, 80, 40)
    assert be.p == pytest.approx(2 / 3) and be.profitable == "below"
    for q, sign in ((be.p - 0.1, 1), (be.p + 0.1, -1)):
        assert sign * expected_profit_per_lead(q, 100, 120, 80, 40) > 0


@pytest.mark.parametrize(
    ("terms", "status"),
    [
        ((500, 120, 80, 40), "always_profitable"),
        ((10, 50, 5, 20), "never_profitable"),
        ((30, 10, 30, 10), "always_profitable"),
        ((30, 30, 10, 10), "independent_of_p"),
    ],
)
def test_break_even_statuses(terms, status):
    be = break_even_p(*terms)
    assert be.status == status and be.p is None


def test_case_has_no_break_even_in_unit_interval():
    res = evaluate(CASE)
    assert res.break_even_p is None
    assert res.break_even.root == pytest.approx(40 / (40 - 380))


def test_k_grades_reduce_to_two_grades():
    k = expected_profit_k(
        {"high": 0.3, "low": 0.7}, {"high": 500, "low": 80}, {"high": 120, "low": 40}, n=10
    )
    assert k.expected_profit_per_lead == pytest.approx(142.0)
    assert k.expected_profit_total == pytest.approx(1420.0)
    assert k.margin == pytest.approx(142 / 206)


def test_k_grades_hand_case():
    # 0.2*(300-50) + 0.5*(100-40) + 0.3*(20-30) = 50 + 30 - 3 = 77
    k = expected_profit_k(
        {"A": 0.2, "B": 0.5, "C": 0.3}, {"A": 300, "B": 100, "C": 20}, {"A": 50, "B": 40, "C": 30}
    )
    assert k.expected_profit_per_lead == pytest.approx(77.0)
    assert k.by_class["contribution"].tolist() == pytest.approx([50.0, 30.0, -3.0])


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(p=1.2),
        dict(p=-0.1),
        dict(c_high=-1),
        dict(r_low=math.nan),
        dict(multiplier=-1),
        dict(n=0),
    ],
)
def test_invalid_levers_are_clear_errors(kwargs):
    base = dict(p=0.3, r_high=500, c_high=120, r_low=80, c_low=40)
    base.update(kwargs)
    with pytest.raises(PricingError, match="parameter"):
        TwoClassLevers(**base)


def test_k_quality_class_shares_must_sum_to_one():
    with pytest.raises(PricingError, match="sum to 1"):
        expected_profit_k({"a": 0.5, "b": 0.4}, {"a": 1, "b": 1}, {"a": 0, "b": 0})
    with pytest.raises(PricingError, match="missing"):
        expected_profit_k({"a": 1.0}, {"b": 1}, {"a": 0})


def test_sensitivity_deltas_match_hand_values():
    sens = profit_sensitivity(CASE)
    row = sens[(sens.lever == "r_high") & (sens.change == 0.1)].iloc[0]
    assert row["delta"] == pytest.approx(0.3 * 50)  # p * 10% of R_high
    row = sens[(sens.lever == "c_low") & (sens.change == -0.2)].iloc[0]
    assert row["delta"] == pytest.approx(0.7 * 8)  # (1-p) * 20% of C_low
    # tornado order: largest absolute move first
    first = sens.groupby("lever", sort=False)["delta"].apply(lambda d: d.abs().max())
    assert list(first) == sorted(first, reverse=True)


def test_sensitivity_plot_written(tmp_path):
    from leadlever.pricing.plots import plot_pricing_sensitivity

    out = plot_pricing_sensitivity(profit_sensitivity(CASE), tmp_path / "s.png")
    assert out.exists() and out.stat().st_size > 1000


def test_k_grades_from_scoring_tiers():
    from leadlever.pricing import quality_class_shares

    p = [0.05, 0.2, 0.35, 0.5, 0.7, 0.9, 0.1, 0.65]
    shares = quality_class_shares(p, (0.3, 0.6), ("C", "B", "A"))
    assert shares == pytest.approx({"C": 3 / 8, "B": 2 / 8, "A": 3 / 8})
    k = expected_profit_k(shares, {"A": 300, "B": 120, "C": 40}, {"A": 60, "B": 40, "C": 30})
    # 3/8*240 + 2/8*80 + 3/8*10 = 90 + 20 + 3.75
    assert k.expected_profit_per_lead == pytest.approx(113.75)
