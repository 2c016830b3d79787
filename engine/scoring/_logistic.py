r"""Penalised logistic regression on statsmodels, and design diagnostics.

:func:`fit_logistic` maximises

.. math::
    \frac1n \ell(\beta) - \alpha\Big(\frac{1-\lambda}{2}\lVert\beta_{1:}\rVert_2^2
    + \lambda\lVert\beta_{1:}\rVert_1\Big)

(intercept unpenalised): ridge (:math:`\lambda=0`) by Newton steps on a statsmodels
``Logit`` with its ``PenalizedMixin``; elastic net through
``GLM.fit_regularized``; :math:`\alpha = 0` as a plain binomial ``GLM`` (IRLS).

:func:`diagnose_design` finds exact collinearity (null space of the Gram matrix
:math:`Z^TZ`) and (quasi-)separation (an indicator column whose "1" rows all share
one outcome), the cases where an unpenalised fit diverges.
"""

from __future__ import annotations

import warnings

import numpy as np
import statsmodels.api as sm
from statsmodels.base._penalized import PenalizedMixin
from statsmodels.base._penalties import L2
from statsmodels.discrete.discrete_model import Logit
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    HessianInversionWarning,
    PerfectSeparationError,
    PerfectSeparationWarning,
)

__all__ = ["fit_logistic", "diagnose_design", "FALLBACK_ALPHA"]

#: ridge strength used when an unpenalised fit is requested on collinear/separable data
FALLBACK_ALPHA = 1e-3


class _FastLogit(Logit):
    """statsmodels Logit with a cache-friendly Hessian :math:`-X^T \\operatorname{diag}(p(1-p)) X`."""

    def hessian(self, params: np.ndarray) -> np.ndarray:
        X = self.exog
        p = self.cdf(X @ params)
        return -((X * (p * (1 - p))[:, None]).T @ X)


class _RidgeLogit(PenalizedMixin, _FastLogit):
    """statsmodels Logit maximising the L2-penalised log-likelihood (Newton steps)."""


def _fit(
    Z: np.ndarray, y: np.ndarray, alpha: float, l1_ratio: float, start: np.ndarray | None
) -> np.ndarray:
    exog = np.column_stack([np.ones(len(y)), Z])
    with warnings.catch_warnings():
        # non-convergence shows up as non-finite coefficients, handled by the caller
        for category in (ConvergenceWarning, HessianInversionWarning, PerfectSeparationWarning):
            warnings.simplefilter("ignore", category)
        if alpha == 0:
            return (
                sm.GLM(y, exog, family=sm.families.Binomial())
                .fit(method="IRLS", maxiter=100)
                .params
            )
        if l1_ratio == 0:
            # statsmodels' L2 penalty is sum(w b^2); pen_weight n*alpha/2 gives alpha/2 |b|^2 per row.
            # Warm starts (calibration folds, close to the full-data fit) need few Newton steps.
            weights = np.ones(exog.shape[1])
            weights[0] = 0.0
            model = _RidgeLogit(
                y, exog, penal=L2(weights=weights), pen_weight=len(y) * alpha / 2, check_rank=False
            )
            maxiter = 50 if start is None else 4
            return model.fit(method="newton", maxiter=maxiter, disp=0, start_params=start).params
        pen = np.full(exog.shape[1], float(alpha))
        pen[0] = 0.0
        model = sm.GLM(y, exog, family=sm.families.Binomial())
        return model.fit_regularized(
            method="elastic_net", alpha=pen, L1_wt=float(l1_ratio), maxiter=200, start_params=start
        ).params


def fit_logistic(
    Z: np.ndarray,
    y: np.ndarray,
    *,
    alpha: float,
    l1_ratio: float = 0.0,
    start: np.ndarray | None = None,
) -> tuple[np.ndarray, float, float]:
    """Coefficients, intercept and the penalty actually used.

    An unpenalised fit that fails (separation) or gives non-finite or huge
    (> 30 log-odds per sd) coefficients is refitted with ridge :data:`FALLBACK_ALPHA`.
    """
    try:
        params = np.asarray(_fit(Z, y, alpha, l1_ratio, start), dtype=float)
    except (PerfectSeparationError, np.linalg.LinAlgError, ValueError):
        params = np.full(Z.shape[1] + 1, np.nan)
    if alpha == 0 and (not np.isfinite(params).all() or np.abs(params[1:]).max(initial=0) > 30):
        alpha = FALLBACK_ALPHA
        params = np.asarray(_fit(Z, y, alpha, 0.0, None), dtype=float)
    return params[1:], float(params[0]), float(alpha)


def diagnose_design(
    Z: np.ndarray, y: np.ndarray, names: list[str], indicator: np.ndarray
) -> list[str]:
    """Human-readable problems: collinear columns, outcome constant within an indicator."""
    problems = []
    eig, vec = np.linalg.eigh(Z.T @ Z)
    null = eig <= eig.max(initial=0) * 1e-10
    rank = int((~null).sum())
    if rank < Z.shape[1]:
        involved = sorted(
            {names[j] for j in np.flatnonzero((np.abs(vec[:, null]) > 0.3).any(axis=1))}
        )
        problems.append(
            f"collinear features {involved[:6]} (design rank {rank} < {Z.shape[1]} columns)"
        )
    separated = []
    for j in np.flatnonzero(indicator):
        ones = Z[:, j] > 0  # a standardised 0/1 column: the "1" rows
        if ones.any() and y[ones].min() == y[ones].max():
            separated.append(names[j])
    if separated:
        more = f" and {len(separated) - 5} more" if len(separated) > 5 else ""
        problems.append("outcome constant within " + ", ".join(separated[:5]) + more)
    return problems
