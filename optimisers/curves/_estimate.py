r"""Numerical routines of the weekly curve fit (:mod:`leadlever.optimisers.curves._weekly`).

Grids of the non-scale parameters, the priors, the time effect's weighted least
squares, the per-channel posterior-mode polish and the joint polish of every
channel with the shared time effect (sparse Jacobian). Parameters are fitted in
units of each channel's largest spend and value: log scale for positive
parameters, linear for the logistic midpoint and the carry-over rate.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from leadlever.optimisers.curves._carryover import geometric_adstock, time_effect
from leadlever.optimisers.curves._family import Curve
from leadlever.optimisers.curves._result import CurveDraws
from leadlever.optimisers.exceptions import CurveFitError

__all__ = [
    "CARRYOVER_GRID",
    "MAX_CARRYOVER",
    "GRIDS",
    "PRIOR",
    "BOUND_TOL",
    "LINEAR",
    "VARIANCE_POWER",
    "log_prior",
    "variance_weights",
    "fit_time",
    "polish",
    "joint",
    "start_of",
    "grid_range",
    "posterior_mean_curve",
]

#: carry-over rates on the grid, and the polish's upper bound
CARRYOVER_GRID = np.linspace(0.0, 0.8, 9)
MAX_CARRYOVER = 0.9
#: grids of each kind's non-scale parameters, in units of the largest spend
GRIDS: dict[str, dict[str, np.ndarray]] = {
    "hill": {
        "half_saturation": np.geomspace(0.05, 5.0, 28),
        "shape": np.array([0.5, 0.65, 0.8, 1.0, 1.2, 1.45, 1.7, 2.0, 2.35, 2.7, 3.0]),
    },
    "michaelis_menten": {"half_saturation": np.geomspace(0.02, 50.0, 48)},
    "exp_saturation": {"rate": np.geomspace(0.02, 50.0, 48)},
    "power": {"exponent": np.linspace(0.1, 1.6, 31)},
    "logistic": {"steepness": np.geomspace(0.5, 60.0, 16), "midpoint": np.linspace(-1.0, 2.0, 16)},
}
LINEAR = {"midpoint"}
#: a polished parameter this close to a bound (share of its range) sits on it
BOUND_TOL = 1e-3


def log_prior(grid: dict[str, np.ndarray]) -> np.ndarray:
    """Log prior over the grid points: the normal priors of :data:`PRIOR` (uniform otherwise)."""
    out = np.zeros(grid["adstock"].size)
    for name, (mu, sd) in PRIOR.items():
        if name in grid:
            t = grid[name] if (name in LINEAR or name == "adstock") else np.log(grid[name])
            out = out - 0.5 * ((t - mu) / sd) ** 2
    return out


#: noise variance grows as the expected value to this power (1: like counts; 0: constant)
VARIANCE_POWER = 1.0


def variance_weights(posts, bases, m, w) -> np.ndarray:
    """Weights 1 / mean^power from every channel's best grid curve, averaging 1 per channel."""
    out = np.ones_like(w)
    for c, (p, b) in enumerate(zip(posts, bases, strict=True)):
        g = int(np.argmax(p.log_post))
        mu = np.abs(m * p.a_mean[g] * b[g])
        ref = float(np.sum(w[:, c] * mu) / max(w[:, c].sum(), 1.0))
        if ref <= 0:
            continue
        v = (np.maximum(mu, 0.2 * ref) / ref) ** VARIANCE_POWER
        wt = 1.0 / v
        out[:, c] = wt / (np.sum(w[:, c] * wt) / max(w[:, c].sum(), 1.0))
    return out


#: normal priors (mean, sd) of parameters on their fitting scale: log for positive parameters
#: (in units of the largest spend), linear for midpoint and carry-over; none = uniform
#: (weakly informative, as marketing-mix models use: half-saturation near the spends tried,
#: 90 % between 0.2x and 5x the largest; mild S-shapes, 90 % of shapes between 0.7 and 2.7)
PRIOR: dict[str, tuple[float, float]] = {
    "half_saturation": (0.0, 1.0),
    "shape": (float(np.log(1.4)), 0.4),
}


def fit_time(
    design: np.ndarray, preds: np.ndarray, y: np.ndarray, weight: np.ndarray
) -> np.ndarray:
    """Weighted least squares of the log time effect given every channel's prediction."""
    from scipy.optimize import least_squares

    sw = np.sqrt(weight)

    def fun(theta):
        return (sw * (np.exp(design @ theta)[:, None] * preds - y)).ravel()

    def jac(theta):
        m = np.exp(design @ theta)
        return ((sw * m[:, None] * preds)[:, :, None] * design[:, None, :]).reshape(
            -1, design.shape[1]
        )

    res = least_squares(fun, np.zeros(design.shape[1]), jac=jac, method="trf", bounds=(-3.0, 3.0))
    return res.x


