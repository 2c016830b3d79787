"""ConversionModel on simulated leads (ground truth) and on the small UCI bank.csv."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scoring_helpers import features

from leadlever.engine.exceptions import (
    MissingColumnsError,
    ModelFileError,
    NotFittedError,
    ParameterError,
)
from leadlever.engine.io import read_table
from leadlever.engine.scoring import (
    ConvergenceWarning,
    ConversionModel,
    DataQualityWarning,
    ece,
    fit_and_evaluate,
    roc_auc,
)

BANK = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "bank-marketing" / "bank.csv"
)


@pytest.fixture(scope="module")
def fitted(sim_closed):
    X = features(sim_closed)
    with (
        warnings.catch_warnings()
    ):  # the simulated table warns (ids, collinear dummies); not under test
        warnings.simplefilter("ignore")
        model = ConversionModel(cv=3).fit(X, sim_closed["converted"])
    return model, X, sim_closed


def test_sklearn_contract(fitted):
    model, X, _ = fitted
    assert ConversionModel(interactions=3).get_params()["interactions"] == 3
    fresh = ConversionModel()
    assert not any(k.endswith("_") for k in vars(fresh))
    proba = model.predict_proba(X.head(50))
    assert proba.shape == (50, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    with pytest.raises(NotFittedError):
        fresh.predict_proba(X)
    y = np.r_[[0, 1] * (len(X) // 2), [0] * (len(X) % 2)]
    with pytest.raises(ParameterError, match="'interactions' parameter of ConversionModel"):
        ConversionModel(interactions=-1).fit(X, y)
    with pytest.raises(
        ParameterError, match="'monotone' parameter of ConversionModel names 'industry'"
    ):
        ConversionModel(monotone={"industry": 1}).fit(X, y)


def test_ranks_like_ground_truth_and_is_calibrated(fitted):
    model, X, closed = fitted
    p = model.predict_proba(X)[:, 1]
    y = closed["converted"].astype(int).to_numpy()
    truth_auc = roc_auc(y, closed["true_p_convert"].to_numpy())
    assert roc_auc(y, p) > truth_auc - 0.05
    # closed leads are a censored sample, so even true_p_convert has ECE ~0.035 here
    assert ece(y, p) < 0.05
    assert abs(p.mean() - y.mean()) < 0.01
    assert "lead_id" in model.preprocessor_.excluded_


def test_reasons_sum_to_log_odds(fitted):
    model, X, _ = fitted
    contrib = model.contributions(X.head(20))
    eta = model.decision_function(X.head(20))
    np.testing.assert_allclose(contrib.sum(axis=1) + model.intercept_, eta, atol=1e-12)
    scored = model.score_table(X.head(20))
    assert {"p_convert", "score", "tier", "reasons"} <= set(scored.columns)
    np.testing.assert_array_equal(scored["score"], np.rint(scored["p_convert"] * 100).astype(int))
    first = scored["reasons"].iloc[0]
    assert "the chance from" in first and len(first.split("; ")) <= 6
    top_pos = contrib.iloc[0].idxmax().split(" × ")[0].replace("_", " ")
    assert first.startswith(top_pos)


def test_json_round_trip_identical(fitted, tmp_path):
    model, X, _ = fitted
    path = model.save(tmp_path / "model.json")
    text = path.read_text()
    assert json.loads(text)["format"] == "leadlever.conversion_model"
    loaded = ConversionModel.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    pd.testing.assert_frame_equal(loaded.score_table(X.head(30)), model.score_table(X.head(30)))


def test_bad_model_files(tmp_path, fitted):
    (tmp_path / "a.json").write_text('{"format": "other"}')
    with pytest.raises(ModelFileError):
        ConversionModel.load(tmp_path / "a.json")
    (tmp_path / "b.json").write_text("not json")
    with pytest.raises(ModelFileError):
        ConversionModel.load(tmp_path / "b.json")
    # a version-1 file (the linear model of earlier releases) says how to refit
    old = {"format": "leadlever.conversion_model", "version": 1, "coef": {"x": 1.0}}
    (tmp_path / "v1.json").write_text(json.dumps(old))
    with pytest.raises(ModelFileError, match=r"version 1 .*linear model.*Refit it.*score fit"):
        ConversionModel.load(tmp_path / "v1.json")
    with pytest.raises(ModelFileError, match="version 1"):
        ConversionModel.from_dict(old)
    # a damaged table is caught, not used
    doc = fitted[0].to_dict()
    doc["mains"][0]["values"] = doc["mains"][0]["values"][:-1]
    with pytest.raises(ModelFileError, match=r"mains\[0\]\.se' has \d+ values but 'values'"):
        ConversionModel.from_dict(doc)
    doc["mains"][0]["se"] = doc["mains"][0]["se"][:-1]  # consistent term, wrong cell count
    with pytest.raises(ModelFileError, match="inconsistent"):
        ConversionModel.from_dict(doc)
    # the version-1 message also comes through the CLI's loader (with its fit record)
    from leadlever.engine.scoring import load_model

    with pytest.raises(ModelFileError, match=r"version 1 .*Refit it"):
        load_model(tmp_path / "v1.json")


def test_missing_column_and_unseen_category(fitted):
    model, X, _ = fitted
    with pytest.raises(MissingColumnsError, match="skills_match"):
        model.predict_proba(X.drop(columns=["skills_match"]))
    odd = X.head(5).copy()
    odd["industry"] = odd["industry"].astype(str)
    odd.loc[:, "industry"] = "space mining"
    p = model.predict_proba(odd)[:, 1]
    assert np.isfinite(p).all()
    plan = next(pl for pl in model.preprocessor_.plans_ if pl["name"] == "industry")
    codes = model.preprocessor_.category_codes(plan, odd["industry"])
    expected = plan["levels"].index("other") if "other" in plan["levels"] else 0
    assert (codes == expected).all()


def test_separation_and_collinearity_stay_finite():
    """Perfect separation and duplicated columns: the penalties keep every cell finite."""
    rng = np.random.default_rng(0)
    n = 400
    x = rng.normal(size=n)
    y = (x > 0).astype(int)  # perfectly separable by x
    X = pd.DataFrame({"x": x, "x_copy": 2 * x, "flag": np.where(y == 1, "a", "b")})
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        model = ConversionModel(cv=3).fit(X, y)
    assert all(np.isfinite(m["values"]).all() for m in model.mains_)
    assert np.abs(model.decision_function(X)).max() < 40
    assert roc_auc(y, model.predict_proba(X)[:, 1]) > 0.99


def test_preprocessing_sentinels_dates_binary_drop():
    rng = np.random.default_rng(2)
    n = 300
    X = pd.DataFrame(
        {
            "pdays": np.where(rng.random(n) < 0.7, 999, rng.integers(1, 30, n)),
            "signed_up": pd.to_datetime("2025-01-01")
            + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
            "newsletter": rng.choice(["yes", "no"], n),
            "leak": rng.random(n),
            "customer_id": [f"C{i}" for i in range(n)],
        }
    )
    y = rng.integers(0, 2, n)
    with pytest.warns(UserWarning, match="customer_id"):
        model = ConversionModel(sentinels={"pdays": [999]}, drop=["leak"], cv=3).fit(X, y)
    kinds = {p["name"]: p for p in model.preprocessor_.plans_}
    assert set(kinds) == {"pdays", "signed_up", "newsletter"}
    assert kinds["pdays"]["missing_indicator"] and kinds["pdays"]["median"] < 30
    assert kinds["signed_up"]["kind"] == "date" and kinds["newsletter"]["kind"] == "binary"
    # the sentinel rows fall in the missing cell, not in a value cell
    pdays = next(b for b in model.bins_ if b["name"] == "pdays")
    assert pdays["counts"][pdays["missing_cell"]] == int((X["pdays"] == 999).sum())


def test_fit_and_evaluate_oof_on_simulated(sim_closed):
    table = features(sim_closed).assign(converted=sim_closed["converted"])
    with (
        warnings.catch_warnings()
    ):  # the simulated table warns (ids, collinear dummies); not under test
        warnings.simplefilter("ignore")
        model, report = fit_and_evaluate(table, "converted", cv=3)
    d = report.to_dict()
    for key in (
        "n_rows",
        "n_features",
        "base_rate",
        "auc",
        "pr_auc",
        "brier",
        "ece",
        "log_loss",
        "lift_top_decile",
        "calibration",
        "importance",
        "folds",
        "terms",
        "tiers",
    ):
        assert key in d
    assert d["n_rows"] == len(table) and d["folds"] == 3
    assert d["terms"]["n_pairs"] == len(model.pairs_)
    assert len(d["terms"]["cv_deviance_by_n_pairs"]) == len(d["terms"]["pair_candidates"]) + 1
    assert 0.65 < d["auc"] < 0.95 and d["ece"] < 0.04
    assert report.oof["p_convert"].notna().all()


@pytest.mark.shared_data
@pytest.mark.skipif(
    not BANK.exists(), reason="../shared/data not present: UCI bank marketing bank.csv"
)
def test_small_bank_csv_out_of_fold():
    table = read_table(BANK)
    with warnings.catch_warnings():  # the bank file's data notices are not under test here
        warnings.simplefilter("ignore")
        _, report = fit_and_evaluate(table, "y", cv=5, drop=["duration"], sentinels={"pdays": [-1]})
    d = report.to_dict()
    # 4,521 rows: the full-size targets (AUC 0.765+) are checked in benchmarks/scoring.py
    assert d["auc"] > 0.70 and d["ece"] < 0.03 and d["lift_top_decile"] > 3.0
    assert abs(d["base_rate"] - 521 / 4521) < 1e-9


def test_a_fit_that_does_not_converge_says_so(monkeypatch, sim_closed):
    """Warm-started refits that stop at their iteration limit are reported, not hidden."""
    import leadlever.engine.scoring._additive as additive

    monkeypatch.setattr(additive, "ETA_TOL", 0.0)  # no fit can ever settle
    X = features(sim_closed).head(1500)
    y = sim_closed["converted"].head(1500)
    with pytest.warns(ConvergenceWarning, match="iteration limit"):
        model = ConversionModel(cv=3, interactions=0).fit(X, y)
    assert model.data_warnings_ and "iteration limit" in model.summary()["warnings"][0]
    doc = model.to_dict()
    assert doc["training"]["data_warnings"] == model.data_warnings_
