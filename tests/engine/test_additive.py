"""The scorer's fitting engine against independent computations: dense one-hot designs,
scipy's optimiser, a grid over the Laplace marginal likelihood."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.optimize import minimize
from scoring_helpers import dense_design, joint_penalty

from leadlever.engine.scoring import ConvergenceWarning
from leadlever.engine.scoring._additive import fit_joint
from leadlever.engine.scoring._block import block_evidence, fit_block
from leadlever.engine.scoring._design import Design
from leadlever.engine.scoring._penalised import (
    PRIOR_SD,
    Term,
    warn_if_not_converged,
)
from leadlever.engine.scoring._terms import difference_penalty

#: agreement with scipy's optimiser (coefficients, log-odds)
COEF_TOL = 2e-4
#: warm- and cold-started fits of one fold: smoothing (log scale) and log-odds
LOG_LAMBDA_TOL = 0.05
FOLD_ETA_TOL = 1e-3


def _problem(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 6, n)
    b = rng.integers(0, 4, n)
    eta = -1.0 + np.sin(a) * 0.8 + np.array([0.5, -0.5, 0.0, 1.0])[b]
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    terms = [
        Term(codes=a, size=6, penalty=difference_penalty(np.ones(6, bool), 2)),
        Term(codes=b, size=4, penalty=np.eye(4)),
    ]
    return terms, y


def _penalised_objective(X, y, S):
    def f(theta):
        eta = X @ theta
        return -(y @ eta - np.logaddexp(0, eta).sum()) + 0.5 * theta @ S @ theta

    def g(theta):
        p = 1 / (1 + np.exp(-(X @ theta)))
        return -(X.T @ (y - p)) + S @ theta

    return f, g


def test_hessian_from_histograms_equals_dense_xtwx():
    terms, y = _problem(500)
    w = np.random.default_rng(1).random(500)
    X = dense_design(terms)
    np.testing.assert_allclose(Design(terms).hessian(w), X.T @ (X * w[:, None]), atol=1e-10)
    np.testing.assert_allclose(Design(terms).gradient(y - 0.3), X.T @ (y - 0.3), atol=1e-10)


def test_fixed_lambda_fit_matches_scipy_optimiser():
    terms, y = _problem()
    lam = np.array([3.0, 0.5])
    fit = fit_joint(terms, y, lam=lam, estimate=False)
    assert fit.converged
    X = dense_design(terms)
    f, g = _penalised_objective(X, y, joint_penalty(terms, lam, 1 / PRIOR_SD**2))
    ref = minimize(f, np.zeros(X.shape[1]), jac=g, method="BFGS", options={"gtol": 1e-9})
    np.testing.assert_allclose(X @ fit.theta, X @ ref.x, atol=COEF_TOL)
    np.testing.assert_allclose(fit.eta, X @ fit.theta, atol=1e-12)


def test_estimated_smoothing_maximises_the_laplace_marginal_likelihood():
    """One term: Fellner-Schall's fixed point is the argmax of the Laplace evidence,
    computed here on a grid with dense matrices."""
    rng = np.random.default_rng(3)
    n, k = 4000, 12
    x = rng.integers(0, k, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 0.6 * np.cos(x / 2))))).astype(float)
    term = Term(codes=x, size=k, penalty=difference_penalty(np.ones(k, bool), 2))
    offset = np.zeros(n)
    _, lam_hat, ok, _ = fit_block(term, y, offset)
    assert ok
    eps = 1 / PRIOR_SD**2
    onehot = np.eye(k)[x]

    def evidence(lam):
        S = lam * term.penalty + eps * np.eye(k)
        f, g = _penalised_objective(onehot, y, S)
        beta = minimize(f, np.zeros(k), jac=g, method="BFGS", options={"gtol": 1e-10}).x
        p = 1 / (1 + np.exp(-(onehot @ beta)))
        H = onehot.T @ (onehot * (p * (1 - p))[:, None])
        return -f(beta) + 0.5 * (np.linalg.slogdet(S)[1] - np.linalg.slogdet(H + S)[1])

    grid = np.exp(np.linspace(np.log(lam_hat) - 3, np.log(lam_hat) + 3, 25))
    best = grid[np.argmax([evidence(g) for g in grid])]
    assert abs(np.log(best / lam_hat)) < 0.3  # the grid step is 0.25 in log
    assert block_evidence(term, y, offset) == pytest.approx(evidence(lam_hat), abs=1e-3)


def test_a_warm_started_fold_fit_matches_a_fit_from_scratch():
    """The cross-validation folds start from the full fit (coefficients and smoothing);
    they must end where a cold fit on the fold's rows ends, smoothing re-estimated."""
    terms, y = _problem(2500, seed=4)
    full = fit_joint(terms, y)
    rows = np.sort(np.random.default_rng(5).choice(len(y), 2000, replace=False))
    sub = [Term(t.codes[rows], t.size, t.penalty) for t in terms]
    warm = fit_joint(sub, y[rows], lam=full.lam.copy(), start=full.theta)
    cold = fit_joint(sub, y[rows])
    assert warm.converged and cold.converged
    np.testing.assert_allclose(np.log(warm.lam), np.log(cold.lam), atol=LOG_LAMBDA_TOL)
    np.testing.assert_allclose(warm.eta, cold.eta, atol=FOLD_ETA_TOL)


