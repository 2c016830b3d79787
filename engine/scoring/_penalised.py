r"""Shared pieces of the scorer's penalised fits: terms, penalties, smoothing updates.

A :class:`Term` maps every row to one cell of a table, whose values are the term's
parameters or, for a P-spline, its basis times them; the design :math:`X` is never
built: :math:`X^\top W X` comes from one- and two-dimensional :func:`numpy.bincount`
histograms (:class:`~leadlever.engine.scoring._design.Design`). The penalty of a fit is
:math:`S_\lambda = \bigoplus_t (\lambda_t S_t + \varepsilon I)` with the weak ridge
:math:`\varepsilon = 1/\sigma_0^2` (:data:`PRIOR_SD`), and smoothing parameters are moved
by the Fellner-Schall update (:func:`fs_log_step`). A fit that stops at its iteration
limit is reported with :class:`ConvergenceWarning`, never hidden.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "PRIOR_SD",
    "ETA_TOL",
    "SMOOTHING_ETA_TOL",
    "SMOOTHING_LOG_TOL",
    "LAMBDA_RANGE",
    "OBJECTIVE_SLACK",
    "MIN_SHRINK",
    "ConvergenceWarning",
    "DataQualityWarning",
    "FitResult",
    "Term",
    "fs_log_step",
    "trace_with",
    "update_smoothing",
    "inverse_factor",
    "upper_inverse",
    "linear_predictor",
    "logistic",
    "offsets",
    "penalty_matrix",
    "project_monotone",
    "sigmoid",
    "warn_if_not_converged",
]

#: prior sd (log-odds) of every cell: the weak ridge eps = 1 / PRIOR_SD**2
PRIOR_SD = 2.5
#: a fit has converged when no linear predictor moves by more than this (log-odds)
ETA_TOL = 1e-5
#: smoothing parameters stop being re-estimated when the fit moves less than this
SMOOTHING_ETA_TOL = 1e-3
#: ... and no smoothing parameter changes by more than this factor (in log)
SMOOTHING_LOG_TOL = 0.1
#: smoothing parameters live in [1e-6, 100] x (total binomial weight)
LAMBDA_RANGE = (1e-6, 100.0)
#: a step is accepted when the penalised log-likelihood drops by no more than this
OBJECTIVE_SLACK = 1e-9
#: step halving gives up (and takes the step) below this fraction of a Newton step
MIN_SHRINK = 1e-3
#: a smoothing parameter moving the same way again takes up to this multiple of its step
MAX_ACCEL = 8.0


class DataQualityWarning(UserWarning):
    """Training data the model can use only with care (reported by ``fit``)."""


class ConvergenceWarning(DataQualityWarning):
    """An iterative fit stopped at its iteration limit before converging."""


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def logistic(
    y: np.ndarray, eta: np.ndarray, weight: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    r"""``(p, log-likelihood)`` at ``eta`` from one exponential:
    :math:`\log(1+e^\eta) = \max(\eta, 0) + \log(1 + e^{-|\eta|})`; with ``weight``,
    :math:`\sum_i w_i [y_i\eta_i - \log(1+e^{\eta_i})]` (a row per cell holding
    :math:`w_i` leads, :math:`y_i` the share of them converted)."""
    eta = np.asarray(eta, dtype=float)
    # the same arithmetic as sigma(eta) = 1/(1+e) or e/(1+e), e = exp(-|eta|), with
    # few temporaries (each is a fresh allocation of a row-sized array)
    e = np.abs(eta)
    np.negative(e, out=e)
    np.exp(e, out=e)
    inv = np.add(e, 1.0)
    np.reciprocal(inv, out=inv)
    p = np.multiply(e, inv)
    np.copyto(p, inv, where=eta >= 0)
    np.log1p(e, out=e)
    np.maximum(eta, 0.0, out=inv)
    if weight is not None:
        return p, float(np.dot(weight * y, eta) - np.dot(weight, inv) - np.dot(weight, e))
    return p, float(np.dot(y, eta) - inv.sum() - e.sum())


@dataclass
class Term:
    r"""The design of one term: a cell per row and a penalty shape.

    Parameters
    ----------
    codes : ndarray of int
        Cell of every training row.
    size : int
        Number of cells.
    penalty : ndarray
        :math:`S_t` (n_params x n_params: on the basis's coefficients when there is
        one), without the weak ridge.
    monotone : int
        +1 / -1: non-decreasing / non-increasing over ``order`` (0 = free).
    order : ndarray of int
        Cells, in increasing order of the value they hold, that ``monotone`` constrains.
    extra_penalties : tuple of ndarray
        Further penalties with their own smoothing parameters (a pair term's second
        axis); only :func:`~leadlever.engine.scoring._block.fit_block` uses them.
    basis : ndarray or None
        Cells x parameters :math:`M`: the cells' values are :math:`M\alpha` (a smooth
        term's ordered cells as a few B-splines, a P-spline); the penalties are then on
        :math:`\alpha`. ``None``: one parameter per cell.
    """

    codes: np.ndarray
    size: int
    penalty: np.ndarray
    monotone: int = 0
    order: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    extra_penalties: tuple[np.ndarray, ...] = ()
    kron_eigs: tuple[np.ndarray, np.ndarray] | None = None
    basis: np.ndarray | None = None
    _eigs: np.ndarray | None = field(default=None, repr=False)
    _bands: list | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.monotone and self.basis is not None:
            raise ValueError("a monotone term keeps one parameter per cell (no basis)")

    @property
    def n_params(self) -> int:
        """Parameters of the term: the basis's columns, else one per cell."""
        return self.size if self.basis is None else self.basis.shape[1]

    def values(self, params: np.ndarray) -> np.ndarray:
        r"""The cells' values :math:`M\alpha` from the term's parameters :math:`\alpha`."""
        return params if self.basis is None else self.basis @ params

    def posterior_traces(self, R: np.ndarray) -> np.ndarray:
        r""":math:`\operatorname{tr}(V_{tt} S_j)` for every penalty, where
        :math:`V_{tt} = R R^\top` and ``R`` holds the term's rows of :math:`U^{-1}`
        (:func:`inverse_factor`; :math:`V = U^{-1}U^{-\top}`), without forming
        :math:`V_{tt}`: a banded penalty (second differences, ridge) needs only the
        band's entries :math:`V_{i,i+d} = R_i \cdot R_{i+d}`; a Kronecker pair
        :math:`K_a \otimes I`, :math:`I \otimes K_b` needs the partial traces of
        :math:`V` over either axis, each one matrix product."""
        if self.kron_eigs is not None:
            na, nb = len(self.kron_eigs[0]), len(self.kron_eigs[1])
            K_a = self.penalty[::nb, ::nb]  # (K_a kron I)[a nb, a' nb] = K_a[a, a']
            K_b = self.extra_penalties[0][:nb, :nb]
            Ra = R.reshape(na, -1)
            Rb = R.reshape(na, nb, -1).transpose(1, 0, 2).reshape(nb, -1)
            return np.array([np.sum(K_a * (Ra @ Ra.T)), np.sum(K_b * (Rb @ Rb.T))])
        return np.array(
            [
                float(np.sum(S * (R @ R.T))) if bands is None else _band_trace(R, bands)
                for S, bands in zip(self.penalties, self._penalty_bands(), strict=True)
            ]
        )

    def _penalty_bands(self) -> list:
        if self._bands is None:
            self._bands = [_bands_of(S) for S in self.penalties]
        return self._bands

    @property
    def penalties(self) -> tuple[np.ndarray, ...]:
        """All penalty matrices, one smoothing parameter each (joint fits use the first)."""
        return (self.penalty, *self.extra_penalties)

    def prior_traces(self, lam: np.ndarray, eps: float) -> np.ndarray:
        r""":math:`\operatorname{tr}(S_\lambda^{-1} S_j)` for every penalty, from eigenvalues:
        one penalty, :math:`\sum_i s_i/(\lambda s_i + \varepsilon)`; a Kronecker pair
        :math:`K_a \otimes I`, :math:`I \otimes K_b` (they commute),
        :math:`\sum_{ij} a_i / (\lambda_a a_i + \lambda_b b_j + \varepsilon)` and likewise."""
        if self.kron_eigs is not None:
            a, b = self.kron_eigs
            denom = lam[0] * a[:, None] + lam[1] * b[None, :] + eps
            return np.array([(a[:, None] / denom).sum(), (b[None, :] / denom).sum()])
        if self._eigs is None:
            self._eigs = np.linalg.eigvalsh(self.penalty)
        return np.array([np.sum(self._eigs / (lam[0] * self._eigs + eps))])


