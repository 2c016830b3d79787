"""The calibration ledger against the simulator's truth and a brute-force interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from leadlever.engine.monitoring import ALARM_LEVEL, calibration_ledger


def _frame(n_weeks=6, per_week=150, shift=1.0, seed=0, version="v1", closed_share=1.0):
    rng = np.random.default_rng(seed)
    rows = []
    for w in range(n_weeks):
        p = rng.beta(2, 5, per_week)
        y = (rng.random(per_week) < np.clip(p * shift, 0, 1)).astype(float)
        y[rng.random(per_week) > closed_share] = np.nan
        day = pd.Timestamp("2026-01-05") + pd.Timedelta(days=7 * w + 2)
        rows += [{"lead_id": f"{version}-{w}-{i}", "arrived_at": day.isoformat(),
                  "model_version": version, "p_convert": p[i], "converted": y[i]}
                 for i in range(per_week)]  # fmt: skip
    return pd.DataFrame(rows)


def test_interval_matches_a_brute_force_simulation():
    frame = _frame(n_weeks=1, per_week=80, seed=3)
    row = calibration_ledger(frame).by_week.iloc[0]
    draws = (np.random.default_rng(1).random((200_000, 80)) < frame["p_convert"].to_numpy()).sum(1)
    lo, hi = np.quantile(draws, [0.025, 0.975])
    assert row["low"] * 80 == pytest.approx(lo, abs=1)
    assert row["high"] * 80 == pytest.approx(hi, abs=1)
    assert row["predicted"] == pytest.approx(frame["p_convert"].sum())
    assert row["week"] == "2026-01-05"  # the Monday of the week


def test_calibrated_scores_raise_no_alarm_and_drift_does():
    calm = calibration_ledger(_frame(shift=1.0, seed=4))
    assert not calm.alarm and calm.suggestion is None
    assert (calm.by_week["status"] != "open").all()
    drift = calibration_ledger(_frame(shift=0.5, seed=4))
    assert drift.alarm and "qualify fit" in drift.suggestion
    assert (drift.by_week["status"] == "below").sum() >= 2
    # false alarm rate of the pooled test is about 1 - level (binomial check over seeds)
    alarms = sum(
        calibration_ledger(_frame(n_weeks=2, per_week=60, seed=s)).alarm for s in range(60)
    )
    assert stats.binomtest(alarms, 60, 1 - ALARM_LEVEL + 0.002).pvalue > 0.001


def test_open_leads_and_model_versions_are_kept_apart():
    old = _frame(n_weeks=2, seed=5, version="v1")
    new = _frame(n_weeks=2, seed=6, version="v2", shift=0.4, closed_share=0.5)
    new["arrived_at"] = (pd.to_datetime(new["arrived_at"]) + pd.Timedelta(days=14)).astype(str)
    ledger = calibration_ledger(pd.concat([old, new]))
    assert ledger.active_version == "v2"
    by_model = ledger.by_model.set_index("model_version")
    assert by_model.loc["v2", "n_open"] == new["converted"].isna().sum()
    assert not by_model.loc["v1", "alarm"] and by_model.loc["v2", "alarm"]
    only_open = _frame(n_weeks=1, seed=7, closed_share=0.0)
    assert calibration_ledger(only_open).by_week["status"].tolist() == ["open"]


def test_missing_columns_name_them():
    from leadlever.engine.exceptions import MissingColumnsError

    with pytest.raises(MissingColumnsError, match="model_version"):
        calibration_ledger(_frame().drop(columns="model_version"))


@pytest.mark.shared_data
def test_bank_marketing_drift_is_caught_on_real_outcomes():
    """Real data: bank-full's calls are in time order (May 2008 - Nov 2010) and the success
    rate rises over time. A model fitted on the first 20,000 calls is calibrated on them (no
    alarm) and the ledger raises the alarm on the later calls."""
    from helpers import require_shared

    from leadlever.engine.scoring import ConversionModel

    df = pd.read_csv(require_shared("bank-marketing", "bank-full.csv.gz"), sep=";")
    months = {m: i + 1 for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}  # fmt: skip
    month = df["month"].map(months).to_numpy()
    year = 2008 + np.concatenate([[0], np.cumsum(np.diff(month) < 0)])  # rows are in time order
    dates = pd.to_datetime({"year": year, "month": month, "day": df["day"]})
    y = (df["y"] == "yes").astype(int).to_numpy()
    X = df.drop(columns=["y", "duration", "day", "month"])  # duration is known only after the call
    train = np.arange(len(df)) < 20_000
    model = ConversionModel().fit(X[train], y[train])

    def ledger(mask):
        return calibration_ledger(pd.DataFrame({
            "lead_id": np.flatnonzero(mask).astype(str), "arrived_at": dates[mask].to_numpy(),
            "model_version": "bank-v1", "p_convert": model.predict_proba(X[mask])[:, 1],
            "converted": y[mask]}))  # fmt: skip

    fitted = ledger(train)
    assert not fitted.alarm and fitted.by_model["status"].iat[0] == "ok"
    later = ledger(~train)
    assert later.alarm and "qualify fit" in later.suggestion
    pooled = later.by_model.iloc[0]
    assert pooled["realised_rate"] > 2 * pooled["predicted_rate"]  # 17.3% vs 6.5%
