"""Budget recommendations vs realised value: the learner's predictions against the true
curve it learnt from, and the ledger's sums against a hand count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leadlever.optimisers.learning import (
    CampaignLearner,
    predicted_split_value,
    recommendation_ledger,
)


def _true(x, a=20000.0, k=3000.0, s=1.4):
    return a * x**s / (k**s + x**s)


def test_predictions_follow_the_curve_the_learner_saw():
    rng = np.random.default_rng(8)
    learner = CampaignLearner(channels=["a", "b"], reference_spend=8000, seed=2)
    for _ in range(40):
        x = rng.uniform(500, 7000, 2)
        learner.update(x, np.r_[_true(x[0]) * rng.lognormal(0, 0.05), 0.0])
    spend = np.array([4000.0, 4000.0])
    pred = predicted_split_value(learner, spend).set_index("channel")
    truth = _true(4000.0)
    assert pred.loc["a", "predicted_value"] == pytest.approx(truth, rel=0.1)
    assert pred.loc["a", "predicted_low"] < truth < pred.loc["a", "predicted_high"]
    assert pred.loc["b", "predicted_value"] == pytest.approx(0.0, abs=1e-6)
    again = predicted_split_value(learner, spend)  # seeded: same state, same interval
    pd.testing.assert_frame_equal(again, predicted_split_value(learner, spend))
    fresh = CampaignLearner(channels=["a", "b"], reference_spend=8000)
    fresh.update(np.array([100.0, 100.0]), np.array([10.0, 10.0]))
    assert predicted_split_value(fresh, spend)["predicted_value"].isna().all()


def test_ledger_sums_match_a_hand_count():
    recs = pd.DataFrame({"period": [0, 0, 1, 1], "channel": ["a", "b", "a", "b"],
                         "spend": [100.0, 200.0, 150.0, 150.0],
                         "predicted_value": [np.nan, 50.0, 80.0, 90.0]})  # fmt: skip
    leads = pd.DataFrame({"period": [0, 0, 0, 1, 1], "channel": ["a", "b", "b", "a", "a"],
                          "converted": [1, 0, np.nan, 1, 1],
                          "value": [1000.0, np.nan, np.nan, 300.0, 200.0]})  # fmt: skip
    out = recommendation_ledger(recs, leads).by_period.set_index("period")
    assert out.loc[0, "spend"] == 300 and np.isnan(out.loc[0, "predicted_value"])
    assert out.loc[1, "predicted_value"] == 170
    assert (out.loc[0, "realised_value"], out.loc[0, "n_won"], out.loc[0, "n_open"]) == (1000, 1, 1)
    assert (out.loc[1, "realised_value"], out.loc[1, "n_leads"]) == (500, 2)
    assert list(out["complete"]) == [False, True]
