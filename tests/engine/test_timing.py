"""Time-to-conversion model: Efron Newton = PHReg, concordance, ground truth, censoring."""

from __future__ import annotations

import numpy as np
import pytest
from qualify_fixtures import leads

from leadlever.engine.exceptions import ParameterError
from leadlever.engine.qualification import TimingModel, concordance_index, survival_target


def brute_concordance(t, d, r):
    num = den = 0.0
    for i in range(len(t)):
        for j in range(len(t)):
            if d[i] and t[i] < t[j]:
                den += 1
                num += 1.0 if r[i] > r[j] else 0.5 if r[i] == r[j] else 0.0
    return num / den


@pytest.mark.parametrize("seed", range(6))
def test_concordance_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = 40
    t = rng.integers(1, 8, n).astype(float)  # many ties in time
    d = rng.random(n) < 0.6
    r = rng.integers(0, 5, n).astype(float)  # ties in risk
    assert concordance_index(t, d, r) == pytest.approx(brute_concordance(t, d, r), abs=1e-12)


def test_newton_equals_statsmodels_phreg():
    df = leads().iloc[:4000]
    d, e = survival_target(df)
    a = TimingModel().fit(df, d, e)
    b = TimingModel(solver="phreg").fit(df, d, e)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-5)
    np.testing.assert_allclose(
        a.cumulative_hazard([30, 180]), b.cumulative_hazard([30, 180]), rtol=1e-5
    )


def _truth(df, h):
    return ((df["true_will_convert"] == 1) & (df["true_days_to_convert"] <= h)).to_numpy()


def _true_prob(df, h):
    """The simulator's truth: P(convert) x P(placed within h days) under its timing law."""
    from leadlever.simulations.world import TIMING_LAW

    eta = TIMING_LAW.linear_predictor(
        df["skills_match"], df["downloads"], df["days_since_last_activity"]
    )
    return df["true_p_convert"].to_numpy() * TIMING_LAW.cdf(h, TIMING_LAW.scale(eta))


def test_recovers_ground_truth_and_ranks_well():
    df = leads()
    d, e = survival_target(df)
    model = TimingModel().fit(df, d, e)
    pred = model.predict_within(df, [30, 180])
    for h in (30, 180):
        assert abs(pred[h].mean() - _truth(df, h).mean()) < 0.01
        assert np.corrcoef(pred[h], _true_prob(df, h))[0, 1] > 0.75
    assert model.score(df, d, e) > 0.65


def test_censoring_is_honoured():
    """Ignoring censoring (dropping open leads, or calling them non-converted)
    or censoring lost leads at their closing day measurably loses at 180 days."""
    df = leads()
    truth = _truth(df, 180).mean()
    d, e = survival_target(df)
    good = abs(TimingModel().fit(df, d, e).predict_within(df, [180])[180].mean() - truth)

    closed = df[df["converted"].notna()]
    dc, ec = survival_target(closed)
    dropped = abs(TimingModel().fit(closed, dc, ec).predict_within(df, [180])[180].mean() - truth)

    naive = d.copy()
    naive[np.isnan(df["converted"].astype(float).to_numpy())] = 10_000  # open = never converts
    as_lost = abs(TimingModel().fit(df, naive, e).predict_within(df, [180])[180].mean() - truth)

    dl, el = survival_target(df, lost="censor")
    lost_censored = abs(TimingModel().fit(df, dl, el).predict_within(df, [180])[180].mean() - truth)
    assert good < 0.01
    assert dropped > good + 0.01
    assert as_lost > good + 0.01
    assert lost_censored > good + 0.01


def test_round_trip_and_errors():
    df = leads().iloc[:3000]
    d, e = survival_target(df)
    model = TimingModel().fit(df, d, e)
    again = TimingModel.from_dict(model.to_dict())
    np.testing.assert_array_equal(model.predict_within(df)[180], again.predict_within(df)[180])
    with pytest.raises(ParameterError):
        survival_target(df, lost="ignore")
    with pytest.raises(ParameterError):
        TimingModel(solver="x").fit(df, d, e)
