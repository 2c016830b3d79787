"""The conversion scorer recovers known structure from simulated exports (the simulator's
truth is the independent reference): terms found, shapes, exact reasons, small data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from leadlever.engine.io import read_table, write_table
from leadlever.engine.scoring import ConversionModel, roc_auc, split_target
from leadlever.simulations.datasets import (
    simulate_campaign_responses,
    simulate_lead_export,
    simulate_sessions,
)

#: largest root-mean-square gap between a recovered and a true (centred) effect, log-odds
SHAPE_RMSE = 0.25


def _fit(sim, **params):
    X, y = split_target(sim.frame, sim.target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ConversionModel(**sim.options, **params).fit(X, y)
    return model, X, y


def _centred(v):
    return v - v.mean()


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    """Simulated sessions written and read back as a CSV export (TRUE/FALSE text)."""
    sim = simulate_sessions(10_000, seed=3)
    path = write_table(sim.frame, tmp_path_factory.mktemp("sessions") / "sessions.csv")
    sim = type(sim)(read_table(path), sim.target, sim.p, sim.terms, sim.pairs, sim.options)
    return (sim, *_fit(sim))


@pytest.fixture(scope="module")
def campaign():
    sim = simulate_campaign_responses(8_000, seed=4)
    return (sim, *_fit(sim))


def test_true_pairs_are_found(sessions, campaign):
    for sim, model, _, _ in (sessions, campaign):
        found = [set(p["columns"]) for p in model.pairs_]
        assert set(sim.pairs[0]) in found, (sim.pairs, found)
        # FAST ranks the true pair first among all pairs of columns
        assert set(model.choices_["candidates"][0]["columns"]) == set(sim.pairs[0])
    # where the pair is strong (campaign), it is also the most important pair term
    _, model, _, _ = campaign
    top_pair = next(i for i in model.importance_ if i["kind"] == "pair")
    assert top_pair["column"] == "Recency × AcceptedCmp5"


def test_zero_inflated_page_value_gets_its_own_cell_and_its_jump(sessions):
    sim, model, X, _ = sessions
    info = next(b for b in model.bins_ if b["name"] == "PageValues")
    assert info["spikes"] == [0.0]
    # the recovered jump between no page value and a typical positive one
    contrib = model.contributions(X)
    pv = X["PageValues"].to_numpy()
    truth = sim.terms["PageValues"] + sim.terms["PageValues × Month"]
    fitted = contrib["PageValues"] + contrib["PageValues × Month"]
    for v in (truth, fitted.to_numpy()):
        assert v[pv > 0].mean() - v[pv == 0].mean() > 2.0
    gap = (fitted[pv > 0].mean() - fitted[pv == 0].mean()) - (
        truth[pv > 0].mean() - truth[pv == 0].mean()
    )
    assert abs(gap) < 0.3


def test_shapes_match_the_truth(sessions, campaign):
    for sim, model, X, _ in (sessions, campaign):
        contrib = model.contributions(X)
        for term in sim.terms:
            if "×" in term:
                continue
            a_b = [p for p in sim.pairs if term in p]
            # a column in a pair: compare main + pair together (purification moves margins)
            cols = [term] + [" × ".join(p) for p in a_b]
            true_cols = [term] + [t for t in sim.terms if "×" in t and term in t]
            fitted = _centred(sum(contrib[c] for c in cols if c in contrib).to_numpy())
            truth = _centred(sum(sim.terms[c] for c in true_cols))
            strong = truth.std() > 0.3
            rmse = np.sqrt(np.mean((fitted - truth) ** 2))
            assert rmse < (SHAPE_RMSE if strong else 0.2), (sim.target, term, rmse)


def test_period_codes_read_as_categories_smooth_counts_as_curves(sessions):
    _, model, _, _ = sessions
    shapes = {m["column"]: m["penalty"] for m in model.mains_}
    # TrafficType: integer codes whose effect jumps from code to code
    assert shapes["TrafficType"] == "ridge"
    assert model.choices_["penalties"]["TrafficType"]["penalty"] == "ridge"
    assert shapes["ExitRates"] == "smooth"


def test_exact_decomposition_on_random_leads(campaign):
    _, model, X, _ = campaign
    rng = np.random.default_rng(9)
    leads = X.sample(300, random_state=1).reset_index(drop=True)
    # unseen values, missing values and values outside the training range
    leads.loc[rng.random(300) < 0.2, "Marital_Status"] = "YOLO"
    leads.loc[rng.random(300) < 0.2, "Income"] = np.nan
    leads.loc[rng.random(300) < 0.2, "Recency"] = 500
    contrib = model.contributions(leads)
    eta = model.decision_function(leads)
    np.testing.assert_allclose(model.intercept_ + contrib.sum(axis=1), eta, atol=1e-12)
    assert len(contrib.columns) == len(model.mains_) + len(model.pairs_)


def test_a_model_without_pairs_loses_on_data_with_pairs(campaign):
    """On fresh leads from the same generator the per-lead log loss of the model without
    pairs is higher, by more than three standard errors of the paired difference."""
    sim, model, _, _ = campaign
    flat, _, _ = _fit(sim, interactions=0)
    fresh = simulate_campaign_responses(20_000, seed=40)
    X, y = split_target(fresh.frame, fresh.target)

    def losses(m):
        p = m.predict_proba(X)[:, 1]
        return -(y * np.log(p) + (1 - y) * np.log1p(-p))

    diff = losses(flat) - losses(model)
    assert diff.mean() > 3 * diff.std() / np.sqrt(len(diff))
    assert roc_auc(y, model.predict_proba(X)[:, 1]) > roc_auc(y, flat.predict_proba(X)[:, 1])


def test_small_data_200_leads_40_conversions():
    """200 closed leads with 40 conversions: it fits with few terms, and its own
    out-of-fold AUC is an honest estimate of its AUC on 20,000 fresh leads."""
    sim = simulate_lead_export(20_000, seed=5)
    X, y = split_target(sim.frame, sim.target)
    rng = np.random.default_rng(6)
    pick = np.r_[
        rng.choice(np.flatnonzero(y == 1), 40, replace=False),
        rng.choice(np.flatnonzero(y == 0), 160, replace=False),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error", category=RuntimeWarning)
        warnings.filterwarnings("ignore", message="Excluded ID-like")
        model = ConversionModel(**sim.options).fit(X.iloc[pick], y[pick])
    assert model.choices_["n_pairs"] <= 1
    assert not model.data_warnings_
    rest = np.setdiff1d(np.arange(len(y)), pick)
    p = model.predict_proba(X.iloc[rest])[:, 1]
    fresh_auc = roc_auc(y[rest], p)
    own_auc = roc_auc(y[pick], model.calibrator_.predict(model.oof_eta_))
    truth_auc = roc_auc(y[rest], sim.p[rest])
    assert fresh_auc > 0.5 + 0.6 * (truth_auc - 0.5)  # most of what can be had
    assert abs(own_auc - fresh_auc) < 0.06  # the standard error of an AUC on 200 leads
    assert 0.0 < p.min() and p.max() < 1.0
