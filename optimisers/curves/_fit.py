r"""Fit one response curve to spend/value observations (no carry-over, no time effect).

:func:`~leadlever.optimisers.curves.fit_curves` fits a whole history with
carry-over and a shared time effect (:mod:`._weekly`); this module fits a single
curve of any kind to plain observations. With observations :math:`(x_t, y_t)`, the curve parameters
:math:`\theta` minimise :math:`\sum_t (y_t - v(x_t; \theta))^2`
(``scipy.optimize.least_squares``, trust-region reflective, in units of the
largest spend and value, positive parameters on a log scale, several starts).
Parameter uncertainty is the Gauss–Newton covariance
:math:`\hat\sigma^2 (J^\top J)^{-1}` with :math:`\hat\sigma^2 = SSR / (n - p)`,
mapped to the parameters by the delta method; fit quality is
:math:`R^2 = 1 - SSR / SST` and the RMSE.

A fitted curve remembers the largest spend it saw; asking it (or the
allocator) for spend beyond ``max_extrapolation`` times that raises
:class:`~leadlever.optimisers.exceptions.ExtrapolationError` unless explicitly allowed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from leadlever.optimisers.curves._family import CURVE_KINDS, Curve
from leadlever.optimisers.curves._result import FittedCurve
from leadlever.optimisers.exceptions import CurveFitError

__all__ = [
    "fit_curve",
    "to_params",
]

#: parameters fitted on a log scale (positive); the others are free
_LOG_PARAMS = {"scale", "half_saturation", "shape", "steepness", "exponent", "rate"}
#: bounds in normalised units (spend / max spend, value / max value)
_BOUNDS = {
    "scale": (1e-4, 1e4),
    "half_saturation": (1e-3, 1e3),
    "shape": (0.2, 8.0),
    "steepness": (1e-2, 1e3),
    "midpoint": (-10.0, 10.0),
    "exponent": (0.02, 4.0),
    "rate": (1e-3, 1e3),
}
_STARTS = {
    "hill": [(1.5, k, s) for k in (0.3, 1.0, 3.0) for s in (0.8, 1.5, 3.0)],
    "michaelis_menten": [(1.5, k) for k in (0.1, 0.5, 2.0)],
    "logistic": [(1.2, r, m) for r in (2.0, 8.0) for m in (-0.5, 0.3, 0.8)],
    "power": [(1.0, a) for a in (0.3, 0.7, 1.2)],
    "exp_saturation": [(1.2, r) for r in (0.5, 2.0, 6.0)],
}


def to_params(cls: type[Curve], theta: np.ndarray) -> tuple[float, ...]:
    """Curve parameters from the optimiser's (partly log) parameter vector."""
    return tuple(
        float(np.exp(t)) if n in _LOG_PARAMS else float(t)
        for n, t in zip(cls.param_names, theta, strict=True)
    )


def from_params(cls: type[Curve], params) -> np.ndarray:
    return np.array(
        [np.log(p) if n in _LOG_PARAMS else p for n, p in zip(cls.param_names, params, strict=True)]
    )


def theta_bounds(cls: type[Curve]) -> tuple[np.ndarray, np.ndarray]:
    lo = [np.log(_BOUNDS[n][0]) if n in _LOG_PARAMS else _BOUNDS[n][0] for n in cls.param_names]
    hi = [np.log(_BOUNDS[n][1]) if n in _LOG_PARAMS else _BOUNDS[n][1] for n in cls.param_names]
    return np.array(lo), np.array(hi)


def _residuals(cls: type[Curve], x: np.ndarray, y: np.ndarray):
    def fun(theta: np.ndarray) -> np.ndarray:
        return cls._v(x, *to_params(cls, theta)) - y

    return fun


def fit_curve(
    spend: Any,
    value: Any,
    *,
    kind: str = "hill",
    channel: str = "channel",
    current_spend: float | None = None,
) -> FittedCurve:
    """Least-squares fit of one curve to spend/value observations.

    Raises
    ------
    CurveFitError
        Too few observations, no spend variation, or no start converged.
    """
    from scipy.optimize import least_squares

    cls = CURVE_KINDS.get(kind)
    if cls is None:
        raise CurveFitError(f"Unknown curve kind {kind!r}. Use one of: {', '.join(CURVE_KINDS)}.")
    x = np.asarray(spend, dtype=float)
    y = np.asarray(value, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    p = len(cls.param_names)
    if x.size < p + 2 or np.unique(x[x > 0]).size < 3:
        raise CurveFitError(
            f"Channel '{channel}': {x.size} usable observations with {np.unique(x[x > 0]).size} distinct "
            f"positive spends; a '{kind}' curve needs at least {p + 2} observations and 3 distinct spends."
        )
    xmax, ymax = float(x.max()), float(np.max(np.abs(y)))
    if ymax <= 0:
        raise CurveFitError(f"Channel '{channel}': every value is zero; nothing to fit.")
    xs, ys = x / xmax, y / ymax
    lo, hi = theta_bounds(cls)
    best = None
    for start in _STARTS[kind]:
        theta0 = np.clip(from_params(cls, start), lo + 1e-9, hi - 1e-9)
        res = least_squares(
            _residuals(cls, xs, ys),
            theta0,
            bounds=(lo, hi),
            method="trf",
            x_scale="jac",
            max_nfev=2000,
        )
        if res.status > 0 and (best is None or res.cost < best.cost):
            best = res
    if best is None:
        raise CurveFitError(
            f"Channel '{channel}': the least-squares fit did not converge from any start."
        )
    norm_params = to_params(cls, best.x)
    curve_n = cls(*norm_params)
    curve = curve_n.rescaled(1.0 / xmax, 1.0 / ymax)
    ssr = float(2.0 * best.cost) * ymax**2
    sst = float(np.sum((y - y.mean()) ** 2))
    dof = max(x.size - p, 1)
    jac = best.jac
    # a flat direction makes J'J singular: pinv gives it a huge variance, which is the answer
    with np.errstate(all="ignore"):
        cov = np.linalg.pinv(jac.T @ jac) * (2.0 * best.cost / dof)
    se_theta = np.sqrt(np.clip(np.diag(cov), 0, None))
    stderr: dict[str, float] = {}
    orig = curve.params()
    for j, name in enumerate(cls.param_names):
        if name in _LOG_PARAMS:
            stderr[name] = float(orig[name] * se_theta[j])  # delta method on log scale
        else:
            ratio = orig[name] / norm_params[j] if norm_params[j] != 0 else xmax
            stderr[name] = float(abs(ratio) * se_theta[j])
    at_bound = np.isclose(best.x, lo) | np.isclose(best.x, hi)
    for j in np.flatnonzero(at_bound):
        stderr[cls.param_names[j]] = float("nan")
    return FittedCurve(
        channel=channel,
        curve=curve,
        stderr=stderr,
        r2=1.0 - ssr / sst if sst > 0 else float("nan"),
        rmse=float(np.sqrt(ssr / x.size)),
        n=int(x.size),
        max_observed_spend=xmax,
        current_spend=float(current_spend) if current_spend is not None else float(np.mean(x[-4:])),
    )
