r"""One term fitted given all the others (pair terms), and a term's marginal likelihood.

With the other terms' linear predictor as offset :math:`o_i`, a term's Hessian block is
diagonal over its cells (each row is in one cell): :math:`\operatorname{diag}(h)`,
:math:`h_c = \sum_{i: c(i)=c} p_i(1-p_i)`, or :math:`M^\top \operatorname{diag}(h) M`
over a P-spline's coefficients (basis :math:`M`), so a Newton step solves only the
term's own :math:`(H + \lambda S + \varepsilon I)\,\delta = g - (\lambda S +
\varepsilon I)\beta`. Its smoothing parameters are moved by the Fellner-Schall update,
where there are many leads per cell on each Newton step's quadratic model (no pass over
the rows per update, :func:`_settle_smoothing`). :func:`block_evidence` is the Laplace
approximation of the term's log marginal likelihood at its estimated :math:`\lambda`,
used to choose between a P-spline and one value per cell, and between an ordered curve
and categories for a few-level column.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from leadlever.engine.scoring._penalised import (
    ETA_TOL,
    LAMBDA_RANGE,
    MIN_SHRINK,
    OBJECTIVE_SLACK,
    PRIOR_SD,
    SMOOTHING_ETA_TOL,
    SMOOTHING_LOG_TOL,
    Term,
    fs_log_step,
    inverse_factor,
    logistic,
    sigmoid,
    update_smoothing,
)

__all__ = ["PQL_ITER", "PQL_ROWS_PER_CELL", "block_evidence", "fit_block", "term_penalty"]

#: Fellner-Schall updates of a term's smoothing on one quadratic model at most (then a
#: Newton step on the rows and a new model) ...
PQL_ITER = 10
#: ... from this many rows per cell of the term (else one update per Newton step): a
#: bank-marketing fold's pairs (33,000 rows, 88-256 cells) took 0.30 -> 0.26 s, the
#: online shoppers' (9,900 rows, 144-253 cells) 0.40 -> 0.45 s with it
PQL_ROWS_PER_CELL = 100


def fit_block(
    term: Term,
    y: np.ndarray,
    offset: np.ndarray,
    *,
    lam: np.ndarray | float | None = None,
    estimate: bool = True,
    start: np.ndarray | None = None,
    max_iter: int = 40,
    tol: float = ETA_TOL,
    weight: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, bool, np.ndarray]:
    r"""Fit one term given the others' linear predictor ``offset``.

    Its Hessian block is diagonal over its cells (one cell per row; with a basis,
    :math:`M^\top \operatorname{diag}(h) M`), so each Newton step solves a system of the
    term's parameters only. A term may have several penalties
    :math:`S_\lambda = \sum_j \lambda_j S_j + \varepsilon I` (a pair: one per axis), each
    :math:`\lambda_j` estimated by the Fellner-Schall update
    :math:`\lambda_j \leftarrow \lambda_j [\operatorname{tr}(S_\lambda^{-1}S_j) -
    \operatorname{tr}(V S_j)] / \beta^\top S_j\beta`. Converged means the last Newton step
    moved no linear predictor by more than ``tol``. Returns
    ``(beta, lambdas, converged, H + S_lambda)``, ``beta`` the term's parameters (its
    cells' values :meth:`~leadlever.engine.scoring._penalised.Term.values`). ``weight`` (leads per row, ``y`` then
    the share converted) fits grouped rows, as :func:`block_evidence` does.
    """
    y = np.asarray(y, dtype=float)
    eps = 1.0 / PRIOR_SD**2
    parts = term.penalties
    beta = np.zeros(term.n_params) if start is None else np.array(start, dtype=float)
    eta = offset + term.values(beta)[term.codes]
    p, ll = logistic(y, eta, weight)
    lo = hi = None
    if estimate or lam is None:  # the binomial weight at the offset scales lambda
        p0 = p if start is None else sigmoid(offset)
        total = float(_weighted(p0 * (1 - p0), weight).sum())
        lo, hi = LAMBDA_RANGE[0] * total, LAMBDA_RANGE[1] * total
        if lam is None:
            lam = np.full(len(parts), 0.1 * total / term.n_params)
    lam = np.array(np.broadcast_to(np.asarray(lam, dtype=float), (len(parts),)))
    accel, previous = np.ones(len(parts)), np.zeros(len(parts))
    smoothing, converged = estimate, False
    S = _penalty(parts, lam, eps)
    # a row's linear predictor moves by its cell's step: the largest move over the rows
    # is the largest over the cells some row is in
    occupied = np.bincount(term.codes, weight, term.size) > 0
    # a pass over the rows costs more than the extra factorisations of the quadratic
    # model's updates when there are many leads per cell (counted as leads, so that one
    # weighted row per cell takes the same way as the rows it stands for)
    leads = len(term.codes) if weight is None else float(np.sum(weight))
    pql = leads >= PQL_ROWS_PER_CELL * term.size
    for _ in range(max_iter):
        h = np.bincount(term.codes, _weighted(p * (1 - p), weight), term.size)
        gradient = _cell_sums(term, _weighted(y - p, weight))
        change = 0.0
        if smoothing and pql:  # on this iteration's quadratic model: no pass over the rows
            change = _settle_smoothing(term, h, gradient, beta, lam, (accel, previous), (lo, hi))
            S = _penalty(parts, lam, eps)
        factor = cho_factor(_add_hessian(S, term, h), overwrite_a=True, check_finite=False)
        Sb = S @ beta
        step = cho_solve(factor, gradient - Sb, check_finite=False)
        q0 = ll - 0.5 * beta @ Sb
        shrink = 1.0
        while True:
            new = beta + shrink * step
            new_eta = offset + term.values(new)[term.codes]
            new_p, new_ll = logistic(y, new_eta, weight)
            if new_ll - 0.5 * new @ (S @ new) >= q0 - OBJECTIVE_SLACK or shrink < MIN_SHRINK:
                break
            shrink /= 2
        moved = float(np.abs(term.values(new - beta))[occupied].max(initial=0.0))
        beta, eta, p, ll = new, new_eta, new_p, new_ll
        if smoothing:
            if not pql:  # one update per Newton step, at its factor and the new beta
                change = _fs_update(term, factor, beta, lam, (accel, previous), (lo, hi))
                S = _penalty(parts, lam, eps)
            smoothing = not (moved < SMOOTHING_ETA_TOL and change < SMOOTHING_LOG_TOL)
            continue
        if moved < tol:
            converged = True
            break
    return beta, lam, converged, _with_hessian(S, term, _weighted(p * (1 - p), weight))


def _settle_smoothing(
    term: Term,
    h: np.ndarray,
    gradient: np.ndarray,
    beta: np.ndarray,
    lam: np.ndarray,
    state: tuple[np.ndarray, np.ndarray],
    bounds: tuple[float, float],
) -> float:
    r"""Fellner-Schall updates of ``lam`` (in place) on the quadratic model of the
    log-likelihood at ``beta`` (weights ``h`` per cell, ``gradient`` of the parameters),
    at most :data:`PQL_ITER` of them, until one moves no parameter by more than
    :data:`~leadlever.engine.scoring._penalised.SMOOTHING_LOG_TOL` in log.

    This is penalised quasi-likelihood: with the outer Newton steps it has the same
    fixed point as one update per Newton step, without a pass over the rows per update.
    Each update is at the model's optimum
    :math:`\beta + (H + S_\lambda)^{-1}(g - S_\lambda\beta)`. Returns the first update's
    largest change (the smoothing has settled when it is small and the next Newton step
    moves no linear predictor)."""
    eps = 1.0 / PRIOR_SD**2
    first = None
    for _ in range(PQL_ITER):
        S = _penalty(term.penalties, lam, eps)
        factor = cho_factor(_add_hessian(S, term, h), overwrite_a=True, check_finite=False)
        target = beta + cho_solve(factor, gradient - S @ beta, check_finite=False)
        change = _fs_update(term, factor, target, lam, state, bounds)
        first = change if first is None else first
        if change < SMOOTHING_LOG_TOL:
            break
    return float(first)


def _fs_update(term: Term, factor, beta, lam, state, bounds) -> float:
    """One Fellner-Schall update of ``lam`` (in place) from the Cholesky ``factor`` of
    :math:`H + S_\\lambda` and the parameters ``beta``; returns its largest change (log)."""
    eps = 1.0 / PRIOR_SD**2
    priors = term.prior_traces(lam, eps)
    posteriors = term.posterior_traces(inverse_factor(factor))
    steps = [fs_log_step(priors[j], posteriors[j], Sj, beta) for j, Sj in enumerate(term.penalties)]
    return update_smoothing(lam, steps, *state, bounds)


def _with_hessian(S: np.ndarray, term: Term, w: np.ndarray) -> np.ndarray:
    r""":math:`H + S_\lambda` at row weights ``w`` (see :func:`_add_hessian`)."""
    return _add_hessian(S, term, np.bincount(term.codes, w, term.size))


def _add_hessian(S: np.ndarray, term: Term, h: np.ndarray) -> np.ndarray:
    r""":math:`H + S_\lambda` with the term's Hessian :math:`H = M^\top \operatorname{diag}(h) M`
    (``h`` the rows' weights summed per cell; :math:`M = I` without a basis)."""
    if term.basis is None:
        A = S.copy()
        A[np.diag_indices_from(A)] += h
        return A
    return S + (term.basis.T * h) @ term.basis


def _cell_sums(term: Term, r: np.ndarray) -> np.ndarray:
    r""":math:`M^\top` (``r`` summed per cell): the gradient of the term's parameters."""
    sums = np.bincount(term.codes, r, term.size)
    return sums if term.basis is None else term.basis.T @ sums


def _weighted(values: np.ndarray, weight: np.ndarray | None) -> np.ndarray:
    return values if weight is None else values * weight


def term_penalty(term: Term, lam: np.ndarray) -> np.ndarray:
    """:math:`S_\\lambda = \\sum_j \\lambda_j S_j + \\varepsilon I` of a term, as
    :func:`fit_block` builds it."""
    return _penalty(term.penalties, np.asarray(lam, dtype=float), 1.0 / PRIOR_SD**2)


def _penalty(parts: tuple[np.ndarray, ...], lam: np.ndarray, eps: float) -> np.ndarray:
    """:math:`\\sum_j \\lambda_j S_j + \\varepsilon I`."""
    S = lam[0] * parts[0]
    for lj, Sj in zip(lam[1:], parts[1:], strict=True):
        S += lj * Sj
    S[np.diag_indices_from(S)] += eps
    return S


def block_evidence(term: Term, y: np.ndarray, offset: np.ndarray) -> float:
    r"""Laplace-approximate log marginal likelihood of one term's penalty (at its best
    :math:`\lambda`): :math:`\ell(\hat\beta) - \tfrac12\hat\beta^\top S_\lambda\hat\beta
    + \tfrac12\log|S_\lambda| - \tfrac12\log|H + S_\lambda|`.

    With one offset for every row (a column on its own, as the scorer compares its
    penalties), the rows of a cell are alike: the fit runs on one row per cell, weighted
    by its leads (the same likelihood, no pass over the rows)."""
    y = np.asarray(y, float)
    offset = np.asarray(offset, float)
    weight = None
    if len(offset) and np.all(offset == offset[0]):
        weight = np.bincount(term.codes, minlength=term.size).astype(float)
        y = np.bincount(term.codes, y, term.size) / np.maximum(weight, 1.0)
        term = replace(term, codes=np.arange(term.size))
        offset = np.full(term.size, offset[0])
    beta, lam, _, A = fit_block(term, y, offset, weight=weight)
    S = term_penalty(term, lam)
    _, logdet_s = np.linalg.slogdet(S)
    _, logdet_a = np.linalg.slogdet(A)
    _, ll = logistic(y, offset + term.values(beta)[term.codes], weight)
    return ll - 0.5 * beta @ S @ beta + 0.5 * (logdet_s - logdet_a)