def test_block_fit_matches_scipy_with_an_offset():
    terms, y = _problem(2000, seed=6)
    offset = np.random.default_rng(7).normal(0, 0.5, len(y))
    beta, _, ok, _ = fit_block(terms[0], y, offset, lam=2.0, estimate=False)
    assert ok
    onehot = np.eye(6)[terms[0].codes]
    S = 2.0 * terms[0].penalty + np.eye(6) / PRIOR_SD**2

    def f(b):
        eta = offset + onehot @ b
        return -(y @ eta - np.logaddexp(0, eta).sum()) + 0.5 * b @ S @ b

    ref = minimize(f, np.zeros(6), method="BFGS", options={"gtol": 1e-9}).x
    np.testing.assert_allclose(beta, ref, atol=COEF_TOL)


def test_non_convergence_is_reported_not_hidden():
    terms, y = _problem()
    fit = fit_joint(terms, y, lam=np.array([1.0, 1.0]), estimate=False, max_iter=1)
    assert not fit.converged
    with pytest.warns(ConvergenceWarning, match="1 of 2 fit"):
        messages = warn_if_not_converged("Fitting", [fit.converged, True])
    assert messages and "iteration limit" in messages[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert warn_if_not_converged("Fitting", [True, True]) == []


def test_monotone_term_is_monotone_where_the_free_fit_is_not():
    rng = np.random.default_rng(8)
    n, k = 6000, 15
    x = rng.integers(0, k, n)
    truth = 0.15 * x - 1.2 * (x >= 7) * (x <= 9)  # rising, with a dip a free fit follows
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1.5 + truth)))).astype(float)
    S = difference_penalty(np.ones(k, bool), 2)
    free = fit_joint([Term(x, k, S)], y)
    mono = fit_joint([Term(x, k, S, monotone=1, order=np.arange(k))], y)
    assert np.any(np.diff(free.coefs[0]) < -1e-3)
    assert np.all(np.diff(mono.coefs[0]) >= -1e-9)
    assert mono.converged


