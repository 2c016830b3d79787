"""Categories a model was not fitted on: counted exactly, warned about when their share
rises above the fit's, added up the same over chunks (``score apply`` on any size)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from leadlever.cli import app
from leadlever.engine.scoring import ConversionModel, score_file, score_leads, score_summary
from leadlever.engine.scoring._familiarity import (
    UNFAMILIAR_MIN_ROWS,
    unfamiliar_counts,
    unfamiliar_warnings,
)
from leadlever.engine.scoring._fit_record import FitRecord


def _leads(n: int, origins: list[str], weights: list[float], seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    origin = rng.choice(origins, size=n, p=weights)
    visits = rng.poisson(4, n)
    logit = -1.5 + 0.25 * visits + np.where(origin == "API", 0.8, 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"Lead Origin": origin, "visits": visits, "converted": y})


@pytest.fixture(scope="module")
def fitted():
    train = _leads(3000, ["API", "Landing Page", "Import"], [0.5, 0.4, 0.1], seed=1)
    rare = pd.DataFrame({"Lead Origin": ["Fax"] * 3, "visits": [2, 3, 4], "converted": [0, 1, 0]})
    train = pd.concat([train, rare], ignore_index=True)  # a level pooled into 'other'
    model = ConversionModel(cv=3, interactions=0, random_state=0)
    model.fit(train.drop(columns="converted"), train["converted"])
    return model, train


def test_counts_match_pandas_and_the_training_data_gets_no_warning(fitted):
    model, train = fitted
    counts = unfamiliar_counts(model, train)
    assert counts["unfamiliar:Lead Origin"] == 3 and counts["unfamiliar:Lead Origin:Fax"] == 3
    assert counts["unfamiliar_rows"] == len(train)
    assert unfamiliar_warnings(model, counts) == []
    assert score_leads(model, FitRecord.from_dict(None), train).warnings == ()


def test_a_new_origin_is_named_with_its_share(fitted):
    model, _ = fitted
    new = _leads(2000, ["API", "Quick Add Form", "Landing Page"], [0.4, 0.35, 0.25], seed=2)
    new.loc[:9, "Lead Origin"] = None  # missing values have a cell of their own
    expected = int((new["Lead Origin"] == "Quick Add Form").sum())
    (text,) = score_leads(model, FitRecord.from_dict(None), new).warnings
    assert f"{expected:,} of 2,000 leads" in text and "'Quick Add Form'" in text
    assert "'Lead Origin'" in text and "Refit" in text
    # below the minimum number of rows: no warning, whatever the share
    few = new[new["Lead Origin"] != "Quick Add Form"].copy()
    few.iloc[: UNFAMILIAR_MIN_ROWS - 1, 0] = "Quick Add Form"
    assert score_leads(model, FitRecord.from_dict(None), few).warnings == ()


def test_chunked_apply_adds_up_to_the_whole_file(fitted, tmp_path):
    model, _ = fitted
    new = _leads(1500, ["API", "Chatbot", "Import", "Walk-in"], [0.5, 0.2, 0.2, 0.1], seed=3)
    new.to_csv(tmp_path / "new.csv", index=False)
    result = score_file(model, tmp_path / "new.csv", tmp_path / "out.csv", chunk_rows=97)
    summary = score_summary(result, FitRecord.from_dict(None), model)
    whole = list(score_leads(model, FitRecord.from_dict(None), new).warnings)
    assert summary["warnings"] == whole and len(whole) == 1
    n_new = int(new["Lead Origin"].isin(["Chatbot", "Walk-in"]).sum())
    assert f"{n_new:,} of 1,500 leads" in whole[0]


def test_score_apply_cli_prints_the_warning(fitted, tmp_path):
    model, train = fitted
    model.save(tmp_path / "m.json")
    new = _leads(800, ["API", "Quick Add Form"], [0.5, 0.5], seed=4)
    new.to_csv(tmp_path / "new.csv", index=False)
    res = CliRunner().invoke(
        app,
        ["score", "apply", str(tmp_path / "m.json"), str(tmp_path / "new.csv"),
         "--out", str(tmp_path / "s.csv"), "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert any("'Quick Add Form'" in w for w in out["warnings"])
    train.drop(columns="converted").to_csv(tmp_path / "train.csv", index=False)
    res = CliRunner().invoke(
        app,
        ["score", "apply", str(tmp_path / "m.json"), str(tmp_path / "train.csv"),
         "--out", str(tmp_path / "t.csv"), "--json"],
    )  # fmt: skip
    assert json.loads(res.stdout)["warnings"] == []


def test_a_column_written_only_when_a_lead_closes_is_left_out_and_open_scores_stay_true(
    tmp_path,
):
    """'Tags' filled for every closed lead and empty for every open one: the fit would learn
    "empty tag" from no lead at all and score the open leads on it (a reviewer: mean p 0.20
    against a truth of 0.46). score fit leaves it out and says so; qualify fit too."""
    rng = np.random.default_rng(7)
    n = 3000
    visits = rng.poisson(4, n)
    p_true = 1 / (1 + np.exp(-(-1.2 + 0.3 * visits)))
    won = (rng.random(n) < p_true).astype(float)
    open_ = rng.random(n) < 0.3
    tags = np.where(won == 1, "will enrol", "not interested").astype(object)
    tags[open_] = None
    won[open_] = np.nan
    frame = pd.DataFrame({"visits": visits, "Tags": tags, "Converted": won})
    frame.to_csv(tmp_path / "edu.csv", index=False)
    res = CliRunner().invoke(
        app,
        ["score", "fit", str(tmp_path / "edu.csv"), "--target", "Converted", "--cv", "3",
         "--model-out", str(tmp_path / "m.json"), "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    fit = json.loads(res.stdout)
    assert fit["excluded_closed_only"] == ["Tags"]
    assert "Tags" not in {row["column"] for row in fit["importance"]}
    assert any("cannot score a lead that is still open" in w for w in fit["warnings"])
    assert fit["auc"] < 0.9  # not the leak's near-perfect separation
    res = CliRunner().invoke(
        app,
        ["score", "apply", str(tmp_path / "m.json"), str(tmp_path / "edu.csv"),
         "--out", str(tmp_path / "s.csv")],
    )  # fmt: skip
    scored = pd.read_csv(tmp_path / "s.csv")
    assert abs(scored.loc[open_, "p_convert"].mean() - p_true[open_].mean()) < 0.03
    res = CliRunner().invoke(
        app,
        ["qualify", "fit", str(tmp_path / "edu.csv"), "--target", "Converted",
         "--bundle-out", str(tmp_path / "b.json"), "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "cannot score a lead that is still open" in res.output


def test_a_numeric_column_sent_in_other_units_is_named(fitted):
    """visits per minute instead of per hour, say: every lead lands in the lowest cells.
    The population stability index, recomputed here from the fit's cells, is far above
    the bar; the same leads in their own units give no warning."""
    from leadlever.engine.features._binning import cell_codes
    from leadlever.engine.scoring._familiarity import SHIFT_PSI

    model, train = fitted
    new = _leads(1000, ["API", "Landing Page"], [0.5, 0.5], seed=5)
    assert score_leads(model, FitRecord.from_dict(None), new).warnings == ()
    new["visits"] = new["visits"] * 60
    (text,) = score_leads(model, FitRecord.from_dict(None), new).warnings
    assert "Column 'visits' is distributed unlike" in text
    info = next(b for b in model.bins_ if b["name"] == "visits")
    fit = np.bincount(
        cell_codes(model.preprocessor_, info, train["visits"]), minlength=info["n_cells"]
    )
    now = np.bincount(
        cell_codes(model.preprocessor_, info, new["visits"]), minlength=info["n_cells"]
    )
    assert now[fit == 0].sum() + now[-2] > 0.9 * len(new)  # beyond the training range
    psi = float(text.split("population stability index ")[1].split(";")[0])
    assert psi > SHIFT_PSI


def test_counting_a_subset_of_the_scored_rows_equals_counting_that_subset_alone():
    """score_and_count(count_rows=mask) reuses the scoring's factorisation; it must count what
    unfamiliar_counts counts on the masked rows on their own."""
    from leadlever.engine.scoring._familiarity import unfamiliar_counts
    from leadlever.simulations.world import simulate_leads

    leads = simulate_leads(1200, seed=3)
    X = leads.drop(columns=[c for c in leads.columns if c.startswith("true_")] + ["converted"])
    model = ConversionModel(random_state=0).fit(
        X.iloc[:800], leads["converted"].iloc[:800].fillna(0)
    )
    later = X.iloc[800:].copy()
    later["channel"] = later["channel"].astype(str)
    later.loc[later.index[::3], "channel"] = "tiktok"
    mask = np.random.default_rng(1).uniform(size=len(later)) < 0.4
    _, counted = model.score_and_count(later, reasons=False, count_rows=mask)
    assert counted == unfamiliar_counts(model, later.loc[mask])
    assert counted["unfamiliar_rows"] == int(mask.sum()) and counted["unfamiliar:channel"] > 0
