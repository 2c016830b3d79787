"""Curves: derivatives vs finite differences, inverse derivative, rescaling, validation."""

import numpy as np
import pytest

from leadlever.optimisers.curves import CurveStack
from leadlever.optimisers.curves._family import (
    ExpSaturation,
    Hill,
    Logistic,
    MichaelisMenten,
    Power,
    curve_from_params,
)
from leadlever.optimisers.exceptions import CurveError

CURVES = [
    Hill(10.0, 3.0, 0.7),
    Hill(10.0, 3.0, 1.0),
    Hill(10.0, 3.0, 2.5),
    MichaelisMenten(5.0, 2.0),
    Logistic(4.0, 1.5, 2.0),
    Logistic(4.0, 1.5, -1.0),
    Power(3.0, 0.5),
    Power(3.0, 1.7),
    ExpSaturation(4.0, 0.3),
]


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: f"{c.kind}-{list(c.params().values())}")
def test_derivative_matches_central_difference(curve):
    x = np.linspace(0.2, 15.0, 80)
    h = 1e-6 * np.maximum(x, 1.0)
    fd = (curve.value(x + h) - curve.value(x - h)) / (2 * h)
    np.testing.assert_allclose(curve.derivative(x), fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    "curve", [c for c in CURVES if np.isfinite(c.inflection)], ids=lambda c: c.kind
)
def test_inverse_derivative_round_trip_on_concave_branch(curve):
    x = np.linspace(curve.inflection + 0.05, 30.0, 25)
    np.testing.assert_allclose(curve.inverse_derivative(curve.derivative(x)), x, rtol=1e-9)


def test_hill_inflection_is_where_second_derivative_vanishes():
    c = Hill(10.0, 3.0, 2.5)
    xi = c.inflection
    h = 1e-4
    second = lambda x: (c.derivative(x + h) - c.derivative(x - h)) / (2 * h)  # noqa: E731
    assert second(xi - 0.05) > 0 > second(xi + 0.05)


def test_value_at_zero_is_zero_and_curves_increase():
    for c in CURVES:
        assert float(c.value(0.0)) == pytest.approx(0.0, abs=1e-12)
        v = c.value(np.linspace(0, 20, 50))
        assert np.all(np.diff(v) > 0)


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.kind)
def test_rescaled_curve_is_the_scaled_original(curve):
    a, b = 250.0, 1e-3
    w = curve.rescaled(a, b)
    y = np.linspace(0.001, 0.05, 20)
    np.testing.assert_allclose(w.value(y), curve.value(a * y) / b, rtol=1e-10)


def test_stack_matches_individual_curves():
    x = np.linspace(0.5, 9.0, len(CURVES))
    stack = CurveStack(CURVES)
    np.testing.assert_allclose(
        stack.value(x), [c.value(v) for c, v in zip(CURVES, x, strict=False)], rtol=1e-14
    )
    np.testing.assert_allclose(
        stack.derivative(x), [c.derivative(v) for c, v in zip(CURVES, x, strict=False)], rtol=1e-14
    )
    assert list(stack.is_concave) == [c.is_concave for c in CURVES]


def test_invalid_parameters_raise_curve_error():
    with pytest.raises(CurveError, match="half_saturation"):
        Hill(1.0, -2.0, 1.0)
    with pytest.raises(CurveError, match="Unknown curve kind"):
        curve_from_params("sigmoidish", {})
    with pytest.raises(CurveError, match="missing shape"):
        curve_from_params("hill", {"scale": 1.0, "half_saturation": 2.0})
    assert curve_from_params("HILL", {"scale": 1, "half_saturation": 2, "shape": 3}) == Hill(
        1.0, 2.0, 3.0
    )