def test_block_evidence_on_one_row_per_cell_equals_the_evidence_on_the_rows():
    """A constant offset makes a cell's rows alike: block_evidence fits one weighted row
    per cell; the evidence computed here on every row must be the same."""
    rng = np.random.default_rng(12)
    n, k = 6000, 12
    x = rng.integers(0, k, n)
    x[x == 5] = 4  # a cell no row is in
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1.5 + 0.6 * np.cos(x / 2))))).astype(float)
    offset = np.full(n, -1.2)
    eps = 1 / PRIOR_SD**2
    for penalty in (difference_penalty(np.ones(k, bool), 2), np.eye(k)):
        term = Term(codes=x, size=k, penalty=penalty)
        beta, lam, ok, A = fit_block(term, y, offset)
        assert ok
        S = lam[0] * penalty + eps * np.eye(k)
        eta = offset + beta[x]
        ll = float(y @ eta - np.logaddexp(0, eta).sum())
        rows = (
            ll - 0.5 * beta @ S @ beta + 0.5 * (np.linalg.slogdet(S)[1] - np.linalg.slogdet(A)[1])
        )
        assert block_evidence(term, y, offset) == pytest.approx(rows, rel=1e-9)


def test_the_cold_fold_does_not_depend_on_the_full_fit_and_the_warm_ones_agree_with_it():
    """Fold COLD_FOLD is fitted from scratch (the second process fits it while the first
    fits all rows); the other folds start from the full fit and reach the same optimum."""
    from dataclasses import replace

    from leadlever.engine.scoring._folds import COLD_FOLD, cross_validate
    from leadlever.engine.stats._cv import stratified_kfold

    terms, y = _problem(n=4000, seed=7)
    full = fit_joint(terms, y)
    folds = stratified_kfold(y.astype(np.int64), 3, seed=0)
    oof, *_ = cross_validate(terms, [], full, y, folds, lambda dev: 0)
    # a full fit moved far from its optimum: only the warm folds' starts change
    moved = replace(full, theta=full.theta + 0.5, lam=full.lam * 30.0)
    oof_moved, *_ = cross_validate(terms, [], moved, y, folds, lambda dev: 0)
    cold_rows = folds[COLD_FOLD][1]
    np.testing.assert_array_equal(oof_moved[cold_rows], oof[cold_rows])
    warm_rows = np.concatenate([test for f, (_, test) in enumerate(folds) if f != COLD_FOLD])
    assert np.any(oof_moved[warm_rows] != oof[warm_rows])
    # ... and each fold's held-out log-odds are those of a fit from scratch on its rows
    for train, test in folds:
        sub = [replace(t, codes=t.codes[train]) for t in terms]
        scratch = fit_joint(sub, y[train])
        eta = scratch.intercept + sum(
            c[t.codes[test]] for c, t in zip(scratch.coefs, terms, strict=True)
        )
        np.testing.assert_allclose(oof[test], eta, atol=FOLD_ETA_TOL)


def test_smoothing_on_the_quadratic_model_reaches_the_one_update_per_step_fixed_point(
    monkeypatch,
):
    """fit_block's two ways to estimate a term's smoothing (updates on each Newton step's
    quadratic model without passes over the rows, or one update per Newton step) reach
    the same Fellner-Schall fixed point, the first with fewer passes over the rows."""
    import leadlever.engine.scoring._block as block

    rng = np.random.default_rng(11)
    n, k = 20000, 12
    x = rng.integers(0, k, n)
    offset = rng.normal(-1.0, 0.7, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(offset + np.sin(x / 2.0))))).astype(float)
    term = Term(codes=x, size=k, penalty=difference_penalty(np.ones(k, bool), 2))
    passes = []
    original = block.logistic

    def counted(*args, **kwargs):
        passes[-1] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(block, "logistic", counted)
    results = {}
    for rows_per_cell in (1, 10**9):  # n / k = 1,667 rows a cell: quadratic-model updates, then not
        monkeypatch.setattr(block, "PQL_ROWS_PER_CELL", rows_per_cell)
        passes.append(0)
        results[rows_per_cell] = fit_block(term, y, offset)
    (b1, l1, ok1, _), (b2, l2, ok2, _) = results[1], results[10**9]
    assert ok1 and ok2
    assert abs(np.log(l1[0] / l2[0])) < LOG_LAMBDA_TOL
    np.testing.assert_allclose(b1, b2, atol=FOLD_ETA_TOL)
    assert passes[0] < passes[1]
