"""Effort, value/commission, resale and strategic-fit models recover the simulator's truth,
on features built from the table itself (no term list written for the simulator)."""

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
    ValueModel,
    delivery_cost,
    expected_commission,
)
from leadlever.engine.qualification._glm import GLMModel, independent_columns


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
    model = ValueModel().fit(closed[closed["converted"] == 1])
    salary = model.predict(df)
    truth = df["true_salary"].to_numpy()
    assert np.corrcoef(salary, truth)[0, 1] > 0.97
    assert np.mean(np.abs(salary / truth - 1)) < 0.08  # the simulator's noise is 8% log-normal
    np.testing.assert_allclose(expected_commission(salary, 0.2), 0.2 * salary)
    with pytest.raises(MissingColumnsError):
        ValueModel().fit(closed.drop(columns="placement_salary"))
    # the features are the table's own columns; outcomes and ground truth never enter
    assert "lead_id" not in model.preprocessor_.feature_source_
    assert not [c for c in model.columns_ if c.startswith("true_") or c == "converted"]


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
        model = GLMModel(family="binomial", columns=["x"]).fit(frame, (x > 0).astype(float))
    assert np.all(np.isfinite(model.coef_))
    assert any("ridge" in str(w.message) for w in caught)
    again = GLMModel.from_dict(model.to_dict())
    np.testing.assert_array_equal(again.predict(frame), model.predict(frame))


def test_dependent_design_columns_are_left_out():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=300), rng.normal(size=300)
    Z = np.column_stack([np.ones(300), a, b, a + 2 * b, np.full(300, 3.0), a])
    keep = independent_columns(Z)
    assert keep[0] and keep.sum() == 3  # intercept + two independent directions
    assert np.linalg.matrix_rank(Z[:, keep]) == keep.sum()


def test_glm_recovers_poisson_coefficients_on_a_category_and_a_number():
    rng = np.random.default_rng(2)
    n = 4000
    x = rng.normal(size=n)
    g = rng.choice(np.array(["a", "b", "c"]), size=n, p=[0.5, 0.3, 0.2])
    eta = 0.5 + 0.7 * x + np.select([g == "b", g == "c"], [0.4, -0.6], 0.0)
    frame = pd.DataFrame({"x": x, "g": g})
    model = GLMModel(family="poisson").fit(frame, rng.poisson(np.exp(eta)))
    # compare on the mean scale with the truth (coding-independent)
    inner = np.abs(x) < 2.4  # the feature builder winsorises the outer 0.5 % of a number
    rel = np.abs(model.predict(frame)[inner] / np.exp(eta)[inner] - 1)
    assert rel.max() < 0.12 and rel.mean() < 0.03


def test_linear_predictor_without_the_design_matrix_equals_the_matrix_product(closed):
    """The fast column-by-column path gives the same linear predictor as transform @ beta."""
    model = EffortModel().fit(closed)
    glm = model.hours_
    X = leads().iloc[:3000]
    Z = glm._design(X)[:, glm.keep_]
    np.testing.assert_allclose(glm.linear_predictor(X), Z @ glm.coef_, rtol=1e-10, atol=1e-10)
