"""score compare: leads the model has seen are scored out-of-fold; the blend weight is the
cross-validated choice; the training fingerprint estimates the overlap."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from leadlever.engine.io import OutcomeSpec
from leadlever.engine.scoring import (
    blend_probabilities,
    compare_on_unseen,
    estimated_overlap,
    fit_and_evaluate,
    log_loss,
    parse_rules,
    roc_auc,
)
from leadlever.engine.scoring._comparison import WEIGHT_GRID, choose_blend_weight
from leadlever.simulations.world import TRUE_COLUMNS, simulate_leads

RULES = {
    "scoring": {"hot_threshold": 50},
    "criteria": [
        {"name": "downloads", "column": "downloads", "op": ">=", "value": 1, "points": 50},
        {"name": "skills", "column": "skills_match", "op": ">=", "value": 0.6, "points": 40},
    ],
}


@pytest.fixture(scope="module")
def fitted():
    leads = simulate_leads(2500, seed=3).drop(columns=list(TRUE_COLUMNS))
    closed = leads[leads["converted"].notna()].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, report = fit_and_evaluate(closed, "converted", cv=3, drop=["created_at"])
    return closed, model, report


def test_training_leads_are_scored_out_of_fold(fitted):
    closed, model, report = fitted
    assert estimated_overlap(report.record.training, closed.drop(columns="converted")) == len(
        closed
    )
    result = compare_on_unseen(
        model, report.record, parse_rules(RULES), closed, OutcomeSpec("converted"), cv=3
    )
    assert result.evaluation == "out-of-fold refit" and result.n_seen == len(closed)
    y = closed["converted"].to_numpy(dtype=int)
    in_sample = roc_auc(y, model.predict_proba(closed.drop(columns="converted"))[:, 1])
    table = result.to_frame().set_index("score")
    # scoring the training leads with the fitted model flatters it; out-of-fold does not
    assert table.loc["predictive", "auc"] < in_sample


def test_new_leads_are_held_out_and_scored_by_the_model(fitted):
    _, model, report = fitted
    new = simulate_leads(1500, seed=44).drop(columns=list(TRUE_COLUMNS))
    new = new[new["converted"].notna()].reset_index(drop=True)
    result = compare_on_unseen(
        model, report.record, parse_rules(RULES), new, OutcomeSpec("converted")
    )
    assert result.evaluation == "held-out" and result.n_seen == 0
    y = new["converted"].to_numpy(dtype=int)
    p = model.predict_proba(new.drop(columns="converted"))[:, 1]
    assert result.to_frame().set_index("score").loc["predictive", "auc"] == pytest.approx(
        roc_auc(y, p)
    )
    assert len(result.fold_weights) == 5 and result.weight_source.startswith("5-fold")
    fixed = compare_on_unseen(
        model, report.record, parse_rules(RULES), new, OutcomeSpec("converted"), weight=0.5
    )
    assert fixed.blend_weight == 0.5 and fixed.weight_source == "option"


def test_blend_weight_is_the_grid_argmin_of_the_log_loss():
    rng = np.random.default_rng(1)
    y = (rng.random(800) < 0.3).astype(int)
    p = np.clip(0.3 + 0.3 * (y - 0.3) + rng.normal(0, 0.15, 800), 0.01, 0.99)
    q = np.clip(0.3 + rng.normal(0, 0.15, 800), 0.01, 0.99)  # uninformative manual score
    brute = min(WEIGHT_GRID, key=lambda w: log_loss(y, blend_probabilities(p, q, w)))
    assert choose_blend_weight(y, p, q) == brute >= 0.8


def test_estimated_overlap_of_a_partial_table(fitted):
    closed, _, report = fitted
    X = closed.drop(columns="converted")
    half = X.iloc[: len(X) // 2]
    estimate = estimated_overlap(report.record.training, half)
    assert abs(estimate - len(half)) < 0.1 * len(half)  # from a sample of 2,000 hashes
    assert estimated_overlap(report.record.training, X.drop(columns="age")) == 0  # other columns
