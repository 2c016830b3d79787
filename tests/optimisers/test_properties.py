"""Property tests of the allocator's guarantees (hypothesis)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadlever.optimisers.allocation import allocate
from leadlever.optimisers.curves import Hill
from leadlever.optimisers.exceptions import InfeasibleRequirementError

SETTINGS = dict(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def instances(draw, shape_lo=0.3, shape_hi=3.5):
    n = draw(st.integers(2, 6))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    scale = rng.uniform(1, 10, n)
    half = rng.uniform(0.5, 5, n)
    shape = rng.uniform(shape_lo, shape_hi, n)
    budget = float(rng.uniform(0.5, 3.0) * half.sum())
    share = rng.dirichlet(np.ones(n))
    return [Hill(*p) for p in zip(scale, half, shape, strict=False)], budget, share * budget


@given(instances())
@settings(**SETTINGS)
def test_never_worse_than_the_current_plan(inst):
    curves, budget, current = inst
    alloc = allocate(curves, budget, current_spend=current)
    assert alloc.objective >= alloc.baseline_objective - 1e-9 * abs(alloc.baseline_objective)
    assert abs(alloc.certificate.budget_residual) <= 1e-9 * budget


@given(instances(), st.floats(-6, 6), st.floats(-6, 6))
@settings(**SETTINGS)
def test_scaling_spend_and_value_scales_the_answer_only(inst, log_a, log_b):
    curves, budget, _ = inst
    a, b = 10.0**log_a, 10.0**log_b
    base = allocate(curves, budget)
    scaled = allocate([c.rescaled(1.0 / a, 1.0 / b) for c in curves], budget * a)
    # w(y) = b v(y / a): spend scales by a, value by b
    np.testing.assert_allclose(
        np.array(scaled.spend) / a, base.spend, rtol=1e-6, atol=1e-9 * budget
    )
    assert scaled.objective / b == pytest.approx(base.objective, rel=1e-9)
    assert scaled.certificate.active_bounds == base.certificate.active_bounds


@given(instances(), st.floats(1.01, 3.0))
@settings(**SETTINGS)
def test_infeasible_minimums_raise_a_named_diagnostic(inst, factor):
    curves, budget, _ = inst
    n = len(curves)
    with pytest.raises(InfeasibleRequirementError, match="minimum spends add up to") as e:
        allocate(curves, budget, min_spend=np.full(n, factor * budget / n))
    assert e.value.conflict == "budget_below_min"


@given(instances(shape_lo=0.3, shape_hi=1.0))
@settings(**SETTINGS)
def test_concave_kkt_certificate(inst):
    curves, budget, _ = inst
    alloc = allocate(curves, budget)
    assert alloc.certificate.method == "kkt"
    assert alloc.certificate.mroi_spread <= 1e-8
    # channels at their minimum (0) have a marginal return no higher than the multiplier
    for name, bound in alloc.certificate.active_bounds.items():
        i = alloc.channels.index(name)
        assert bound == "min"
        assert alloc.marginal_returns[i] <= alloc.certificate.multiplier * (1 + 1e-9)
