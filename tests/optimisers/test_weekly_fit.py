"""The weekly curve fit recovers carry-over, season and curves; reads exports; judges channels."""

import math

import numpy as np
import pandas as pd
import pytest

from leadlever.engine.exceptions import DataError, InvalidValueError
from leadlever.optimisers.curves import fit_curves, geometric_adstock, read_history
from leadlever.optimisers.curves._carryover import WEEKS_PER_YEAR
from leadlever.optimisers.curves._diagnostics import MIN_R2
from leadlever.optimisers.exceptions import CurveFitError
from leadlever.simulations.world import (
    platform_export,
    random_channel_world,
    simulate_channels,
    valiant_channel_world,
)

#: relative agreement on noiseless data (true_expected_value is rounded to cents)
EXACT = 2e-3


@pytest.fixture(scope="module")
def valiant():
    return valiant_channel_world()


def test_geometric_adstock_against_its_definition():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 30)
    lam = 0.6
    # definition: A_t = (1 - lam) sum_{l >= 0} lam^l x_{t-l}, steady at x_0 before the start
    brute = np.array(
        [
            (1 - lam) * sum(lam**j * (x[t - j] if t - j >= 0 else x[0]) for j in range(400))
            for t in range(30)
        ]
    )
    np.testing.assert_allclose(geometric_adstock(x, lam), brute, rtol=1e-12)
    # vectorised over columns with one rate each equals the one-series path
    both = geometric_adstock(np.column_stack([x, 2 * x]), np.array([0.6, 0.2]))
    np.testing.assert_allclose(both[:, 1], geometric_adstock(2 * x, 0.2), rtol=1e-12)
    assert geometric_adstock(np.full(5, 3.0), 0.9)[-1] == pytest.approx(3.0)  # steady state


@pytest.mark.parametrize("response", ["value", "leads"])
def test_carryover_season_and_curves_recovered_exactly_without_noise(valiant, response):
    """Noiseless value (its leads column dropped), or noiseless leads and value: the value
    path and the leads x value-per-lead path both recover the truth."""
    history = simulate_channels(104, seed=4)
    history["value"] = history["true_expected_value"]
    if response == "leads":
        history["leads"] = history["true_expected_leads"]
    else:
        history = history.drop(columns="leads")
    result = fit_curves(history, point="mode", n_draws=0)
    for fc in result.curves:
        assert fc.response == response
        truth = next(c for c in valiant.channels if c.name == fc.channel)
        assert fc.adstock == pytest.approx(truth.carryover, abs=EXACT)
        for name, value in truth.value_curve.params().items():
            assert fc.curve.params()[name] == pytest.approx(value, rel=EXACT)
        assert fc.r2 > 1 - 1e-6
        assert fc.quality == "trusted"
    season = valiant.seasonality
    angle = 2 * math.pi * season.peak_week / WEEKS_PER_YEAR
    trend, a1, b1, a2, b2 = result.time_effect.coef
    assert trend == pytest.approx(season.trend, abs=1e-4)
    assert a1 == pytest.approx(season.amplitude * math.sin(angle), abs=1e-4)
    assert b1 == pytest.approx(season.amplitude * math.cos(angle), abs=1e-4)
    assert abs(a2) < 1e-4 and abs(b2) < 1e-4


def test_noisy_fit_recovers_carryover_and_season(valiant):
    """Valiant's history (spend varied week to week, Poisson noise): carry-over and season."""
    errors, covered = [], []
    for seed in (1, 2):
        result = fit_curves(simulate_channels(156, seed=seed), seed=seed)
        for fc in result.curves:
            truth = next(c for c in valiant.channels if c.name == fc.channel)
            errors.append(fc.adstock - truth.carryover)
            drawn = result.draws.select([fc.channel]).params["adstock"][:, 0]
            lo, hi = np.quantile(drawn, [0.05, 0.95])
            covered.append(lo - 0.05 <= truth.carryover <= hi + 0.05)  # grid spacing 0.1
        amp = math.hypot(*result.time_effect.coef[1:3])
        assert amp == pytest.approx(valiant.seasonality.amplitude, abs=0.04)
    assert np.mean(np.abs(errors)) < 0.1
    assert np.mean(covered) >= 0.75