#: a penalty with non-zero diagonals at most this far from the main one is traced by its
#: band (else through the dense block of V)
MAX_BAND = 8


def _bands_of(S: np.ndarray) -> list[tuple[int, np.ndarray]] | None:
    """``[(d, diagonal d of S)]`` for the non-zero diagonals d >= 0 of a symmetric S, or
    None when S is not banded within :data:`MAX_BAND`."""
    n = len(S)
    rows, cols = np.nonzero(S)
    width = int(np.abs(rows - cols).max(initial=0))
    if width > MAX_BAND:
        return None
    return [(d, np.diagonal(S, d).copy()) for d in range(min(width, n - 1) + 1)]


def _band_trace(R: np.ndarray, bands) -> float:
    r""":math:`\sum_{ij} S_{ij} (R R^\top)_{ij}` for symmetric S given by its bands."""
    total = 0.0
    for d, diag in bands:
        if not diag.any():
            continue
        v = np.einsum("ij,ij->i", R[: len(R) - d], R[d:]) if d else np.einsum("ij,ij->i", R, R)
        total += (2.0 if d else 1.0) * float(diag @ v)
    return total


@dataclass
class FitResult:
    """Coefficients and diagnostics of a penalised fit: ``coefs`` holds every term's cell
    values, ``theta`` the intercept and the terms' parameters (what ``hessian`` and
    ``cov`` are over)."""

    intercept: float
    coefs: list[np.ndarray]
    theta: np.ndarray
    lam: np.ndarray
    eta: np.ndarray
    n_iter: int
    converged: bool
    hessian: np.ndarray | None = None
    cov: np.ndarray | None = None


