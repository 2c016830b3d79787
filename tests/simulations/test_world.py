from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pytest
from helpers import REPO
from scipy import stats

from leadlever.engine.io import LEAD_SCHEMA, write_table
from leadlever.simulations.exceptions import SimulationError
from leadlever.simulations.world import (
    HISTORY_COLUMNS,
    LEAD_COLUMNS,
    MAX_DAYS_TO_CLOSE,
    default_world,
    simulate_channels,
    simulate_leads,
)


def _digest(frame: pd.DataFrame, path) -> str:
    write_table(frame, path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_bytes(tmp_path):
    a = _digest(simulate_leads(2000, seed=5), tmp_path / "a.csv")
    b = _digest(simulate_leads(2000, seed=5), tmp_path / "b.csv")
    c = _digest(simulate_leads(2000, seed=6), tmp_path / "c.csv")
    assert a == b
    assert a != c
    h1 = _digest(simulate_channels(30, seed=5), tmp_path / "h1.csv")
    h2 = _digest(simulate_channels(30, seed=5), tmp_path / "h2.csv")
    assert h1 == h2


def test_realised_conversion_matches_true_probability():
    leads = simulate_leads(40_000, seed=3)
    n = len(leads)
    realised = leads["true_will_convert"].sum()
    expected = leads["true_p_convert"].sum()
    # Poisson-binomial variance: sum p(1-p); a 99.9% two-sided band
    sd = np.sqrt((leads["true_p_convert"] * (1 - leads["true_p_convert"])).sum())
    assert abs(realised - expected) < stats.norm.ppf(0.9995) * sd
    # leads older than the longest time to close are all closed, and their observed
    # conversion rate is the mean true probability within a binomial interval
    old = leads[
        leads["days_to_convert"].notna()
        & (
            leads["created_at"]
            < pd.Timestamp(default_world().observation_date)
            - pd.Timedelta(days=MAX_DAYS_TO_CLOSE + 1)
        )
    ]
    assert old["converted"].notna().all()
    k = int(old["converted"].sum())
    lo, hi = stats.binomtest(k, len(old)).proportion_ci(0.999)
    assert lo <= old["true_p_convert"].mean() <= hi
    assert 0.15 < realised / n < 0.40


def test_days_to_placement_follow_the_timing_law():
    """The sampled days of converting leads match the one timing law the campaign and the
    timing tests use: empirical P(T <= t) against the law's mean CDF, within 4 s.e."""
    from leadlever.simulations.world import TIMING_LAW

    df = simulate_leads(20_000, seed=4)
    will = df["true_will_convert"] == 1
    days = df.loc[will, "true_days_to_convert"].to_numpy()
    eta = TIMING_LAW.linear_predictor(
        df.loc[will, "skills_match"], df.loc[will, "downloads"],
        df.loc[will, "days_since_last_activity"],
    )  # fmt: skip
    scale = TIMING_LAW.scale(eta)
    for t in (15, 45, 90, 180):
        expected = float(np.mean(TIMING_LAW.cdf(t, scale)))
        se = np.sqrt(expected * (1 - expected) / days.size)
        assert abs(float(np.mean(days <= t)) - expected) < 4 * se
    assert TIMING_LAW.survival(60.0) == pytest.approx(np.exp(-1.0))  # t = base scale


def test_outcomes_are_censored_consistently():
    leads = simulate_leads(20_000, seed=4)
    obs = pd.Timestamp(default_world().observation_date)
    elapsed = (obs - leads["created_at"]).dt.days
    open_ = leads["converted"].isna()
    # open leads: days observed equal the elapsed days; closed ones closed before the export
    assert (leads.loc[open_, "days_to_convert"] == elapsed[open_]).all()
    assert (leads.loc[~open_, "days_to_convert"] <= elapsed[~open_]).all()
    placed = leads["converted"] == 1
    assert (leads.loc[placed, "true_will_convert"] == 1).all()
    assert (leads.loc[placed, "days_to_convert"] == leads.loc[placed, "true_days_to_convert"]).all()
    assert (
        leads.loc[placed, "commission"]
        .round(2)
        .equals((0.2 * leads.loc[placed, "placement_salary"]).round(2))
    )
    assert leads.loc[~placed.fillna(False), "commission"].isna().all()
    # some open leads will still convert: censoring hides them
    assert (leads.loc[open_, "true_will_convert"] == 1).any()


def test_nonlinear_truth_makes_linear_model_imperfect():
    """A plain logit on the raw features must be good but measurably below the truth."""
    import statsmodels.api as sm

    leads = simulate_leads(30_000, seed=8)
    cols = [
        "skills_match",
        "years_experience",
        "site_visits",
        "downloads",
        "email_clicks",
        "days_since_last_activity",
        "current_salary",
        "expected_salary",
    ]
    X = sm.add_constant(leads[cols].astype(float))
    y = leads["true_will_convert"].to_numpy()
    fit = sm.Logit(y, X).fit(disp=0)
    from scipy.stats import rankdata

    def auc(score):
        r = rankdata(score)
        pos = y == 1
        return (r[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum())

    auc_linear = auc(fit.predict(X))
    auc_truth = auc(leads["true_p_convert"].to_numpy())
    assert 0.6 < auc_linear < auc_truth - 0.02


def test_schema_matches_columns_and_the_data_page():
    leads = simulate_leads(50, seed=1)
    assert list(leads.columns) == list(LEAD_COLUMNS) == LEAD_SCHEMA.names
    readme = (REPO / "docs" / "data.md").read_text(encoding="utf-8")
    section = readme.split("<!-- lead-schema:start -->")[1].split("<!-- lead-schema:end -->")[0]
    documented = re.findall(r"^\| `([a-z0-9_]+)` \|", section, flags=re.M)
    assert documented == list(leads.columns)
    for col in leads.columns:
        if col.startswith("true_"):
            assert "Simulator only" in LEAD_SCHEMA[col].description


def test_channel_history_follows_true_curves():
    world = default_world()
    hist = simulate_channels(400, seed=2)
    assert list(hist.columns) == list(HISTORY_COLUMNS)
    assert len(world.channels) >= 6
    assert any(c.shape > 1 for c in world.channels)  # some S-shaped
    for channel in world.channels:
        rows = hist[hist["channel"] == channel.name]
        # carry-over: the adstock follows its recursion from the week's spend
        lam, spend = channel.carryover, rows["spend"].to_numpy()
        stock = rows["true_adstock"].to_numpy()
        np.testing.assert_allclose(stock[1:], lam * stock[:-1] + (1 - lam) * spend[1:], atol=1e-3)
        expected = rows["true_time_effect"].to_numpy() * channel.expected_leads(stock)
        np.testing.assert_allclose(rows["true_expected_leads"], expected, rtol=1e-5, atol=1e-3)
        # Poisson noise: mean leads within 4 standard errors of the expected total
        assert abs(rows["leads"].sum() - expected.sum()) < 4 * np.sqrt(expected.sum())
        assert (rows["conversions"] <= rows["leads"]).all()


def test_quality_shift_moves_conversion():
    world = default_world().with_quality_shift("social", 1.0)
    base = simulate_leads(20_000, seed=9)
    shifted = simulate_leads(20_000, seed=9, world=world)
    m0 = base.loc[base["channel"] == "social", "true_p_convert"].mean()
    m1 = shifted.loc[shifted["channel"] == "social", "true_p_convert"].mean()
    assert m1 > m0 + 0.05


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_bad_parameters(bad):
    with pytest.raises(SimulationError, match="'n' parameter"):
        simulate_leads(bad)
    with pytest.raises(SimulationError, match="'weeks' parameter"):
        simulate_channels(bad)
