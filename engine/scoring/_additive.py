r"""Penalised additive logistic regression on cell codes (the scorer's fitting engine).

Every term :math:`t` maps a lead to one cell :math:`c_t(i)` of a table :math:`\beta_t`
(for a P-spline :math:`\beta_t = M_t\alpha_t`, its parameters :math:`\alpha_t` and
penalty :math:`\alpha_t^\top S_t\alpha_t`), and

.. math::
    \eta_i = \beta_0 + \sum_t \beta_t[c_t(i)], \qquad
    Q(\beta) = \ell(\beta) - \tfrac12 \sum_t \lambda_t \beta_t^\top S_t \beta_t
               - \tfrac{\varepsilon}{2} \sum_t \lVert\beta_t\rVert^2,

with :math:`\ell` the binomial log-likelihood, :math:`S_t` a smoothness (difference) or
ridge penalty per term and :math:`\varepsilon = 1/\sigma_0^2` a weak prior
(:math:`\sigma_0` = :data:`PRIOR_SD` log-odds per cell) that keeps every cell finite under
separation and makes the intercept identifiable.

:func:`fit_joint` maximises :math:`Q` by Newton steps
:math:`(H + S_\lambda)\,\delta = \nabla\ell - S_\lambda\beta` with step halving, where
:math:`H = X^\top W X` of the one-hot cell design is assembled from one- and
two-dimensional :func:`numpy.bincount` histograms (never building :math:`X`). The
smoothing parameters are estimated on the way by the Fellner-Schall update (Wood &
Fasiolo 2017, a Laplace-approximate marginal likelihood fixed point)

.. math::
    \lambda_t \leftarrow \lambda_t\,
      \frac{\operatorname{tr}\big((\lambda_t S_t + \varepsilon I)^{-1} S_t\big)
            - \operatorname{tr}(V_{tt} S_t)}{\beta_t^\top S_t \beta_t},
    \qquad V = (H + S_\lambda)^{-1},

so the wiggliness of every curve (in effect, its number of knots) is chosen per term
from the data. :func:`~leadlever.engine.scoring._block.fit_block` does the same for one term given the
others (pair terms, whose Hessian block is diagonal). A cross-validation fold calls
:func:`fit_joint` on its rows, warm-started from the full fit (coefficients, smoothing
and its Hessian: the full one minus the held-out rows'). :math:`H` is re-assembled only
when the linear predictor has moved by more than :data:`HESSIAN_REUSE_TOL` since it was
last assembled (the gradient is always exact, so the optimum is unchanged), and the
Fellner-Schall traces come from :math:`U^{-1}` (:math:`V = U^{-1}U^{-\top}`, ``trtri``)
without forming :math:`V`. A fit that does not converge is reported
(:class:`ConvergenceWarning`), never hidden.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from leadlever.engine.scoring._design import Design
from leadlever.engine.scoring._penalised import (
    ETA_TOL,
    LAMBDA_RANGE,
    MIN_SHRINK,
    OBJECTIVE_SLACK,
    PRIOR_SD,
    SMOOTHING_ETA_TOL,
    SMOOTHING_LOG_TOL,
    FitResult,
    Term,
    fs_log_step,
    inverse_factor,
    linear_predictor,
    logistic,
    penalty_matrix,
    project_monotone,
    update_smoothing,
)

__all__ = ["fit_joint", "HESSIAN_REUSE_TOL", "TIE_TOL"]

#: cells of a monotone term closer than this (log-odds) are one pooled block
TIE_TOL = 1e-9
#: the Hessian is re-assembled (its histograms are most of an iteration's cost) once
#: some linear predictor has moved by more than this since it was last assembled (the
#: binomial weights p(1-p) have then changed by at most a factor exp(0.3) = 1.35). On
#: bank-full, bank-additional-full and the simulated sessions this left every
#: iteration count as it was, moved smoothing parameters by < 0.01 in log and kept
#: the chosen pairs (13 Hessians instead of 58 on bank-full); 1.0 moved one by 0.13
HESSIAN_REUSE_TOL = 0.3


def fit_joint(
    terms: list[Term],
    y: np.ndarray,
    *,
    lam: np.ndarray | None = None,
    estimate: bool = True,
    start: np.ndarray | None = None,
    max_smoothing_iter: int = 15,
    max_iter: int = 40,
    tol: float | None = None,
    hessian: np.ndarray | None = None,
    covariance: bool = True,
) -> FitResult:
    """Maximise :math:`Q` jointly over all terms; estimate :math:`\\lambda` if asked.

    Returns the fit with the unpenalised Hessian :math:`H` at the optimum and the
    posterior covariance :math:`V = (H + S_\\lambda)^{-1}` (both left out, ``None``,
    with ``covariance=False``: a cross-validation fold needs neither). Converged means
    the last Newton step moved no linear predictor by more than ``tol`` (default
    :data:`~leadlever.engine.scoring._penalised.ETA_TOL`).

    :math:`H` is re-assembled only when some linear predictor has moved by more than
    :data:`HESSIAN_REUSE_TOL` since it was last assembled (``hessian``, if given, is
    :math:`H` at ``start``): the gradient is always exact, so the optimum is the same
    and only the last iterations' quadratic convergence becomes linear, at a rate of
    about that tolerance.
    """
    y = np.asarray(y, dtype=float)
    tol = ETA_TOL if tol is None else tol
    design = Design(terms)
    off = design.off
    eps = 1.0 / PRIOR_SD**2
    base = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    theta = np.zeros(off[-1]) if start is None else np.array(start, dtype=float)
    if start is None:
        theta[0] = np.log(base / (1 - base))
    weight = len(y) * base * (1 - base)
    lo, hi = LAMBDA_RANGE[0] * weight, LAMBDA_RANGE[1] * weight
    lam = np.full(len(terms), 0.1 * weight / max(off[-1], 1)) if lam is None else np.array(lam)

    accel, previous = np.ones(len(terms)), np.zeros(len(terms))
    eta = linear_predictor(terms, theta, off)
    p, ll = logistic(y, eta)
    smoothing = estimate
    converged = False
    monotone = any(t.monotone for t in terms)
    H, eta_h = (None, None) if hessian is None else (np.asarray(hessian, dtype=float), eta)
    for it in range(1, max_iter + 1):
        if H is None or float(np.abs(eta - eta_h).max(initial=0.0)) > HESSIAN_REUSE_TOL:
            H, eta_h = design.hessian(p * (1 - p)), eta
        S = penalty_matrix(terms, lam, eps)
        factor = cho_factor(H + S)
        rhs = design.gradient(y - p) - S @ theta
        q0 = ll - 0.5 * theta @ S @ theta
        if monotone and not smoothing:  # active set: cells the projection pooled stay pooled
            M = _ties(terms, theta, off)
            target = theta + M @ np.linalg.solve(M.T @ (H + S) @ M, M.T @ rhs)
        else:
            target = theta + cho_solve(factor, rhs)
        if monotone:
            target = project_monotone(terms, target, np.diag(H))
        shrink = 1.0
        while True:
            new = theta + shrink * (target - theta)
            new_eta = linear_predictor(terms, new, off)
            new_p, new_ll = logistic(y, new_eta)
            if new_ll - 0.5 * new @ S @ new >= q0 - OBJECTIVE_SLACK or shrink < MIN_SHRINK:
                break
            shrink /= 2
        moved = float(np.abs(new_eta - eta).max(initial=0.0))
        theta, eta, p, ll = new, new_eta, new_p, new_ll
        if smoothing:
            R = inverse_factor(factor)  # V = R R^T; only the terms' traces are needed
            steps = []
            for k, t in enumerate(terms):
                a, b = off[k], off[k + 1]
                prior = t.prior_traces(lam[k : k + 1], eps)[0]
                posterior = t.posterior_traces(R[a:b, a:])[0]
                steps.append(fs_log_step(prior, posterior, t.penalty, theta[a:b]))
            change = update_smoothing(lam, steps, accel, previous, (lo, hi))
            settled = moved < SMOOTHING_ETA_TOL and change < SMOOTHING_LOG_TOL
            if settled or it >= max_smoothing_iter:
                smoothing = False
            continue
        if moved < tol:
            converged = True
            break
    if covariance:
        H = design.hessian(p * (1 - p))
        cov = cho_solve(cho_factor(H + penalty_matrix(terms, lam, eps)), np.eye(len(theta)))
    else:
        H = cov = None
    return FitResult(
        intercept=float(theta[0]),
        coefs=[
            t.values(theta[a:b]).copy() for t, a, b in zip(terms, off[:-1], off[1:], strict=True)
        ],
        theta=theta,
        lam=lam,
        eta=eta,
        n_iter=it,
        converged=converged,
        hessian=H,
        cov=cov,
    )


def _ties(terms: list[Term], theta: np.ndarray, off: np.ndarray) -> np.ndarray:
    """Map (coefficients x free parameters) that keeps runs of equal values of the
    monotone terms' ordered cells equal (their pooled blocks)."""
    cols = []
    pooled = np.zeros(len(theta), dtype=bool)
    for t, a in zip(terms, off[:-1], strict=False):
        if not t.monotone or len(t.order) < 2:
            continue
        idx = a + np.asarray(t.order)
        breaks = np.flatnonzero(np.abs(np.diff(theta[idx])) > TIE_TOL) + 1
        for run in np.split(idx, breaks):
            if len(run) > 1:
                col = np.zeros(len(theta))
                col[run] = 1.0
                cols.append(col)
                pooled[run] = True
    free = np.eye(len(theta))[:, ~pooled]
    return np.column_stack([free, *cols]) if cols else free