def test_draws_cover_the_true_value_at_todays_spend():
    hits = []
    for seed in (3, 11):
        world = random_channel_world(6, seed=seed)
        result = fit_curves(simulate_channels(104, seed=seed + 1000, world=world), seed=seed)
        for fc, truth in zip(result.curves, world.channels, strict=True):
            x = fc.current_spend
            drawn = result.draws.select([fc.channel]).values([x])[:, 0]
            lo, hi = np.quantile(drawn, [0.05, 0.95])
            hits.append(lo <= float(truth.value_curve.value(x)) <= hi)
    assert np.mean(hits) >= 0.75


def test_daily_platform_export_is_read_as_the_weekly_history():
    history = simulate_channels(30, seed=2)  # weeks start on Mondays (2026-11-16 is one)
    export = platform_export(history, daily=True, seed=1)
    assert "Day" in export and "Impressions" in export and "true_adstock" not in export
    hist = read_history(export)
    weekly = history.pivot(index="week", columns="channel", values="spend")[list(hist.channels)]
    value = history.pivot(index="week", columns="channel", values="value")[list(hist.channels)]
    assert hist.n_periods == 30
    # 7 days rounded to cents each: the weekly sums agree to 7 half-cents
    np.testing.assert_allclose(hist.spend, weekly.to_numpy(), atol=0.036)
    np.testing.assert_allclose(hist.value, value.to_numpy(), atol=0.036)
    names = {a["name"]: a["value"] for a in hist.assumptions}
    assert names["spend column"] == "Amount spent (EUR)"
    assert names["value column"] == "Conversion value"
    assert "daily rows summed into 30 weeks" in names["period"]
    # a partial week at either end is dropped, and said so
    cut = read_history(export.iloc[3 * 6 :])
    assert cut.n_periods == 29
    assert "incomplete week" in {a["name"]: a["value"] for a in cut.assumptions}["period"]


def test_weekly_export_with_other_names_and_money_text():
    history = simulate_channels(20, seed=5)
    frame = pd.DataFrame(
        {
            "Week start": history["week"].astype(str),
            "Ad set name": history["channel"],
            "Cost": history["spend"].map(lambda v: f"€{v:,.2f}"),
            "Revenue": history["value"],
            "Clicks": 1,
        }
    )
    hist = read_history(frame)
    np.testing.assert_allclose(
        np.sort(hist.spend.ravel()), np.sort(history["spend"].to_numpy()), rtol=1e-12
    )


def test_bad_histories_give_clear_errors_or_unidentified():
    week = pd.date_range("2026-01-05", periods=30, freq="7D")
    rng = np.random.default_rng(1)
    good = rng.uniform(50, 150, 30)
    frame = pd.DataFrame(
        {
            "week": np.repeat(week, 3),
            "channel": np.tile(["varied", "constant", "silent"], 30),
            "spend": np.column_stack([good, np.full(30, 100.0), good]).ravel(),
            "value": np.column_stack([3 * good, 3 * good, np.zeros(30)]).ravel(),
        }
    )
    result = fit_curves(frame, n_draws=50).as_mapping()
    assert result["constant"].quality == "unidentified"
    assert "spend hardly varied" in result["constant"].reasons[0]
    assert result["silent"].quality == "unidentified"
    assert any("zero in every period" in r for r in result["silent"].reasons)
    with pytest.raises(CurveFitError, match="only 1 week; a curve needs at least 8"):
        fit_curves(frame[frame["week"] == week[0]])
    bad = frame.copy()
    bad.loc[4, "value"] = -5.0
    with pytest.raises(InvalidValueError, match=r"column 'value'.*row 5.*negative"):
        fit_curves(bad)
    gap = frame[~frame["week"].isin(week[10:12])]
    with pytest.raises(DataError, match="gap") as err:
        fit_curves(gap)
    assert week[10].date().isoformat() in str(err.value)
    partly = frame.drop(index=[0, 3])  # a week without a row is not observed (not spent 0)
    hist = read_history(partly)
    assert any("not observed" in str(a["value"]) for a in hist.assumptions)
    assert np.isnan(hist.spend).sum() == 2


def test_verdicts_follow_the_rules_on_every_channel():
    """R² below 0.3 or a parameter on its bound is never trusted (the issue's rule)."""
    for seed in (1, 2):
        world = random_channel_world(6, seed=seed)
        result = fit_curves(simulate_channels(104, seed=seed, world=world), n_draws=50)
        for fc in result.curves:
            if fc.r2 < MIN_R2:
                assert fc.quality != "trusted" and any("R²" in r for r in fc.reasons)
            if fc.quality == "trusted":
                assert fc.reasons == ()
