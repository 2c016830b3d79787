"""Qualification bundle: profile identities, grades, JSON round trip, settings without refit."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from qualify_fixtures import bundle, leads

from leadlever.engine.economics import Economics
from leadlever.engine.exceptions import InputFileError, ModelFileError, ParameterError
from leadlever.engine.qualification._bundle import (
    QualificationBundle,
    QualificationSettings,
    criterion_tiers,
    load_bundle,
)


@pytest.fixture(scope="module")
def fitted():
    return bundle()


@pytest.fixture(scope="module")
def open_leads():
    df = leads(6_000, 8)
    return df[df["converted"].isna()].reset_index(drop=True)


def test_profile_columns_and_identities(fitted, open_leads):
    prof = fitted.profile(open_leads)
    assert len(prof) == len(open_leads)
    assert (prof["lead_id"].to_numpy() == open_leads["lead_id"].to_numpy()).all()
    e = Economics()  # the defaults the profile used
    np.testing.assert_allclose(
        prof["expected_commission"], e.commission_rate * prof["expected_starting_salary"]
    )
    np.testing.assert_allclose(  # D = c_h h + L p (legal fees per placement) + A
        prof["expected_delivery_cost"],
        e.hourly_rate * prof["expected_effort_hours"]
        + e.legal_fees * prof["p_convert"]
        + e.admin_overhead,
    )
    np.testing.assert_allclose(
        prof["expected_value"],
        prof["p_convert"] * prof["expected_commission"] - prof["expected_delivery_cost"],
    )
    assert (prof["p_convert_30d"] <= prof["p_convert_180d"] + 1e-12).all()
    assert (prof["score"] == np.rint(100 * prof["p_convert"])).all()
    for name in ("conversion", "timing", "delivery", "profit", "fit"):
        assert set(prof[f"grade_{name}"]) <= set("ABCDE")
    # p_convert tracks the simulator's truth
    assert np.corrcoef(prof["p_convert"], open_leads["true_p_convert"])[0, 1] > 0.85


def test_grades_are_quintiles_of_the_history(fitted):
    df = leads(6_000, 8)
    prof = fitted.profile(df[df["converted"].notna()])
    shares = prof["grade_conversion"].value_counts(normalize=True)
    for g in "ABCDE":
        assert shares[g] == pytest.approx(0.2, abs=0.02)
    # effort: A = least effort
    a = prof.loc[prof["grade_delivery"] == "A", "expected_effort_hours"].max()
    e = prof.loc[prof["grade_delivery"] == "E", "expected_effort_hours"].min()
    assert a < e
    assert list(criterion_tiers([0, 1, 2, 3, 4], [0.5, 1.5, 2.5, 3.5])) == list("EDCBA")


def test_report_has_held_out_metrics_per_model(fitted):
    m = fitted.report.metrics
    assert set(m) >= {"conversion", "timing", "effort", "value", "fit", "resale"}
    assert m["conversion"]["auc"] > 0.7
    ci = m["conversion"]["auc_ci"]
    assert ci["lower"] < m["conversion"]["auc"] < ci["upper"]
    assert m["timing"]["concordance"] > 0.65
    assert m["value"]["mape"] < 0.1
    assert m["fit"]["auc"] > 0.65


def test_json_round_trip(fitted, open_leads, tmp_path):
    path = fitted.save(tmp_path / "models.json")
    text = path.read_text()
    assert json.loads(text)["version"] == 2
    again = load_bundle(path)
    assert again.model_version == fitted.model_version
    a, b = fitted.profile(open_leads), again.profile(open_leads)
    num = a.select_dtypes("number").columns
    np.testing.assert_allclose(a[num].to_numpy(float), b[num].to_numpy(float), rtol=1e-12)


def test_bad_bundle_files(tmp_path, fitted):
    with pytest.raises(InputFileError):
        load_bundle(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ModelFileError):
        load_bundle(tmp_path / "bad.json")
    data = fitted.to_dict()
    data["version"] = 99
    with pytest.raises(ModelFileError, match="version"):
        QualificationBundle.from_dict(data)
    (tmp_path / "other.json").write_text(json.dumps({"format": "something"}))
    with pytest.raises(ModelFileError):
        load_bundle(tmp_path / "other.json")


def test_settings_change_without_refit(fitted, open_leads):
    base = fitted.profile(open_leads)
    free = Economics(hourly_rate=0.0, commission_rate=0.1, legal_fees=0.0, admin_overhead=0.0)
    cheaper = fitted.profile(open_leads, economics=free)
    np.testing.assert_allclose(
        cheaper["expected_value"], base["p_convert"] * base["expected_commission"] / 2
    )
    roles = fitted.profile(
        open_leads, dataclasses.replace(fitted.settings, target_roles=("bi_engineer",))
    )
    assert not np.allclose(roles["p_fit"], base["p_fit"])
    np.testing.assert_array_equal(roles["p_convert"], base["p_convert"])
    with pytest.raises(ParameterError, match="percentage"):
        Economics(commission_rate=20)
    with pytest.raises(ParameterError):
        QualificationSettings(tier_cuts=(50, 20, 100))


def test_prefitted_conversion_model_is_used_as_is(fitted):
    from leadlever.engine.qualification import fit_bundle

    small = fit_bundle(leads(3_000, 9), conversion_model=fitted.conversion, refit=False)
    assert small.conversion is fitted.conversion
    assert small.report.metrics["conversion"] == {"prefitted": True}
    assert "concordance" in small.report.metrics["timing"]


def test_a_bundle_without_value_model_values_leads_by_the_salary_rule(fitted, open_leads):
    """No value model: each lead is worth the economics' commission rate x its salary column
    (else value_per_conversion), as in roi, plan, price and package; announced."""
    plain = dataclasses.replace(fitted, value=None)
    e = Economics(commission_rate=0.15, value_per_conversion=7000.0)
    rows = open_leads.head(200).copy()
    rows.loc[rows.index[:20], "expected_salary"] = np.nan
    prof = plain.profile(rows, economics=e)
    salary = rows["expected_salary"].to_numpy(float)
    k = np.where(np.isnan(salary), 7000.0, 0.15 * np.nan_to_num(salary))
    hours = np.where(
        np.isnan(prof["expected_effort_hours"]), e.effort_hours, prof["expected_effort_hours"]
    )
    np.testing.assert_allclose(
        prof["expected_value"], e.in_house_value(prof["p_convert"].to_numpy(), k, hours)
    )
    names = [a.name for a in plain.profile_assumptions(e, rows.columns)]
    assert "commission_rate" in names and "value_per_conversion" in names
    assert "commission_rate" not in [a.name for a in plain.profile_assumptions(e, ["x"])]


def test_converting_within_a_horizon_is_never_likelier_than_converting():
    """The timing and conversion models are fitted apart; the profile keeps them coherent."""
    from leadlever.engine.qualification import fit_bundle
    from leadlever.simulations.world import simulate_leads

    leads = simulate_leads(1500, seed=5)
    bundle = fit_bundle(leads, seed=0)
    prof = bundle.profile(leads)
    raw = bundle.timing.predict_within(leads, bundle.settings.horizons)
    # the case exists: the Cox model alone puts 361 leads above their p_convert at 180 days
    assert (raw[180] > prof["p_convert"].to_numpy()).sum() > 100
    for h, ph in raw.items():
        got = prof[f"p_convert_{h}d"].to_numpy()
        assert (got <= prof["p_convert"].to_numpy() + 1e-15).all()
        np.testing.assert_allclose(got, np.minimum(ph, prof["p_convert"].to_numpy()))
