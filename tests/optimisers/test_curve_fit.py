"""Curve fitting recovers the simulator's true Hill parameters; refuses bad inputs."""

import numpy as np
import pandas as pd
import pytest

from leadlever.optimisers.curves import Hill, fit_curve, fit_curves
from leadlever.optimisers.exceptions import CurveFitError, ExtrapolationError
from leadlever.simulations.world import channel_economics, default_world, simulate_channels


@pytest.fixture(scope="module")
def truth():
    world = default_world()
    econ = channel_economics(world)
    return {
        c.name: (c.scale * econ.loc[c.name, "value_per_lead"], c.half_saturation, c.shape)
        for c in world.channels
    }


def test_recovers_true_hill_parameters_from_true_expected_value(truth):
    # the noiseless value alone (its noisy leads column dropped: the leads path is tested with
    # noiseless leads in test_weekly_fit)
    history = simulate_channels(60, seed=4).drop(columns="leads")
    history["value"] = history["true_expected_value"]
    result = fit_curves(history)
    for fc in result.curves:
        s, K, k = truth[fc.channel]
        # true_expected_value is rounded to cents, so agreement is near-exact
        assert fc.curve.scale == pytest.approx(s, rel=2e-3)
        assert fc.curve.half_saturation == pytest.approx(K, rel=2e-3)
        assert fc.curve.shape == pytest.approx(k, rel=2e-3)
        assert fc.r2 > 0.9999


def test_noisy_fit_is_close_and_uncertainty_covers_truth(truth):
    history = simulate_channels(400, seed=5)
    result = fit_curves(history).as_mapping()
    for c in default_world().channels:
        fc = result[c.name]
        true_curve = Hill(*truth[c.name])
        x = np.array([0.5, 1.0, 2.0]) * c.current_spend
        # weekly value is a few binomial conversions: the curve is right to within ~25%
        np.testing.assert_allclose(fc.curve.value(x), true_curve.value(x), rtol=0.25)
        # and the reported standard error of the shape covers the true shape
        assert abs(fc.curve.shape - c.shape) <= 3 * fc.stderr["shape"]
        assert 0 < fc.r2 < 1


@pytest.mark.parametrize("kind", ["michaelis_menten", "exp_saturation", "power", "logistic"])
def test_other_kinds_recover_their_own_noiseless_curves(kind):
    from leadlever.optimisers.curves import CURVE_KINDS

    params = {
        "michaelis_menten": (50.0, 20.0),
        "exp_saturation": (40.0, 0.05),
        "power": (3.0, 0.6),
        "logistic": (30.0, 0.1, 25.0),
    }[kind]
    curve = CURVE_KINDS[kind](*params)
    x = np.linspace(1, 80, 40)
    fc = fit_curve(x, curve.value(x), kind=kind)
    np.testing.assert_allclose(fc.curve.value(x), curve.value(x), rtol=1e-4, atol=1e-6)


def test_too_few_points_and_no_variation_are_refused():
    with pytest.raises(CurveFitError, match="needs at least"):
        fit_curve([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    with pytest.raises(CurveFitError, match="3 distinct"):
        fit_curve(np.full(20, 5.0), np.linspace(1, 2, 20))


def test_fitted_curve_refuses_far_extrapolation():
    x = np.linspace(10, 100, 30)
    fc = fit_curve(x, Hill(50.0, 40.0, 1.2).value(x), channel="tv")
    assert float(fc.value(150.0)) > 0
    with pytest.raises(ExtrapolationError, match="'tv'.*2x the largest spend"):
        fc.value(250.0)
    assert float(fc.value(250.0, allow_extrapolation=True)) > float(fc.value(150.0))


def test_history_validation_names_the_column():
    bad = pd.DataFrame({"week": [1, 2], "channel": ["a", "a"], "spend": ["x", 3], "value": [1, 2]})
    with pytest.raises(Exception, match="column 'spend'"):
        fit_curves(bad)
