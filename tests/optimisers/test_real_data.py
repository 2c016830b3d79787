"""Real-data-shaped tables: marketing-mix totals (Robyn/Meridian demo data, the simulator) and a
Facebook-ads-style export. Every channel with R² < 0.3 or a parameter on its bound is reported
not trusted, and no recommended spend goes above the evidence cap."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leadlever.optimisers.allocation import DecisionSettings, allocate, recommend_fit
from leadlever.optimisers.curves import fit_additive, fit_curves
from leadlever.optimisers.curves._diagnostics import MIN_R2
from leadlever.optimisers.curves._estimate import GRIDS, MAX_CARRYOVER
from leadlever.simulations.world import (
    Seasonality,
    default_world,
    facebook_ads_export,
    simulate_channels,
    valiant_channel_world,
)

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
ROBYN = DATA / "robyn-simulated-weekly" / "dt_simulated_weekly.csv"
MERIDIAN = DATA / "meridian-simulated" / "national_all_channels.csv"
#: relative closeness to a bound that counts as "on it" (independent of the fitter's own flag)
ON_BOUND = 1e-2


def _on_bound(fc) -> bool:
    """An independent look at the fitted values: shape, half-saturation or carry-over at a limit."""
    shapes = GRIDS["hill"]["shape"]
    ks = GRIDS["hill"]["half_saturation"] * fc.max_observed_spend
    k = fc.curve.half_saturation
    return (
        abs(np.log(fc.curve.shape / shapes.min())) < ON_BOUND
        or abs(np.log(fc.curve.shape / shapes.max())) < ON_BOUND
        or abs(np.log(k / ks.min())) < ON_BOUND
        or abs(np.log(k / ks.max())) < ON_BOUND
        or fc.adstock > MAX_CARRYOVER - ON_BOUND
    )


def _check_verdicts_and_caps(fit_result, budget=None):
    rec = recommend_fit(fit_result, budget)
    for fc in fit_result.curves:
        if fc.r2 < MIN_R2 or _on_bound(fc):
            assert fc.quality != "trusted", (fc.channel, fc.r2, fc.curve)
            assert fc.reasons
        spend = rec.spend[fc.channel]
        assert spend <= 1.2 * fc.max_observed_spend * (1 + 1e-9), fc.channel
    return rec


def test_joint_fit_recovers_curves_and_carryover_from_noiseless_totals():
    world = replace(default_world(), seasonality=Seasonality())
    hist = simulate_channels(156, seed=8, world=world)
    wide = hist.pivot(index="week", columns="channel", values="spend")[world.channel_names]
    wide["value"] = hist.groupby("week")["true_expected_value"].sum()
    fit = fit_additive(wide.reset_index(), world.channel_names, "value", seasonality=0, n_draws=50)
    truth = valiant_channel_world(world)
    for c in truth.channels:
        got = fit.curves.as_mapping()[c.name]
        for name, value in c.value_curve.params().items():
            assert got.curve.params()[name] == pytest.approx(value, rel=2e-3), (c.name, name)
        assert got.adstock == pytest.approx(c.carryover, abs=2e-3), c.name
    assert fit.r2 > 1 - 1e-9
    # and the decision on the fitted curves is the decision on the true ones
    cur = np.array([fit.curves.as_mapping()[n].current_spend for n in truth.channel_names])
    fitted = allocate([fit.curves.as_mapping()[n].curve for n in truth.channel_names], cur.sum())
    np.testing.assert_allclose(
        fitted.spend, truth.oracle(cur.sum()), rtol=1e-3, atol=1e-6 * cur.sum()
    )


@pytest.mark.shared_data
@pytest.mark.skipif(not ROBYN.exists(), reason="../shared/data not present: Robyn's demo data")
def test_robyn_simulated_weekly():
    d = pd.read_csv(ROBYN)
    d["event"] = (d["events"] != "na").astype(float)
    spend = ["tv_S", "ooh_S", "print_S", "facebook_S", "search_S"]
    fit = fit_additive(
        d,
        spend,
        "revenue",
        controls=["competitor_sales_B", "newsletter", "event"],
        date="DATE",
        n_random_starts=1,
    )
    assert fit.r2 > 0.8
    rec = _check_verdicts_and_caps(fit.curves)
    assert rec.uplift >= -1e-9 * abs(rec.allocation.total_value)


@pytest.mark.shared_data
@pytest.mark.skipif(
    not MERIDIAN.exists(), reason="../shared/data not present: Meridian's demo data"
)
def test_meridian_national():
    d = pd.read_csv(MERIDIAN)
    d["revenue"] = d["conversions"] * d["revenue_per_conversion"]
    fit = fit_additive(
        d,
        [f"Channel{i}_spend" for i in range(5)],
        "revenue",
        controls=["competitor_sales_control", "sentiment_score_control", "Promo"],
        date="time",
        n_random_starts=1,
    )
    _check_verdicts_and_caps(fit.curves)


def test_facebook_style_export_is_judged_and_capped():
    ads = facebook_ads_export(seed=1)
    fit = fit_curves(ads, channel="interest", spend="Spent", value="Approved_Conversion")
    assert not fit.sequential and fit.time_effect is None
    qualities = [fc.quality for fc in fit.curves]
    assert "unidentified" in qualities  # interest groups with a handful of ads
    by = {str(k): g for k, g in ads.groupby("interest")}
    rec = _check_verdicts_and_caps(fit, budget=1000.0)
    for fc in fit.curves:
        # within the evidence the fitted curve never promises far beyond what an ad there brought
        assert (
            float(fc.curve.value(rec.spend[fc.channel]))
            <= 1.5 * by[fc.channel]["Approved_Conversion"].max() + 1.0
        )
    assert rec.uplift_interval is not None and rec.value_change is not None
    free = recommend_fit(fit, 1000.0, settings=DecisionSettings(untrusted="free"))
    assert all(
        free.spend[fc.channel] <= 1.2 * fc.max_observed_spend * (1 + 1e-9) for fc in fit.curves
    )
