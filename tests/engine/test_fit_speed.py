"""The scorer's fit-time shortcuts against the computations they replace: a reused
Hessian, a fold's Hessian by subtraction, traces from the inverse Cholesky factor, a
text column's kind from its distinct cells; and the fit's determinism."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import cho_factor
from scoring_helpers import features
from threadpoolctl import threadpool_limits

import leadlever.engine.scoring._additive as additive
from leadlever.engine.features._preprocessing import infer_kind
from leadlever.engine.io._dates import distinct_text, looks_like_dates
from leadlever.engine.scoring import ConversionModel
from leadlever.engine.scoring._additive import fit_joint
from leadlever.engine.scoring._design import Design
from leadlever.engine.scoring._penalised import (
    Term,
    inverse_factor,
    trace_with,
    upper_inverse,
)
from leadlever.engine.scoring._terms import _axis_penalty, difference_penalty

#: a fit with the Hessian reused against one that re-assembles it every iteration:
#: log-odds (fixed smoothing: the same optimum; estimated smoothing: the Fellner-Schall
#: fixed point moves a little with the Hessian it saw) and smoothing (log scale)
REUSE_ETA_TOL = 1e-5
REUSE_SMOOTH_ETA_TOL = 2e-3
REUSE_LOG_LAMBDA_TOL = 0.02


def _problem(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 12, n)
    b = rng.integers(0, 5, n)
    c = rng.integers(0, 8, n)
    eta = -1.5 + np.sin(a / 2.0) + np.array([0.5, -0.5, 0.0, 1.0, 0.2])[b] + 0.1 * c
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    terms = [
        Term(codes=a, size=12, penalty=difference_penalty(np.ones(12, bool), 2)),
        Term(codes=b, size=5, penalty=np.eye(5)),
        Term(codes=c, size=8, penalty=difference_penalty(np.ones(8, bool), 2)),
    ]
    return terms, y


@pytest.mark.parametrize("estimate", [False, True])
def test_reused_hessian_reaches_the_fit_of_a_fresh_hessian_every_step(monkeypatch, estimate):
    terms, y = _problem()
    lam = np.array([5.0, 0.5, 2.0])
    fast = fit_joint(terms, y, lam=lam.copy(), estimate=estimate)
    monkeypatch.setattr(additive, "HESSIAN_REUSE_TOL", 0.0)  # the previous behaviour
    exact = fit_joint(terms, y, lam=lam.copy(), estimate=estimate)
    assert fast.converged and exact.converged
    tol = REUSE_SMOOTH_ETA_TOL if estimate else REUSE_ETA_TOL
    np.testing.assert_allclose(fast.eta, exact.eta, atol=tol)
    np.testing.assert_allclose(np.log(fast.lam), np.log(exact.lam), atol=REUSE_LOG_LAMBDA_TOL)
    # the covariance is always from the Hessian at the optimum
    np.testing.assert_allclose(fast.hessian, exact.hessian, rtol=1e-3)


def test_a_folds_hessian_is_the_full_one_minus_the_held_out_rows():
    terms, _ = _problem(3000, seed=1)
    w = np.random.default_rng(2).random(3000)
    test = np.sort(np.random.default_rng(3).choice(3000, 1000, replace=False))
    train = np.setdiff1d(np.arange(3000), test)
    full = Design(terms).hessian(w)
    by_subtraction = full - Design(terms, test, cache=False).hessian(w[test])
    np.testing.assert_allclose(by_subtraction, Design(terms, train).hessian(w[train]), atol=1e-9)


def test_a_fold_fit_without_covariance_is_the_same_fit():
    terms, y = _problem(3000, seed=4)
    with_cov = fit_joint(terms, y)
    without = fit_joint(terms, y, covariance=False)
    assert without.hessian is None and without.cov is None
    np.testing.assert_array_equal(with_cov.eta, without.eta)


def _random_spd(n, seed):
    X = np.random.default_rng(seed).standard_normal((n, n))
    return X @ X.T + n * np.eye(n)


@pytest.mark.parametrize(
    "penalty",
    [
        difference_penalty(np.r_[np.ones(20, bool), False, False], 2),  # spikes left free
        np.diag(np.r_[np.ones(6), 0.0]),  # ridge, missing cell free
        np.full((9, 9), 1.0 / 9),  # dense: traced through the block of V
    ],
)
def test_traces_from_the_inverse_factor_equal_those_of_the_inverse(penalty):
    n, start = len(penalty), 4
    A = _random_spd(n + 10, seed=n)
    factor = cho_factor(A)
    V = upper_inverse(factor)
    R = inverse_factor(factor)
    term = Term(codes=np.zeros(1, np.int64), size=n, penalty=penalty)
    want = trace_with(V[start : start + n, start : start + n], penalty)
    got = term.posterior_traces(R[start : start + n, start:])[0]
    assert got == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize("kinds", [("numeric", "categorical"), ("categorical", "numeric")])
def test_pair_traces_from_partial_traces_equal_those_of_the_inverse(kinds):
    K_a = _axis_penalty({"kind": kinds[0]}, np.r_[np.ones(6, bool), False])
    K_b = _axis_penalty({"kind": kinds[1]}, np.r_[np.ones(4, bool), False])
    na, nb = len(K_a), len(K_b)
    term = Term(
        codes=np.zeros(1, np.int64),
        size=na * nb,
        penalty=np.kron(K_a, np.eye(nb)),
        extra_penalties=(np.kron(np.eye(na), K_b),),
        kron_eigs=(np.linalg.eigvalsh(K_a), np.linalg.eigvalsh(K_b)),
    )
    factor = cho_factor(_random_spd(na * nb, seed=7))
    V = upper_inverse(factor)
    want = [trace_with(V, S) for S in term.penalties]
    np.testing.assert_allclose(term.posterior_traces(inverse_factor(factor)), want, rtol=1e-10)


def _old_text(series):
    """What infer_kind and looks_like_dates read before: every row, stripped."""
    text = series.dropna().astype(str).str.strip()
    return text[text != ""]


@pytest.mark.parametrize(
    "values",
    [
        [" a", "a", "", None, "b ", "b", "c", " "],
        ["2020-01-02", " 2020-01-02", "2020-01-03", None],
        [1, "1", "x", None, 2.5, " x"],
        [None, None],
        [" ", ""],
    ],
)
def test_distinct_text_is_the_rows_text_deduplicated(values):
    series = pd.Series(values, dtype=object)
    text, counts = distinct_text(series)
    old = _old_text(series)
    assert text.tolist() == old.drop_duplicates().tolist()  # order of first appearance
    assert counts.tolist() == [int((old == t).sum()) for t in text]


def test_column_kinds_are_read_as_before():
    dates = pd.date_range("2020-01-01", periods=30).repeat(2)  # not unique per row (ids)
    days = pd.Series(dates.strftime("%Y-%m-%d"))
    regional = pd.Series(dates.strftime("%d/%m/%Y"))
    assert infer_kind(days, "signup") == "date"
    assert infer_kind(regional, "signup") == "other date" and looks_like_dates(regional)
    assert infer_kind(pd.Series([f"x{i}" for i in range(30)]), "code") == "id"
    spaced = pd.Series([f"x{i}" for i in range(29)] + [" x1"])  # x1 twice once stripped
    assert infer_kind(spaced, "code") == "categorical"
    assert infer_kind(pd.Series(["Yes ", "no", None] * 10), "opted") == "binary"


def test_the_fit_is_deterministic_whatever_the_thread_limits(sim_closed):
    X = features(sim_closed).head(2500)
    y = sim_closed["converted"].head(2500)
    probs = []
    for limit in (1, 2):
        with threadpool_limits(limits=limit), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ConversionModel(cv=3, random_state=5).fit(X, y)
        probs.append(model.predict_proba(X)[:, 1])
        assert model.choices_["n_pairs"] == len(model.pairs_)
    np.testing.assert_array_equal(probs[0], probs[1])


def test_grouped_histograms_give_the_dense_hessian():
    """Small terms share joint histograms (several per group, groups crossed with each
    other and with large terms); the Hessian is still X^T W X of the one-hot design."""
    rng = np.random.default_rng(9)
    n = 3000
    sizes = [3, 40, 2, 5, 7, 3, 300, 4, 11]
    terms = [Term(codes=rng.integers(0, k, n), size=k, penalty=np.eye(k)) for k in sizes]
    w = rng.random(n)
    X = np.hstack([np.ones((n, 1))] + [np.eye(t.size)[t.codes] for t in terms])
    design = Design(terms)
    assert any(len(g) > 1 for g in design.groups) and any(len(g) == 1 for g in design.groups)
    np.testing.assert_allclose(design.hessian(w), X.T @ (X * w[:, None]), atol=1e-9)
    rows = np.sort(rng.choice(n, 1000, replace=False))
    sub = Design(terms, rows, cache=False).hessian(w[rows])
    np.testing.assert_allclose(sub, X[rows].T @ (X[rows] * w[rows, None]), atol=1e-9)


def test_shared_cap_is_the_largest_cap_within_the_budget():
    from leadlever.engine.features._binning import shared_cap

    rng = np.random.default_rng(4)
    for _ in range(200):
        bins = [
            {
                "kind": str(rng.choice(["numeric", "date", "categorical", "binary"])),
                "n_cells": int(n),
            }
            for n in rng.integers(3, 130, int(rng.integers(1, 12)))
        ]
        budget, floor = int(rng.integers(50, 700)), 8
        numeric = [b["n_cells"] for b in bins if b["kind"] in ("numeric", "date")]
        other = sum(b["n_cells"] for b in bins) - sum(numeric)

        def total(cap, numeric=numeric, other=other):
            return other + sum(min(n, cap) for n in numeric)

        cap = shared_cap(bins, budget, floor)
        if not numeric or total(max(numeric)) <= budget:
            assert cap is None
            continue
        fits = [c for c in range(floor, max(numeric) + 1) if total(c) <= budget]
        assert cap == (max(fits) if fits else floor)


def test_wide_numeric_exports_share_the_cell_budget():
    from leadlever.engine.scoring._conversion import CELL_BUDGET, MAX_BINS

    rng = np.random.default_rng(8)
    n, k = 6000, 10
    X = pd.DataFrame({f"x{j}": rng.gamma(2.0, 1.0 + j, n) for j in range(k)})
    X["channel"] = rng.choice(["a", "b", "c"], n)
    eta = -1.0 + np.sin(X["x0"]) + 0.3 * (X["channel"] == "b")
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ConversionModel(interactions=0, n_jobs=1).fit(X, y)
    cells = [b["n_cells"] for b in model.bins_]
    assert sum(cells) <= CELL_BUDGET + 2 * k  # a missing (and spike) cell beside the cap
    assert max(cells) < MAX_BINS  # below what max_bins="auto" gives one column alone
    announced = model.summary()["cell_cap"]  # the cap is said, and survives a save
    assert announced == {"cells_per_numeric_column": max(cells) - 1, "all_columns_near": 640}
    assert ConversionModel.from_dict(model.to_dict()).summary()["cell_cap"] == announced
    wide = ConversionModel(interactions=0, n_jobs=1, max_bins=128).fit(X, y)
    assert sum(b["n_cells"] for b in wide.bins_) > CELL_BUDGET  # an explicit max_bins is kept
    assert wide.summary()["cell_cap"] is None
