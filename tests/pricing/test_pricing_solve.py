"""Solving for a lever: round trips (property tests) and unreachable targets."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from leadlever.pricing import LEVERS, TwoClassLevers, evaluate, lever_coefficients, solve_lever
from leadlever.pricing.exceptions import PricingError, UnreachableTargetError

CASE = TwoClassLevers(p=0.3, r_high=500, c_high=120, r_low=80, c_low=40, n=100)

money = st.floats(min_value=0.0, max_value=1000.0, allow_nan=False)
levers_st = st.builds(
    TwoClassLevers,
    p=st.floats(min_value=0.0, max_value=1.0),
    r_high=money,
    c_high=money,
    r_low=money,
    c_low=money,
    multiplier=st.floats(min_value=0.1, max_value=3.0),
    n=st.integers(min_value=1, max_value=10_000),
)


def test_hand_case_solve_p():
    # 200 = 40 + p * (380 - 40)  ->  p = 160 / 340
    res = solve_lever(CASE, "p", target_profit=200)
    assert res.value == pytest.approx(160 / 340)
    assert res.expected_profit_per_lead == pytest.approx(200)


def test_hand_case_solve_multiplier_for_margin():
    # margin 0.5: m * 206 * 0.5 = 64  ->  m = 128 / 206
    res = solve_lever(CASE, "multiplier", target_margin=0.5)
    assert res.value == pytest.approx(128 / 206)
    assert res.margin == pytest.approx(0.5)


def test_total_target_divides_by_n():
    res = solve_lever(CASE, "r_low", target_total=15_000)
    assert res.expected_profit_total == pytest.approx(15_000)
    assert res.expected_profit_per_lead == pytest.approx(150)


@settings(max_examples=150, deadline=None)
@given(levers=levers_st, lever=st.sampled_from(LEVERS), u=st.floats(min_value=0.0, max_value=1.0))
@example(
    levers=TwoClassLevers(
        p=0.03125, r_high=0.0, c_high=0.0, r_low=513.0, c_low=0.0, multiplier=1.9
    ),
    lever="r_high",
    u=0.0,
)  # round-off once made the needed r_high -2e-12
def test_profit_round_trip(levers, lever, u):
    # a reachable target: the profit at an admissible value of the lever
    value = u if lever == "p" else u * 2000 if lever != "multiplier" else 3 * u
    target = evaluate(levers.with_value(lever, value)).expected_profit_per_lead
    res = solve_lever(levers, lever, target_profit=target)
    got = evaluate(res.levers).expected_profit_per_lead
    assert got == pytest.approx(target, rel=1e-7, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(levers=levers_st, lever=st.sampled_from(LEVERS), u=st.floats(min_value=0.0, max_value=1.0))
@example(
    levers=TwoClassLevers(p=0.0, r_high=1.0, c_high=1.0, r_low=0.0, c_low=0.0), lever="p", u=1.0
)  # margin 0 at every p: any value reaches it
@example(
    levers=TwoClassLevers(p=0.0, r_high=1.0, c_high=1.0, r_low=1.8189894035458565e-12, c_low=0.0),
    lever="p",
    u=1.0,
)  # the low class's revenue is round-off: every p gives margin 0 within the tolerance
@example(
    levers=TwoClassLevers(p=2**-24, r_high=278.0, c_high=0.0, r_low=1.0, c_low=213.0),
    lever="c_high",
    u=1.0,
)  # C_high's coefficient -p is tiny but exact: it was taken for round-off, "unreachable"
def test_margin_round_trip(levers, lever, u):
    value = u if lever == "p" else u * 2000 if lever != "multiplier" else 0.1 + 3 * u
    at = evaluate(levers.with_value(lever, value))
    if at.margin is None or at.margin > 1 - 1e-9 or at.expected_revenue_per_lead < 1e-3:
        return
    res = solve_lever(levers, lever, target_margin=at.margin)
    back = evaluate(res.levers)
    if res.any_value:
        # the condition holds for every value of the lever (its coefficients are round-off);
        # at the kept value revenue may be 0 or the margin a round-off away from the target
        a, b = lever_coefficients(levers, lever, margin=at.margin)
        assert abs(b) < 1e-9 and abs(a) < 1e-6
        return
    assert back.margin == pytest.approx(at.margin, rel=1e-6, abs=1e-7)


def test_unreachable_p_says_what_would_reach_it():
    with pytest.raises(UnreachableTargetError) as info:
        solve_lever(CASE, "p", target_profit=2000)
    msg = str(info.value)
    assert "above 1" in msg and "p at its limit 1" in msg
    # at p = 1 the profit is r_high - c_high: 2000 needs r_high = 2120
    assert "r_high = 2120" in msg
    assert info.value.needed == pytest.approx((2000 - 40) / 340)


def test_unreachable_negative_cost():
    with pytest.raises(UnreachableTargetError, match="below 0"):
        solve_lever(CASE, "c_high", target_profit=300)


def test_lever_without_effect_is_an_error():
    lv = TwoClassLevers(p=0.0, r_high=500, c_high=120, r_low=80, c_low=40)
    with pytest.raises(UnreachableTargetError, match="does not depend"):
        solve_lever(lv, "r_high", target_profit=100)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(target_margin=1.0),
        dict(target_margin=1.5),
        dict(),
        dict(target_profit=1, target_margin=0.2),
    ],
)
def test_bad_targets(kwargs):
    with pytest.raises(PricingError):
        solve_lever(CASE, "p", **kwargs)


def test_unknown_lever():
    with pytest.raises(PricingError, match="lever"):
        solve_lever(CASE, "price", target_profit=1)


def test_any_value_flag():
    # profit does not depend on p when both grades earn the same: 0.5 * (100 - 20) = 40 everywhere
    lv = TwoClassLevers(p=0.4, r_high=100, c_high=20, r_low=100, c_low=20)
    res = solve_lever(lv, "p", target_profit=80)
    assert res.any_value and res.value == pytest.approx(0.4)
    with pytest.raises(UnreachableTargetError, match="does not depend"):
        solve_lever(lv, "p", target_profit=90)
