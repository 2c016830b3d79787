"""The allocator against independent computations: brute force, closed forms, constraints."""

import numpy as np
import pytest

from leadlever.optimisers.allocation import AllocatorSettings, GroupConstraint, allocate
from leadlever.optimisers.curves import fit_curve
from leadlever.optimisers.curves._family import (
    ExpSaturation,
    Hill,
    Logistic,
    MichaelisMenten,
    Power,
)
from leadlever.optimisers.exceptions import (
    ConvergenceError,
    ExtrapolationError,
    InfeasibleRequirementError,
)


def brute_force(curves, budget, n_grid=4001, group=None):
    """Best of a fine grid over the first channels (vectorised); the last takes the rest."""
    if len(curves) == 2:
        a = np.linspace(0, budget, n_grid)
        xs = [a, budget - a]
    else:
        g = np.linspace(0, budget, 1201)
        a, b = np.meshgrid(g, g, indexing="ij")
        keep = a + b <= budget + 1e-12
        xs = [a[keep], b[keep], np.maximum(budget - a[keep] - b[keep], 0.0)]
    total = sum(c.value(x) for c, x in zip(curves, xs, strict=True))
    if group is not None:
        members, cap = group
        total = np.where(sum(xs[i] for i in members) <= cap + 1e-9, total, -np.inf)
    k = int(np.argmax(total))
    return float(total[k]), np.array([x[k] for x in xs])


@pytest.mark.parametrize(
    "curves",
    [
        [Hill(5.0, 2.0, 0.8), MichaelisMenten(3.0, 1.0)],
        [Hill(5.0, 2.0, 0.6), ExpSaturation(4.0, 0.5), Power(2.0, 0.5)],
        [Hill(5.0, 4.0, 2.5), Hill(3.0, 1.0, 1.8)],
        [Hill(6.0, 3.0, 3.0), Logistic(4.0, 2.0, 2.0), MichaelisMenten(2.0, 0.5)],
    ],
    ids=["concave2", "concave3", "sshaped2", "mixed3"],
)
def test_matches_brute_force_grid(curves):
    budget = 6.0
    alloc = allocate(curves, budget)
    bf, _ = brute_force(curves, budget)
    assert alloc.objective >= bf - 1e-9 * abs(bf)
    # and no better than the truth by more than the grid's resolution error
    assert alloc.objective <= bf * (1 + 1e-3)
    assert abs(alloc.certificate.budget_residual) <= 1e-9 * budget


def test_michaelis_menten_closed_form():
    s = np.array([4.0, 9.0, 2.0, 6.0])
    K = np.array([1.0, 3.0, 0.5, 2.0])
    budget = 20.0
    lam = (np.sum(np.sqrt(s * K)) / (budget + K.sum())) ** 2
    x_star = np.sqrt(s * K / lam) - K
    assert np.all(x_star > 0)
    alloc = allocate([MichaelisMenten(a, b) for a, b in zip(s, K, strict=False)], budget)
    np.testing.assert_allclose(alloc.spend, x_star, rtol=1e-9)
    assert alloc.certificate.multiplier == pytest.approx(lam, rel=1e-9)
    assert alloc.certificate.mroi_spread < 1e-9
    assert alloc.certificate.active_bounds == {}
    assert alloc.certificate.method == "kkt"


def test_bounds_locks_and_relative_limits_are_respected_and_reported():
    curves = [MichaelisMenten(4.0, 1.0), MichaelisMenten(9.0, 3.0), MichaelisMenten(2.0, 0.5)]
    names = ["a", "b", "c"]
    cur = np.array([3.0, 3.0, 3.0])
    alloc = allocate(
        curves,
        9.0,
        names=names,
        current_spend=cur,
        max_relative=1.3,
        min_relative=0.5,
        locked=["c"],
    )
    x = np.array(alloc.spend)
    assert x[2] == pytest.approx(3.0)
    assert np.all(x >= 0.5 * cur - 1e-12) and np.all(x <= 1.3 * cur + 1e-12)
    assert alloc.certificate.active_bounds["c"] == "locked"
    # unconstrained, a and b would take 1.78 and 4.22 (equal marginal returns); b's cap of
    # 1.3 x 3 = 3.9 binds, so a takes the rest, 2.1, and b's marginal return stays above a's
    assert alloc.certificate.active_bounds.get("b") == "max"
    assert x[1] == pytest.approx(3.9) and x[0] == pytest.approx(2.1)
    assert float(curves[1].derivative(3.9)) > float(curves[0].derivative(2.1))


def test_group_constraint_matches_brute_force():
    curves = [Hill(5.0, 2.0, 0.8), MichaelisMenten(6.0, 1.0), ExpSaturation(4.0, 0.5)]
    names = ["social", "video", "search"]
    group = GroupConstraint(("social", "video"), max_budget_share=0.4, name="social+video")
    alloc = allocate(curves, 8.0, names=names, groups=[group])
    x = np.array(alloc.spend)
    assert x[0] + x[1] <= 0.4 * 8.0 + 1e-7
    bf, _ = brute_force(curves, 8.0, group=((0, 1), 3.2))
    assert alloc.objective >= bf - 1e-6 * bf


