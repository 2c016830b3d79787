"""Metrics against the case study and independent brute-force computations."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadlever.engine.scoring._metrics import (
    brier,
    calibration_slope_intercept,
    confusion,
    ece,
    evaluate,
    gains_table,
    lift_top,
    log_loss,
    pr_auc,
    roc_auc,
)
from leadlever.engine.scoring._thresholds import (
    threshold_for_capacity,
    threshold_for_precision,
    threshold_max_f1,
    threshold_max_profit,
)


def case_study():
    """25 closed leads: 6 true hits, 2 false hits, 3 missed hits, 14 true misses."""
    y = np.array([1] * 6 + [0] * 2 + [1] * 3 + [0] * 14)
    p = np.array([0.9] * 6 + [0.7] * 2 + [0.3] * 3 + [0.1] * 14)
    return y, p


def test_case_study_worked_example():
    y, p = case_study()
    c = confusion(y, p, 0.5)
    assert (c.tp, c.fp, c.fn, c.tn) == (6, 2, 3, 14)
    assert c.accuracy == pytest.approx(0.80)
    assert c.precision == pytest.approx(0.75)
    assert c.recall == pytest.approx(0.667, abs=5e-4)
    assert c.specificity == pytest.approx(14 / 16)
    assert c.f1 == pytest.approx(2 * 0.75 * (6 / 9) / (0.75 + 6 / 9))


def brute_auc(y, p):
    pos, neg = p[y == 1], p[y == 0]
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 6)), min_size=2, max_size=40))
def test_auc_equals_pair_counting(rows):
    y = np.array([r[0] for r in rows])
    p = np.array([r[1] for r in rows]) / 6.0
    if y.min() == y.max():
        assert np.isnan(roc_auc(y, p))
    else:
        assert roc_auc(y, p) == pytest.approx(brute_auc(y, p))


def test_log_loss_brier_by_hand():
    y = np.array([1, 0, 1])
    p = np.array([0.8, 0.4, 0.5])
    assert log_loss(y, p) == pytest.approx(-(np.log(0.8) + np.log(0.6) + np.log(0.5)) / 3)
    assert brier(y, p) == pytest.approx((0.04 + 0.16 + 0.25) / 3)


def test_pr_auc_by_hand():
    # ranking 1,0,1,0 -> precision at each positive: 1/1, 2/3 -> AP = (1 + 2/3)/2
    y = np.array([1, 0, 1, 0])
    p = np.array([0.9, 0.8, 0.7, 0.1])
    assert pr_auc(y, p) == pytest.approx((1 + 2 / 3) / 2)


def test_ece_loop_definition():
    rng = np.random.default_rng(0)
    p = rng.random(500)
    y = (rng.random(500) < p**2).astype(int)
    total = 0.0
    for b in range(10):
        m = (p >= b / 10) & (p < (b + 1) / 10) if b < 9 else p >= 0.9
        if m.any():
            total += m.sum() / 500 * abs(y[m].mean() - p[m].mean())
    assert ece(y, p) == pytest.approx(total)


def test_perfectly_calibrated_draws_have_small_ece_and_unit_slope():
    rng = np.random.default_rng(1)
    p = rng.beta(2, 5, 40_000)
    y = (rng.random(p.size) < p).astype(int)
    assert ece(y, p) < 0.01
    cal = calibration_slope_intercept(y, p)
    assert cal["slope"] == pytest.approx(1.0, abs=0.05)
    assert cal["intercept"] == pytest.approx(0.0, abs=0.05)


def test_gains_and_lift():
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0] * 10)
    p = np.where(y == 1, 0.9, 0.1) + np.linspace(0, 0.01, 100)
    g = gains_table(y, p)
    assert g["cumulative_gain"].iloc[1] == pytest.approx(1.0)  # top 20% hold all conversions
    assert lift_top(y, p, 0.1) == pytest.approx(1 / 0.2)
    assert g["cumulative_gain"].iloc[-1] == pytest.approx(1.0)
    assert evaluate(y, p).lift == pytest.approx(5.0)


def test_thresholds_against_brute_force():
    rng = np.random.default_rng(3)
    p = np.round(rng.random(60), 2)
    y = (rng.random(60) < p).astype(int)
    cands = np.r_[np.unique(p), 0.0]
    f1 = [confusion(y, p, t).f1 for t in cands]
    assert threshold_max_f1(y, p).f1 == pytest.approx(np.nanmax(f1))
    profits = [3 * confusion(y, p, t).tp - 1 * confusion(y, p, t).fp for t in cands]
    ch = threshold_max_profit(y, p, 3, 1)
    c = confusion(y, p, ch.threshold)
    assert 3 * c.tp - c.fp == pytest.approx(max(profits))
    cap = threshold_for_capacity(y, p, 10)
    assert cap.n_flagged <= 10 and (p > cap.threshold).sum() == cap.n_flagged
    prec = threshold_for_precision(y, p, 0.7)
    assert confusion(y, p, prec.threshold).precision >= 0.7
