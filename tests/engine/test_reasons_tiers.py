"""Reasons in percentage points, checked against the calibration map; informative tiers;
per-term plots checked against the term tables they draw."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from leadlever.engine.scoring import (
    ConversionModel,
    apply_tiers,
    choose_tiers,
    split_target,
)
from leadlever.engine.scoring._reasons import humanise, percent_text
from leadlever.engine.scoring.plots import plot_terms, term_figure
from leadlever.simulations.datasets import simulate_sessions

REASON = re.compile(
    r"^(?P<label>.+): (?P<verb>raises|lowers) the chance from (?P<a>[\d.]+ %) to (?P<b>[\d.]+ %)$"
)


@pytest.fixture(scope="module")
def fitted():
    sim = simulate_sessions(6000, seed=11)
    X, y = split_target(sim.frame, sim.target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ConversionModel(interactions=2).fit(X, y)
    return model, X, y


def test_percent_texts():
    assert list(percent_text([0.324, 0.0446, 0.0, 1.0, 0.0996])) == [
        "32 %",
        "4.5 %",
        "0.0 %",
        "100 %",
        "10 %",
    ]


def test_reasons_are_the_calibrated_chance_with_and_without_the_term(fitted):
    model, X, _ = fitted
    leads = X.head(60)
    scored = model.score_table(leads)
    contrib = model.contributions(leads)
    eta = model.decision_function(leads)
    names = {humanise(n): n for n in model.feature_names_ if " × " not in n}
    checked = pairs_seen = 0
    for i, text in enumerate(scored["reasons"]):
        verbs = []
        for part in filter(None, text.split("; ")):
            m = REASON.match(part)
            assert m, part
            label = m["label"]
            if " with " in label:  # a pair names both of its columns
                pair = next(
                    p for p in model.pairs_ if all(humanise(c) in label for c in p["columns"])
                )
                term = " × ".join(pair["columns"])
                pairs_seen += 1
            else:
                term = next(
                    names[h]
                    for h in sorted(names, key=len, reverse=True)
                    if label.startswith(h + " ")
                )
            r = contrib.iloc[i][term]
            before = model.calibrator_.predict(np.array([eta[i] - r]))[0]
            after = scored["p_convert"].iloc[i]
            texts = {percent_text([before])[0], f"{before * 100:.1f} %"}
            assert m["a"] in texts
            assert m["b"] in {percent_text([after])[0], f"{after * 100:.1f} %"}
            assert (m["verb"] == "raises") == (r > 0)
            verbs.append(m["verb"])
            checked += 1
        # raises first, then lowers; at most 3 of each
        assert verbs == sorted(verbs, key=lambda v: v != "raises")
        assert verbs.count("raises") <= 3 and verbs.count("lowers") <= 3
    assert checked > 60 and pairs_seen > 0


def test_tiers_switch_to_quantiles_when_the_funnel_is_crowded():
    rng = np.random.default_rng(0)
    low = rng.beta(1, 12, 5000)  # base rate about 8 %: nearly every score under 30
    tiers = choose_tiers(low)
    assert tiers["method"] == "quantile"
    assert "top of funnel" in tiers["reason"] and "%" in tiers["reason"]
    np.testing.assert_allclose(tiers["shares"], 1 / 3, atol=0.01)
    codes = np.asarray(apply_tiers(low, tiers).codes)
    np.testing.assert_allclose(np.bincount(codes) / len(low), tiers["shares"])
    # order: higher probability, later (hotter) tier
    assert low[codes == 2].min() >= low[codes == 1].max()
    assert low[codes == 1].min() >= low[codes == 0].max()
    spread = rng.uniform(0, 1, 5000)
    assert choose_tiers(spread)["method"] == "funnel"
    assert choose_tiers(low, "funnel")["method"] == "funnel"
    assert choose_tiers(spread, "quantile")["method"] == "quantile"


def test_model_keeps_its_tiers_for_new_leads(fitted):
    model, X, _ = fitted
    tiers = model.tiers_
    scored = model.score_table(X, reasons=False)
    shares = scored["tier"].value_counts(normalize=True, sort=False).to_numpy()
    if tiers["method"] == "quantile":
        np.testing.assert_allclose(shares, 1 / 3, atol=0.05)
    else:
        assert shares.max() <= 0.8


def test_term_plots_draw_the_term_tables(fitted, tmp_path):
    model, _, _ = fitted
    numeric = next(b["name"] for b in model.bins_ if b["kind"] == "numeric")
    table = model.term_table(numeric)
    fig = term_figure(model, numeric)
    ax = fig.axes[0]
    shown = table[table["n"] > 0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), shown["log_odds"])
    # the band is the 95 % interval of the table
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.max() == pytest.approx(shown["upper"].max())
    assert band.min() == pytest.approx(shown["lower"].min())
    pair = " × ".join(model.pairs_[0]["columns"])
    grid = term_figure(model, pair).axes[0].images[0].get_array()
    cells = model.term_table(pair)
    values = cells.loc[cells["n"] > 0, "log_odds"].to_numpy()
    np.testing.assert_allclose(np.sort(grid.compressed()), np.sort(values))
    files = plot_terms(model, tmp_path)
    assert len(files) == len(model.feature_names_)
    assert all(f.stat().st_size > 5000 for f in files)


def test_term_tables_are_what_the_model_adds_for_the_training_leads(fitted):
    """What the plots draw (term tables: effect and leads per cell) equals, for every term,
    the contributions the model adds to the training leads, grouped by value."""
    model, X, _ = fitted
    contrib = model.contributions(X)
    for term in model.feature_names_:
        table = model.term_table(term)
        shown = table[table["n"] > 0]
        # every training lead's contribution is one of the cells shown, and each cell's
        # lead count is the number of leads getting its value
        got = contrib[term].round(12).value_counts()
        want = shown.groupby(shown["log_odds"].round(12))["n"].sum()
        pd.testing.assert_series_equal(
            got.sort_index(), want.sort_index(), check_names=False, check_dtype=False
        )


def test_a_model_of_noise_scores_with_no_reasons_rather_than_failing():
    """Outcomes independent of the columns: every term moves the chance by less than half
    a point for most leads; leads without a reason get an empty text."""
    rng = np.random.default_rng(3)
    n = 3000
    X = pd.DataFrame({"region": rng.choice(list("abcdefgh"), n), "visits": rng.poisson(3, n)})
    y = (rng.random(n) < 0.6).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ConversionModel().fit(X, y)
    scored = model.score_table(X)
    contrib = model.contributions(X).to_numpy()
    eta = model.decision_function(X)
    p = scored["p_convert"].to_numpy()
    # a lead has a reason exactly when one of its terms moves its chance by half a point
    moves = np.abs(
        p[:, None]
        - model.calibrator_.predict((eta[:, None] - contrib).ravel()).reshape(contrib.shape)
    )
    has_reason = (moves >= 0.005).any(axis=1)
    np.testing.assert_array_equal(scored["reasons"].to_numpy() != "", has_reason)
    assert (~has_reason).any()