def test_s_shaped_group_constraint_uses_milp_and_beats_grid():
    curves = [Hill(5.0, 4.0, 2.5), Hill(3.0, 1.0, 1.8), Hill(4.0, 2.0, 3.0)]
    group = GroupConstraint(("channel_0", "channel_1"), max_spend=3.0)
    alloc = allocate(curves, 7.0, groups=[group])
    assert alloc.certificate.method.startswith("pwl-milp")
    bf, _ = brute_force(curves, 7.0, group=((0, 1), 3.0))
    assert alloc.objective >= bf - 2e-3 * bf


def test_profit_objective_matches_brute_force_with_slack():
    curves = [MichaelisMenten(4.0, 1.0), Hill(3.0, 2.0, 2.0)]
    budget = 10.0
    alloc = allocate(curves, budget, objective="profit")
    g = np.linspace(0, budget, 2001)
    a, b = np.meshgrid(g, g, indexing="ij")
    profit = curves[0].value(a) + curves[1].value(b) - a - b
    best = float(np.max(np.where(a + b <= budget, profit, -np.inf)))
    assert alloc.objective >= best - 1e-9
    assert alloc.objective <= best + 1e-2
    assert alloc.total_spend <= budget + 1e-9
    # the budget is not binding here: interior marginal returns equal the price of spend (1)
    assert alloc.certificate.multiplier == pytest.approx(1.0)


def test_infeasible_bounds_name_the_conflict():
    curves = [MichaelisMenten(4.0, 1.0), MichaelisMenten(9.0, 3.0)]
    with pytest.raises(InfeasibleRequirementError, match="minimum spends add up to 12") as e:
        allocate(curves, 10.0, min_spend=[6.0, 6.0])
    assert e.value.conflict == "budget_below_min"
    with pytest.raises(InfeasibleRequirementError, match="maximum spends add up to 4") as e:
        allocate(curves, 10.0, max_spend=2.0)
    assert e.value.conflict == "budget_above_max"
    with pytest.raises(
        InfeasibleRequirementError, match="Channel 'b' has minimum spend 5 above its maximum 3"
    ):
        allocate(curves, 10.0, names=["a", "b"], min_spend=[0, 5], max_spend=[10, 3])
    with pytest.raises(InfeasibleRequirementError, match="Group 'g' may spend at most 2"):
        allocate(
            curves,
            10.0,
            names=["a", "b"],
            min_spend=[3, 0],
            groups=[GroupConstraint(("a",), max_spend=2.0, name="g")],
        )
    with pytest.raises(InfeasibleRequirementError, match="not among the channels"):
        allocate(curves, 10.0, names=["a", "b"], current_spend=[5, 5], locked=["zz"])


def test_non_convergence_is_an_error_not_the_start_point():
    curves = [Hill(5.0, 2.0, 0.8), MichaelisMenten(3.0, 1.0), ExpSaturation(4.0, 0.5)]
    with pytest.raises(ConvergenceError, match="did not converge"):
        allocate(curves, 6.0, settings=AllocatorSettings(max_iter=1))


def test_fitted_curves_refuse_far_extrapolation_unless_allowed():
    rng = np.random.default_rng(0)
    truth = MichaelisMenten(100.0, 50.0)
    fitted = []
    for ch in range(2):
        x = rng.uniform(10, 100, 60)
        fitted.append(
            fit_curve(
                x,
                truth.value(x) * np.exp(rng.normal(0, 0.02, 60)),
                kind="michaelis_menten",
                channel=f"c{ch}",
            )
        )
    with pytest.raises(ExtrapolationError, match="trusted range"):
        allocate(fitted, 1000.0)
    ok = allocate(fitted, 1000.0, settings=AllocatorSettings(allow_extrapolation=True))
    assert ok.total_spend == pytest.approx(1000.0)
    within = allocate(fitted, 300.0)
    assert max(within.spend) <= 2 * max(f.max_observed_spend for f in fitted) + 1e-9


def test_allocation_dict_and_frame():
    curves = {"a": MichaelisMenten(4.0, 1.0), "b": Hill(3.0, 2.0, 0.9)}
    alloc = allocate(curves, 5.0, current_spend=[2.5, 2.5])
    d = alloc.to_dict()
    assert set(d["allocation"]) == {"a", "b"}
    assert {"budget_residual", "mroi_spread", "active_bounds"} <= set(d["certificate"])
    assert d["uplift"] == pytest.approx(d["objective"] - d["baseline_objective"])
    assert d["uplift"] >= 0
    frame = alloc.to_frame()
    assert list(frame["channel"]) == ["a", "b"]
    assert frame["spend"].sum() == pytest.approx(5.0)
    assert frame["value"].sum() == pytest.approx(alloc.objective)


def test_ten_thousand_channels_concave_certificate():
    rng = np.random.default_rng(3)
    n = 10_000
    curves = [
        Hill(s, k, a)
        for s, k, a in zip(
            rng.uniform(1, 10, n), rng.uniform(1, 5, n), rng.uniform(0.4, 1.0, n), strict=False
        )
    ]
    alloc = allocate(curves, 2.0 * n)
    assert abs(alloc.certificate.budget_residual) <= 1e-9 * 2.0 * n
    assert alloc.certificate.mroi_spread <= 1e-9
