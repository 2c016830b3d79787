"""Scenarios against closed forms and their defining conditions."""

import numpy as np
import pytest

from leadlever.optimisers.allocation import allocate
from leadlever.optimisers.allocation._scenarios import (
    frontier,
    max_profit,
    max_value,
    min_spend_for_value,
    spend_for_average_roi,
    spend_for_marginal_roi,
)
from leadlever.optimisers.curves import Hill, MichaelisMenten
from leadlever.optimisers.exceptions import InfeasibleRequirementError

CONCAVE = [MichaelisMenten(4.0, 1.0), MichaelisMenten(9.0, 3.0), MichaelisMenten(2.0, 0.5)]
SSHAPED = [Hill(5.0, 2.0, 2.5), Hill(3.0, 1.0, 1.5), MichaelisMenten(4.0, 2.0)]


def test_marginal_roi_closed_form_for_michaelis_menten():
    r = 0.3
    s = np.array([4.0, 9.0, 2.0])
    K = np.array([1.0, 3.0, 0.5])
    expected = np.maximum(np.sqrt(s * K / r) - K, 0.0)
    alloc = spend_for_marginal_roi(CONCAVE, r, max_budget=100.0)
    np.testing.assert_allclose(alloc.spend, expected, rtol=1e-9)
    assert alloc.extra["scenario"] == "marginal_roi"


def test_marginal_roi_on_s_shaped_curves_hits_the_target():
    alloc = spend_for_marginal_roi(SSHAPED, 0.4, max_budget=50.0)
    assert alloc.certificate.multiplier == pytest.approx(0.4, rel=1e-6)


@pytest.mark.parametrize("curves", [CONCAVE, SSHAPED], ids=["concave", "sshaped"])
def test_average_roi_is_the_largest_budget_meeting_the_target(curves):
    target = 1.0
    alloc = spend_for_average_roi(curves, target, max_budget=40.0)
    b = alloc.budget
    assert alloc.total_value / b == pytest.approx(target, rel=1e-6)
    assert allocate(curves, b * 1.001).total_value / (b * 1.001) < target


@pytest.mark.parametrize("curves", [CONCAVE, SSHAPED], ids=["concave", "sshaped"])
def test_min_spend_for_value(curves):
    target = 6.0
    alloc = min_spend_for_value(curves, target, max_budget=40.0)
    assert alloc.total_value == pytest.approx(target, rel=1e-6)
    assert allocate(curves, alloc.budget * 0.999).total_value < target


def test_unreachable_targets_raise():
    with pytest.raises(InfeasibleRequirementError, match="reaches only"):
        min_spend_for_value(CONCAVE, 100.0, max_budget=10.0)
    with pytest.raises(InfeasibleRequirementError, match="best is"):
        spend_for_average_roi(CONCAVE, 50.0, max_budget=10.0)


def test_frontier_is_increasing_and_matches_allocate():
    budgets = [1.0, 2.0, 5.0, 10.0]
    frame = frontier(SSHAPED, budgets).to_frame()
    assert np.all(np.diff(frame["value"]) > 0)
    for b, v in zip(budgets, frame["value"], strict=False):
        assert v == pytest.approx(allocate(SSHAPED, b).objective)


def test_max_profit_equals_value_minus_spend_and_max_value_spends_all():
    p = max_profit(CONCAVE, 100.0)
    assert p.objective == pytest.approx(p.total_value - p.total_spend)
    # interior channels stop where the marginal return is 1 (the price of spend)
    np.testing.assert_allclose(
        p.spend, np.maximum(np.sqrt([4.0, 27.0, 1.0]) - [1.0, 3.0, 0.5], 0), rtol=1e-9
    )
    v = max_value(CONCAVE, 7.0)
    assert v.total_spend == pytest.approx(7.0)