def offsets(terms: list[Term]) -> np.ndarray:
    """Where every term's parameters start (and the last ends) in the parameter vector,
    after the intercept."""
    return np.r_[0, np.cumsum([t.n_params for t in terms])].astype(np.int64) + 1


def linear_predictor(
    terms: list[Term], theta: np.ndarray, off: np.ndarray, rows=None
) -> np.ndarray:
    eta = None
    for t, a, b in zip(terms, off[:-1], off[1:], strict=True):
        codes = t.codes if rows is None else t.codes[rows]
        part = t.values(theta[a:b])[codes]
        eta = part if eta is None else eta + part
    if eta is None:
        n = len(rows) if rows is not None else 0
        eta = np.zeros(n)
    return eta + theta[0]


def penalty_matrix(terms: list[Term], lam: np.ndarray, eps: float) -> np.ndarray:
    off = offsets(terms)
    S = np.zeros((off[-1], off[-1]))
    for t, lt, a, b in zip(terms, lam, off[:-1], off[1:], strict=True):
        S[a:b, a:b] = lt * t.penalty + eps * np.eye(t.n_params)
    return S


def project_monotone(terms: list[Term], theta: np.ndarray, hdiag: np.ndarray) -> np.ndarray:
    """Weighted isotonic projection of the monotone terms (weights: Hessian diagonal)."""
    from scipy.optimize import isotonic_regression

    off = offsets(terms)
    for t, a in zip(terms, off[:-1], strict=False):
        if t.monotone and len(t.order) > 1:
            idx = a + t.order
            weights = np.maximum(hdiag[idx], 1e-9)
            fit = isotonic_regression(theta[idx], weights=weights, increasing=t.monotone > 0)
            theta[idx] = fit.x
    return theta


