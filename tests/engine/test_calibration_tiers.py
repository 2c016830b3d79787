"""Calibration maps, tiers and grades against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from leadlever.engine.exceptions import ParameterError
from leadlever.engine.scoring._calibration import Calibrator, fit_isotonic, fit_platt, sigmoid
from leadlever.engine.scoring._tiers import (
    funnel_tiers,
    letter_tiers,
    quantile_tiers,
    score_from_p,
)


def test_platt_recovers_known_parameters():
    rng = np.random.default_rng(0)
    eta = rng.normal(size=50_000)
    y = (rng.random(eta.size) < sigmoid(-1.0 + 0.6 * eta)).astype(int)
    a, b = fit_platt(eta, y)
    assert a == pytest.approx(-1.0, abs=0.05) and b == pytest.approx(0.6, abs=0.05)


def test_isotonic_pava_by_hand():
    # y sorted by eta: 1 0 0 1 1 -> PAVA pools (1,0,0) to 1/3, then 1, 1
    x, p = fit_isotonic(np.array([1.0, 2, 3, 4, 5]), np.array([1, 0, 0, 1, 1]))
    assert p[0] == pytest.approx(1 / 3) and p[-1] == pytest.approx(1 - 1e-4)
    assert x[0] == pytest.approx(2.0)  # mean predictor of the pooled block
    assert np.all(np.diff(p) >= 0)


def test_auto_picks_the_right_shape():
    rng = np.random.default_rng(1)
    eta = rng.normal(size=20_000)
    y_logistic = (rng.random(eta.size) < sigmoid(0.5 + 1.2 * eta)).astype(int)
    assert Calibrator(cv=3).fit(eta, y_logistic).method_ == "platt"
    y_step = (rng.random(eta.size) < np.where(eta > 0.3, 0.6, 0.05)).astype(int)
    assert Calibrator(cv=3).fit(eta, y_step).method_ == "isotonic"
    with pytest.raises(ParameterError):
        Calibrator(method="magic").fit(eta, y_step)


def test_scores_and_funnel_tiers():
    p = np.array([0.0, 0.30, 0.304, 0.31, 0.65, 0.66, 1.0])
    s = score_from_p(p)
    np.testing.assert_array_equal(s, [0, 30, 30, 31, 65, 66, 100])
    tiers = list(funnel_tiers(s))
    assert tiers == ["top of funnel"] * 3 + ["middle of funnel"] * 2 + ["bottom of funnel"] * 2
    custom = funnel_tiers(s, (50, 100), ("cold", "warm"))
    assert list(custom) == ["cold"] * 4 + ["warm"] * 3
    with pytest.raises(ParameterError):
        funnel_tiers(s, (50, 90), ("a", "b"))


def test_quartiles_and_grades():
    p = np.arange(100) / 100
    q = quantile_tiers(p)
    assert (np.asarray(q)[p >= 0.75] == "Q1").all() and (np.asarray(q)[p < 0.25] == "Q4").all()
    assert list(q.value_counts()) == [25, 25, 25, 25]
    g = letter_tiers(np.array([100, 80, 79, 60, 40, 39, 20, 19, 0]))
    assert list(g) == ["A", "A", "B", "B", "C", "D", "D", "E", "E"]
