"""P-spline main effects: the basis, its Hessian and fits against dense computations, and
the evidence's choice between a P-spline and one value per cell."""

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize
from scoring_helpers import dense_design, joint_penalty

from leadlever.engine.scoring import ConversionModel
from leadlever.engine.scoring._additive import fit_joint
from leadlever.engine.scoring._block import block_evidence, fit_block, term_penalty
from leadlever.engine.scoring._design import Design
from leadlever.engine.scoring._penalised import PRIOR_SD, Term
from leadlever.engine.scoring._terms import SPLINE_BASIS, difference_penalty, spline_basis

#: agreement with scipy's optimiser (log-odds)
ETA_TOL = 2e-4
#: exact identities computed two ways
EXACT = 1e-10


def _spline_term(codes, n_chain, n_special=1):
    chain = np.r_[np.ones(n_chain, bool), np.zeros(n_special, bool)]
    M = spline_basis(chain)
    splines = np.arange(M.shape[1]) < SPLINE_BASIS
    return Term(codes=codes, size=len(chain), penalty=difference_penalty(splines, 2), basis=M)


def _problem(n=3000, seed=0):
    """Two smooth columns (40 and 26 ordered cells, one and two others) and two small
    categories (one histogram group)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 41, n)
    b = rng.integers(0, 4, n)
    c = rng.integers(0, 5, n)
    d = rng.integers(0, 28, n)
    eta = -1.0 + np.where(a < 40, np.sin(a / 6.0), 0.7) + np.array([0.5, -0.5, 0.0, 1.0])[b]
    eta += 0.03 * np.minimum(d, 25)
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    terms = [
        _spline_term(a, 40),
        Term(codes=b, size=4, penalty=np.eye(4)),
        Term(codes=c, size=5, penalty=np.eye(5)),
        _spline_term(d, 26, 2),
    ]
    return terms, y


def _minimise(X, y, S, offset=0.0):
    def f(theta):
        eta = offset + X @ theta
        return -(y @ eta - np.logaddexp(0, eta).sum()) + 0.5 * theta @ S @ theta

    def g(theta):
        p = 1 / (1 + np.exp(-(offset + X @ theta)))
        return -(X.T @ (y - p)) + S @ theta

    return minimize(f, np.zeros(X.shape[1]), jac=g, method="BFGS", options={"gtol": 1e-9}).x


def test_spline_basis_reproduces_lines_that_its_penalty_leaves_free():
    chain = np.r_[np.ones(30, bool), [False], np.ones(20, bool), [False]]  # a spike inside
    M = spline_basis(chain)
    k = SPLINE_BASIS
    assert M.shape == (len(chain), k + 2)
    np.testing.assert_allclose(M.sum(axis=1), 1.0, atol=EXACT)  # partition of unity
    links = np.flatnonzero(chain)
    # a straight line over the chain's positions is a combination of the splines ...
    line = 0.3 + 0.05 * np.arange(len(links))
    coef, *_ = np.linalg.lstsq(M[links, :k], line, rcond=None)
    np.testing.assert_allclose(M[links, :k] @ coef, line, atol=EXACT)
    # ... whose coefficients have no second differences: the penalty does not shrink it
    S = difference_penalty(np.arange(k + 2) < k, 2)
    assert abs(np.r_[coef, 0, 0] @ S @ np.r_[coef, 0, 0]) < EXACT
    # spikes and missing keep a free value each
    others = np.flatnonzero(~chain)
    np.testing.assert_array_equal(M[others][:, k:], np.eye(2))
    assert spline_basis(np.ones(SPLINE_BASIS, bool)) is None  # few cells: one value each


def test_hessian_and_gradient_with_a_basis_equal_dense_products():
    terms, y = _problem()
    design = Design(terms)
    assert any(len(g) > 1 for g in design.groups)  # the grouped-histogram path is used
    w = np.random.default_rng(1).random(len(y))
    X = dense_design(terms)
    np.testing.assert_allclose(design.hessian(w), X.T @ (X * w[:, None]), atol=EXACT)
    np.testing.assert_allclose(design.gradient(y - 0.3), X.T @ (y - 0.3), atol=EXACT)


def test_joint_fit_with_a_p_spline_matches_scipy_optimiser():
    terms, y = _problem()
    lam = np.array([20.0, 0.5, 0.5, 50.0])
    fit = fit_joint(terms, y, lam=lam, estimate=False)
    assert fit.converged
    X = dense_design(terms)
    ref = _minimise(X, y, joint_penalty(terms, lam, 1 / PRIOR_SD**2))
    np.testing.assert_allclose(fit.eta, X @ ref, atol=ETA_TOL)
    # the cells' values are the basis times the parameters
    k = terms[0].n_params
    np.testing.assert_allclose(fit.coefs[0], terms[0].basis @ fit.theta[1 : 1 + k], atol=EXACT)


def test_block_fit_with_a_p_spline_matches_scipy_optimiser():
    terms, y = _problem(seed=4)
    offset = np.random.default_rng(5).normal(0, 0.5, len(y))
    term = terms[0]
    beta, lam, ok, A = fit_block(term, y, offset, lam=np.array([15.0]), estimate=False)
    assert ok
    X = dense_design([term])[:, 1:]
    ref = _minimise(X, y, term_penalty(term, lam), offset)
    np.testing.assert_allclose(X @ beta, X @ ref, atol=ETA_TOL)
    p = 1 / (1 + np.exp(-(offset + X @ beta)))
    np.testing.assert_allclose(A, X.T @ (X * (p * (1 - p))[:, None]) + term_penalty(term, lam))


def test_evidence_of_a_p_spline_on_one_row_per_cell_equals_per_row():
    terms, y = _problem(seed=6)
    term = terms[0]
    grouped = block_evidence(term, y, np.zeros(len(y)))
    # a tiny offset on one row forces the per-row path (rows no longer alike)
    offset = np.zeros(len(y))
    offset[0] = 1e-13
    assert grouped == pytest.approx(block_evidence(term, y, offset), abs=1e-6)


def _frame(n=6000, seed=0):
    """A smooth column with thousands of values and a period code whose 40 levels jump."""
    rng = np.random.default_rng(seed)
    smooth = rng.uniform(0, 10, n)
    period = rng.integers(0, 40, n)
    jumps = rng.normal(0, 1.0, 40)
    eta = -1.5 + np.sin(smooth / 2) + jumps[period]
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    return pd.DataFrame({"smooth": smooth, "period": period}), y, jumps


def test_evidence_keeps_cells_for_a_period_code_and_a_p_spline_for_a_smooth_column():
    X, y, jumps = _frame()
    model = ConversionModel(interactions=0).fit(X, y)
    mains = {m["column"]: m for m in model.mains_}
    choices = model.choices_["penalties"]
    assert mains["smooth"]["splines"] == SPLINE_BASIS
    assert (
        choices["smooth"]["log_evidence"]["spline"]
        >= choices["smooth"]["log_evidence"]["cells"] - 3
    )
    assert mains["period"]["splines"] is None  # a jagged curve: one value per level
    period = choices["period"]["log_evidence"]
    assert period["cells"] > period["spline"] + 3 or period["ridge"] > period["smooth"]
    # the period's fitted values follow the jumps (centred) closely
    values = np.asarray(mains["period"]["values"])[:40]
    assert np.corrcoef(values, jumps)[0, 1] > 0.95
    summary = {m["column"]: m for m in model.summary()["main_effects"]}
    assert summary["smooth"]["splines"] == SPLINE_BASIS


def test_p_spline_recovers_a_smooth_curve():
    X, y, _ = _frame(n=20000, seed=2)
    model = ConversionModel(interactions=0).fit(X, y)
    smooth = next(m for m in model.mains_ if m["column"] == "smooth")
    assert smooth["splines"] == SPLINE_BASIS
    info = next(b for b in model.bins_ if b["name"] == "smooth")
    edges = np.r_[0.0, info["thresholds"], 10.0]
    mids = (edges[:-1] + edges[1:]) / 2
    truth = np.sin(mids / 2)
    values = np.asarray(smooth["values"])[: len(mids)]
    # centred both ways: the curve's shape within 0.1 log-odds root-mean-square (one
    # value per cell did no better: 0.056-0.064 on three seeds, the P-spline 0.057-0.062)
    error = (values - values.mean()) - (truth - truth.mean())
    assert np.sqrt(np.mean(error**2)) < 0.1


def test_a_p_spline_grouped_with_a_category_projects_its_margins_too():
    """A P-spline that shares a joint histogram with a category (its blocks are margins
    of that histogram, and of the cross histogram with another group)."""
    rng = np.random.default_rng(8)
    n = 12000
    small = rng.integers(0, 3, n)
    a = rng.integers(0, 24, n)  # 23 ordered cells and a missing one
    b = rng.integers(0, 41, n)
    terms = [
        Term(codes=small, size=3, penalty=np.eye(3)),
        _spline_term(a, 23),
        _spline_term(b, 40),
    ]
    design = Design(terms)
    assert [0, 1] in design.groups  # the category and the P-spline share a histogram
    w = rng.random(n)
    X = dense_design(terms)
    np.testing.assert_allclose(design.hessian(w), X.T @ (X * w[:, None]), atol=EXACT)
    np.testing.assert_allclose(design.gradient(w - 0.5), X.T @ (w - 0.5), atol=EXACT)


def test_a_monotone_term_cannot_have_a_basis():
    with pytest.raises(ValueError, match="monotone"):
        Term(codes=np.zeros(3, np.int64), size=22, penalty=np.eye(22), monotone=1, basis=np.eye(22))
