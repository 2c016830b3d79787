"""Effort, salary/commission, resale and strategic-fit models recover the simulator's truth."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from qualify_fixtures import leads

from leadlever.engine.exceptions import MissingColumnsError, ParameterError
from leadlever.engine.qualification import (
    EffortModel,
    FitModel,
    ResaleModel,
    SalaryModel,
    delivery_cost,
    expected_commission,
)
from leadlever.engine.qualification._glm import GLMModel


@pytest.fixture(scope="module")
def closed():
    df = leads()
    return df[df["converted"].notna()].reset_index(drop=True)


def test_effort_recovers_true_effort(closed):
    df = leads()
    model = EffortModel().fit(closed)
    hours = model.predict_hours(df)
    truth = df["true_effort_hours"].to_numpy()
    assert np.corrcoef(hours, truth)[0, 1] > 0.9
    assert hours.mean() == pytest.approx(truth.mean(), rel=0.03)
    # interactions x mean hours per interaction (1.4 in the simulator) = true effort
    assert model.predict_interactions(df).mean() * 1.4 == pytest.approx(truth.mean(), rel=0.05)
    assert model.count_.dispersion_ > 0.05  # the simulator's counts are over-dispersed (NB, size 5)
    np.testing.assert_allclose(delivery_cost([2.0, 3.0], 50.0), [100.0, 150.0])
    with pytest.raises(ParameterError):
        delivery_cost([1.0], -1.0)


def test_salary_and_commission_recover_truth(closed):
    df = leads()
    model = SalaryModel().fit(closed[closed["converted"] == 1])
    salary = model.predict(df)
    truth = df["true_salary"].to_numpy()
    assert np.corrcoef(salary, truth)[0, 1] > 0.97
    assert np.mean(np.abs(salary / truth - 1)) < 0.08  # the simulator's noise is 8% log-normal
    np.testing.assert_allclose(expected_commission(salary), 0.2 * salary)
    with pytest.raises(MissingColumnsError):
        SalaryModel().fit(closed.drop(columns="placement_salary"))


def test_fit_model_recovers_true_p_fit(closed):
    df = leads()
    model = FitModel().fit(closed)
    p_fit = model.predict(df)
    assert np.corrcoef(p_fit, df["true_p_fit"])[0, 1] > 0.95
    assert p_fit.mean() == pytest.approx(df["true_p_fit"].mean(), abs=0.02)


def test_target_roles_change_needs_no_refit(closed):
    model = FitModel().fit(closed)
    df = leads().iloc[:2000]
    roles = model.predict_roles(df)
    np.testing.assert_allclose(roles.sum(axis=1), 1.0)
    shares = closed["role_category"].astype(str).value_counts(normalize=True)
    for role in roles.columns:  # multinomial logit with intercepts reproduces the margins
        assert roles[role].mean() == pytest.approx(shares[role], abs=0.02)
    ds = model.predict(df, ["data_scientist"])
    bi = model.predict(df, ["bi_engineer"])
    both = model.predict(df, ["data_scientist", "bi_engineer"])
    np.testing.assert_allclose(both, ds + bi)
    with pytest.raises(ParameterError):
        model.predict(df, ["astronaut"])


def test_resale_model_recovers_the_price_formula():
    rng = np.random.default_rng(0)
    p, f = rng.random(500), rng.random(500)
    price = 25 + 420 * p * (0.6 + 0.8 * f)  # the simulator's resale formula
    model = ResaleModel().fit(p, f, price * np.exp(rng.normal(0, 0.05, 500)))
    assert np.corrcoef(model.predict(p, f), price)[0, 1] > 0.99
    assert np.isnan(ResaleModel().fit([], [], []).predict([0.5], [0.5])).all()


def test_glm_falls_back_to_ridge_on_separation():
    x = np.linspace(-1, 1, 200)
    frame = pd.DataFrame({"x": x})
    with warnings.catch_warnings(record=True) as caught:  # the test inspects the warning
        warnings.simplefilter("always")
        model = GLMModel(family="binomial", terms=["x"]).fit(frame, (x > 0).astype(float))
    assert np.all(np.isfinite(model.coef_))
    assert any("ridge" in str(w.message) for w in caught)
    again = GLMModel.from_dict(model.to_dict())
    np.testing.assert_array_equal(again.predict(frame), model.predict(frame))