def fs_log_step(
    prior_trace: float, posterior_trace: float, S_t: np.ndarray, beta: np.ndarray
) -> float:
    r"""log of the Fellner-Schall multiplier of one smoothing parameter,
    :math:`[\operatorname{tr}(S_\lambda^{-1} S_t) - \operatorname{tr}(V_{tt} S_t)] /
    \beta_t^\top S_t \beta_t`, from the two traces."""
    num = float(prior_trace - posterior_trace)
    den = float(beta @ S_t @ beta)
    if num <= 0 or den <= 0:
        return 10.0 if den <= 0 else -10.0
    return float(np.log(num / den))


def update_smoothing(
    lam: np.ndarray,
    steps: list[float],
    accel: np.ndarray,
    previous: np.ndarray,
    bounds: tuple[float, float],
) -> float:
    """Move every smoothing parameter by its Fellner-Schall log-step (in place).

    A step in the same direction as the last one is doubled (up to 8x), which takes a
    parameter on its way to a bound there in a few iterations instead of dozens. Returns
    the largest change, in log, of a parameter not sitting at the upper bound.
    """
    lo, hi = bounds
    changes = [0.0]
    for j, d in enumerate(steps):
        accel[j] = min(2 * accel[j], MAX_ACCEL) if d * previous[j] > 0 else 1.0
        previous[j] = d
        new = float(np.clip(lam[j] * np.exp(accel[j] * d), lo, hi))
        if not (new >= hi and lam[j] >= hi):
            changes.append(abs(np.log(new / lam[j])))
        lam[j] = new
    return max(changes)


def upper_inverse(factor: tuple[np.ndarray, bool]) -> np.ndarray:
    """Upper triangle (diagonal included, zeros below) of :math:`A^{-1}` from
    :func:`scipy.linalg.cho_factor` output with ``lower=False`` (LAPACK ``potri``)."""
    from scipy.linalg.lapack import dpotri

    c, lower = factor
    if lower:
        raise ValueError("upper_inverse needs an upper Cholesky factor (lower=False)")
    inv, info = dpotri(c, lower=False)
    if info != 0:
        raise np.linalg.LinAlgError(f"potri failed ({info})")
    return np.triu(inv)


def inverse_factor(factor: tuple[np.ndarray, bool]) -> np.ndarray:
    r""":math:`R = U^{-1}` (upper triangular, zeros below) from :func:`scipy.linalg.cho_factor`
    output with ``lower=False`` (:math:`A = U^\top U`, so :math:`A^{-1} = R R^\top`;
    LAPACK ``trtri``, about half the work of ``potri``'s whole inverse)."""
    from scipy.linalg.lapack import dtrtri

    c, lower = factor
    if lower:
        raise ValueError("inverse_factor needs an upper Cholesky factor (lower=False)")
    inv, info = dtrtri(c, lower=0)
    if info != 0:
        raise np.linalg.LinAlgError(f"trtri failed ({info})")
    return np.triu(inv)


def trace_with(upper: np.ndarray, S: np.ndarray) -> float:
    r""":math:`\operatorname{tr}(V S) = \sum_{ij} V_{ij} S_{ij}` for symmetric :math:`V, S`,
    from the upper triangle of :math:`V` (see :func:`upper_inverse`)."""
    return float(2.0 * np.sum(upper * S) - np.dot(np.diagonal(upper), np.diagonal(S)))


def warn_if_not_converged(what: str, results: list[bool]) -> list[str]:
    """Warn (and return the message) when any of the fits did not converge."""
    bad = len(results) - sum(results)
    if not bad:
        return []
    msg = (
        f"{what}: {bad} of {len(results)} fit(s) stopped at the iteration limit before "
        "converging; the model may be slightly off. Check for near-duplicate columns."
    )
    warnings.warn(msg, ConvergenceWarning, stacklevel=3)
    return [msg]