def _prior_rows(th: np.ndarray, keys: list[str], sigma: float) -> np.ndarray:
    """Pseudo-residuals sigma (theta - mu) / sd of the parameters with a prior (MAP = LS)."""
    return np.array(
        [sigma * (th[i] - PRIOR[k][0]) / PRIOR[k][1] for i, k in enumerate(keys) if k in PRIOR]
    )


def _keys(names, with_adstock) -> list[str]:
    return ["scale", *names] + (["adstock"] if with_adstock else [])


def polish(cls: type[Curve], xs, ys, w, m, start, names, with_adstock) -> dict[str, Any]:
    """Posterior-mode polish of one channel's curve from its best grid point (normalised units)."""
    from scipy.optimize import least_squares

    keys = _keys(names, with_adstock)
    lo, hi = _bounds(names, with_adstock)
    sw = np.sqrt(w)

    def data(th):
        p = _params(th, names, with_adstock)
        stock = geometric_adstock(xs, p["adstock"]) if with_adstock else xs
        return sw * (m * cls._v(stock, p["scale"], *(p[n] for n in names)) - ys)

    th0 = np.clip(np.array(_theta(start, names, with_adstock)), lo + 1e-9, hi - 1e-9)
    sigma = float(np.sqrt(np.sum(data(th0) ** 2) / max(w.sum(), 1.0)))

    def fun(th):
        return np.concatenate([data(th), _prior_rows(th, keys, sigma)])

    failed = ""
    try:
        res = least_squares(fun, th0, bounds=(lo, hi), method="trf", x_scale="jac", max_nfev=400)
        th = res.x if np.sum(res.fun**2) <= np.sum(fun(th0) ** 2) else th0
        jac = res.jac
    except (ValueError, np.linalg.LinAlgError) as exc:  # degenerate data
        th, jac, failed = th0, None, f"the least-squares fit failed ({exc})"
    p = _params(th, names, with_adstock)
    span = hi - lo
    at_bound = {}
    for i, k in enumerate(keys):
        if k == "scale" or (k == "adstock" and th[i] - lo[i] <= BOUND_TOL * span[i]):
            continue
        if th[i] - lo[i] <= BOUND_TOL * span[i]:
            at_bound[k] = "lower"
        elif hi[i] - th[i] <= BOUND_TOL * span[i]:
            at_bound[k] = "upper"
    se = {k: float("nan") for k in keys}
    if jac is not None:
        n_obs = max(w.sum() - len(keys), 1.0)
        sigma2 = float(np.sum(data(th) ** 2) / n_obs)
        # a flat direction makes J'J singular: pinv gives it a huge variance, which is the answer
        with np.errstate(all="ignore"):
            cov = np.linalg.pinv(jac.T @ jac) * sigma2
        sd = np.sqrt(np.clip(np.diag(cov), 0, None))
        for i, k in enumerate(keys):
            if k in at_bound or (k == "adstock" and th[i] <= lo[i] + BOUND_TOL * span[i]):
                continue
            se[k] = float(sd[i] if (k in LINEAR or k == "adstock") else abs(p[k]) * sd[i])
    params = {"scale": p["scale"], **{n: p[n] for n in names}}
    stock = geometric_adstock(xs, p["adstock"]) if with_adstock else xs
    return {
        "params": params,
        "adstock": p["adstock"],
        "se": se,
        "at_bound": at_bound,
        "failed": failed,
        "pred": cls._v(stock, p["scale"], *(p[n] for n in names)),
    }


def start_of(fc: dict[str, Any]) -> dict[str, float]:
    return {**fc["params"], "adstock": fc["adstock"]}


def _theta(p: dict[str, float], names, with_adstock) -> list[float]:
    return (
        [np.log(p["scale"])]
        + [p[n] if n in LINEAR else np.log(p[n]) for n in names]
        + ([p["adstock"]] if with_adstock else [])
    )


def _params(th, names, with_adstock) -> dict[str, float]:
    out = {"scale": float(np.exp(th[0]))}
    for i, n in enumerate(names, start=1):
        out[n] = float(th[i] if n in LINEAR else np.exp(th[i]))
    out["adstock"] = float(th[-1]) if with_adstock else 0.0
    return out


