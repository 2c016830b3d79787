"""Plans over weeks against independent computations (one-week optimum, brute force, targets)."""

import itertools

import numpy as np
import pytest

from leadlever.optimisers.allocation import allocate, plan_curves, plan_weeks
from leadlever.optimisers.allocation._plan import TAIL_WEEKS
from leadlever.optimisers.curves import Hill, geometric_adstock

CURVES = [Hill(10.0, 3.0, 1.0), Hill(6.0, 1.5, 0.8), Hill(8.0, 5.0, 1.0)]
NAMES = ["a", "b", "c"]
CUR = np.array([2.0, 1.0, 2.0])


def _common(weeks, lam=(0.0, 0.0, 0.0), state=None, m=None, caps=(np.inf,) * 3):
    return dict(
        weeks=weeks,
        current_spend=CUR,
        adstock=np.array(lam),
        carryover_state=CUR if state is None else np.array(state),
        time_effect=np.ones(weeks + TAIL_WEEKS) if m is None else m,
        lower=np.zeros(3),
        upper=np.array(caps),
    )


def test_without_carryover_or_season_every_week_is_the_one_week_optimum():
    x, info = plan_weeks(NAMES, CURVES, budget=4 * 5.0, **_common(4))
    best = allocate(CURVES, 5.0)
    for week in x:
        np.testing.assert_allclose(week, best.spend, atol=1e-4)
    assert info["value"] == pytest.approx(4 * best.objective, rel=1e-6)


def _value(x, lam, state, m):
    full = np.zeros((m.size, 3))
    full[: x.shape[0]] = x
    a = geometric_adstock(full, np.array(lam), initial=np.array(state))
    return float(
        sum(m[t] * sum(c.value(a[t, i]) for i, c in enumerate(CURVES)) for t in range(m.size))
    )


def test_carryover_and_season_plan_beats_a_brute_force_grid():
    lam, state = (0.6, 0.2, 0.4), (3.0, 0.5, 1.0)
    m = np.concatenate([[0.8, 1.3], np.ones(TAIL_WEEKS)])
    x, info = plan_weeks(
        NAMES, CURVES, weekly=[5.0, 5.0], **_common(2, lam, state, m, caps=(4.0, 4.0, 4.0))
    )
    assert info["value"] == pytest.approx(_value(x, lam, state, m), rel=1e-9)
    grid = np.linspace(0.0, 4.0, 17)
    best = -np.inf
    for a1, b1, a2, b2 in itertools.product(grid, repeat=4):
        c1, c2 = 5.0 - a1 - b1, 5.0 - a2 - b2
        if not (0 <= c1 <= 4 and 0 <= c2 <= 4):
            continue
        best = max(best, _value(np.array([[a1, b1, c1], [a2, b2, c2]]), lam, state, m))
    assert info["value"] >= best - 1e-9
    np.testing.assert_allclose(x.sum(axis=1), [5.0, 5.0], rtol=1e-6)
    assert np.all(x <= 4.0 + 1e-9)


def test_total_budget_with_a_weekly_cap():
    x, _ = plan_weeks(
        NAMES,
        CURVES,
        budget=12.0,
        max_week=4.5,
        **_common(3, (0.5, 0.5, 0.5), m=np.r_[1.5, 1, 1, np.ones(TAIL_WEEKS)]),
    )
    assert x.sum() == pytest.approx(12.0, rel=1e-6)
    assert np.all(x.sum(axis=1) <= 4.5 + 1e-6)


def test_minimum_total_for_a_target(tmp_path):
    path = tmp_path / "curves.csv"
    path.write_text(
        "channel,curve,scale,half_saturation,shape,current_spend,max_observed_spend,adstock\n"
        "a,hill,10,3,1,2,4,0.3\nb,hill,6,1.5,0.8,1,3,0\nc,hill,8,5,1,2,4,0.5\n"
    )
    ref = plan_curves(str(path), weeks=3)
    target = 0.97 * ref.value
    plan = plan_curves(str(path), weeks=3, target=target)
    assert plan.target_reached and plan.value >= target - 1e-6 * target
    below = plan_curves(str(path), weeks=3, budget=plan.total_spend * 0.98)
    assert below.value < target  # a little less budget falls short: the minimum was found
    assert all(
        p <= cap * (1 + 1e-9)
        for p, cap in zip(plan.spend.max(axis=0), [4.8, 3.6, 4.8], strict=True)
    )
    unreachable = plan_curves(str(path), weeks=3, target=10 * ref.value)
    assert unreachable.target_reached is False and "short of the target" in unreachable.notes[0]