def _bounds(names, with_adstock) -> tuple[np.ndarray, np.ndarray]:
    lo = [np.log(1e-9)] + [grid_range(n)[0] for n in names] + ([0.0] if with_adstock else [])
    hi = (
        [np.log(1e6)]
        + [grid_range(n)[1] for n in names]
        + ([MAX_CARRYOVER] if with_adstock else [])
    )
    return np.array(lo, float), np.array(hi, float)


def joint(cls, design, coef, fcs, xs, ys, w, names, with_adstock):
    """Least squares of the time effect and every channel's curve together (sparse Jacobian)."""
    from scipy.optimize import least_squares
    from scipy.sparse import lil_matrix

    n_t, n_c = ys.shape
    j = design.shape[1]
    q = 1 + len(names) + int(with_adstock)
    m0 = time_effect(design, coef)
    preds = np.column_stack([fc["pred"] for fc in fcs])
    sig2 = np.sum(w * (m0[:, None] * preds - ys) ** 2, axis=0) / np.maximum(w.sum(axis=0), 1.0)
    sw = np.sqrt(w / np.maximum(sig2, 1e-12))
    lo1, hi1 = _bounds(names, with_adstock)
    lo = np.concatenate([np.full(j, -3.0), np.tile(lo1, n_c)])
    hi = np.concatenate([np.full(j, 3.0), np.tile(hi1, n_c)])
    th0 = np.concatenate([coef, *(_theta(start_of(fc), names, with_adstock) for fc in fcs)])

    def fun(th):
        m = np.exp(design @ th[:j])
        out = np.empty((n_t, n_c))
        for c in range(n_c):
            p = _params(th[j + c * q : j + (c + 1) * q], names, with_adstock)
            stock = geometric_adstock(xs[:, c], p["adstock"]) if with_adstock else xs[:, c]
            out[:, c] = sw[:, c] * (
                m * cls._v(stock, p["scale"], *(p[n] for n in names)) - ys[:, c]
            )
        prior = [_prior_rows(th[j + c * q : j + (c + 1) * q], keys, 1.0) for c in range(n_c)]
        return np.concatenate([out.T.ravel(), *prior])

    keys = _keys(names, with_adstock)
    n_p = sum(k in PRIOR for k in keys)
    sparsity = lil_matrix((n_t * n_c + n_p * n_c, j + q * n_c), dtype=int)
    sparsity[: n_t * n_c, :j] = 1
    for c in range(n_c):
        sparsity[c * n_t : (c + 1) * n_t, j + c * q : j + (c + 1) * q] = 1
        sparsity[n_t * n_c + c * n_p : n_t * n_c + (c + 1) * n_p, j + c * q : j + (c + 1) * q] = 1
    th0 = np.clip(th0, lo + 1e-9, hi - 1e-9)
    res = least_squares(
        fun, th0, bounds=(lo, hi), method="trf", jac_sparsity=sparsity, x_scale="jac", max_nfev=200
    )
    th = res.x if res.cost <= 0.5 * np.sum(fun(th0) ** 2) else th0
    new = [
        {**fc, "params": {k: v for k, v in p.items() if k != "adstock"}, "adstock": p["adstock"]}
        for fc, p in (
            (fc, _params(th[j + c * q : j + (c + 1) * q], names, with_adstock))
            for c, fc in enumerate(fcs)
        )
    ]
    return th[:j], new


def grid_range(name: str) -> tuple[float, float]:
    for grids in GRIDS.values():
        if name in grids:
            g = grids[name]
            return (
                (float(g.min()), float(g.max()))
                if name in LINEAR
                else (float(np.log(g.min())), float(np.log(g.max())))
            )
    raise KeyError(name)


#: the posterior-mean curve is projected on the family over 0 to this x the largest spend
_PROJECT_RANGE = 2.0


def posterior_mean_curve(
    kind: str, draws: CurveDraws, channel: str, xmax: float, mode: Curve
) -> Curve:
    """The curve of ``kind`` closest (least squares on 0-2x the largest spend) to the mean of the
    channel's posterior draws: the Bayes estimate of the steady-state curve, in the family."""
    from leadlever.optimisers.curves._fit import fit_curve

    xs = np.linspace(0.0, _PROJECT_RANGE * xmax, 65)[1:]
    mean = draws.select([channel]).values(xs[:, None])[:, :, 0].mean(axis=0)
    try:
        return fit_curve(xs, mean, kind=kind, channel=channel).curve
    except (CurveFitError, ValueError):
        return mode
