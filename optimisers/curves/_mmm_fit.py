r"""Joint fit of additive response curves when only the total outcome is observed.

Marketing-mix data (one row per period, a spend column per channel, one
total outcome such as revenue) does not say which channel produced what, so
the curves are fitted together:

.. math:: y_t = \beta_0 + \sum_j \gamma_j z_{jt} + \sum_c v_c(x_{ct}; \theta_c) + \varepsilon_t

with controls :math:`z` (standardised) and one curve per channel, by
``scipy.optimize.least_squares`` from several starts (seeded). This is a
deliberately simple model — no adstock (carry-over) or seasonality — good
enough to exercise the allocator on such data, not a full MMM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.io._schema import require_columns
from leadlever.optimisers.curves._family import CURVE_KINDS
from leadlever.optimisers.curves._fit import (
    _LOG_PARAMS,
    CurveFitResult,
    FittedCurve,
    theta_bounds,
    to_params,
)
from leadlever.optimisers.exceptions import CurveFitError

__all__ = ["AdditiveFit", "fit_additive"]


@dataclass(frozen=True)
class AdditiveFit:
    """Jointly fitted curves plus intercept and control coefficients."""

    curves: CurveFitResult
    intercept: float
    controls: dict[str, float]
    r2: float
    rmse: float
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "intercept": self.intercept,
            "controls": dict(self.controls),
            "r2": self.r2,
            "rmse": self.rmse,
            "n": self.n,
            **self.curves.to_dict(),
        }


def fit_additive(
    frame: pd.DataFrame,
    spend_columns: Sequence[str],
    target: str,
    *,
    controls: Sequence[str] = (),
    kind: str = "hill",
    channel_names: Sequence[str] | None = None,
    current_periods: int = 52,
    shape_bounds: tuple[float, float] = (0.5, 3.0),
    n_random_starts: int = 3,
    max_nfev: int = 3000,
    seed: int | np.random.Generator = 0,
) -> AdditiveFit:
    """Fit one curve per spend column and a linear baseline to a total outcome.

    Parameters
    ----------
    frame : DataFrame
        One row per period.
    spend_columns : sequence of str
    target : str
        The total outcome column.
    controls : sequence of str
        Numeric control columns entering linearly.
    shape_bounds : (float, float)
        Range of the Hill shape (the usual marketing-mix range; a free shape on
        weekly totals tends to run to step functions).
    current_periods : int
        The current spend of a channel is its mean over the last this-many rows.
    """
    from scipy.optimize import least_squares

    cols = [*spend_columns, target, *controls]
    require_columns(frame, cols, fix="Name the spend, target and control columns of the table.")
    cls = CURVE_KINDS[kind]
    names = list(channel_names) if channel_names is not None else list(spend_columns)
    x = frame[list(spend_columns)].to_numpy(dtype=float)
    y = frame[target].to_numpy(dtype=float)
    z = frame[list(controls)].to_numpy(dtype=float) if controls else np.zeros((len(frame), 0))
    ok = np.isfinite(x).all(axis=1) & np.isfinite(y) & np.isfinite(z).all(axis=1)
    x, y, z = x[ok], y[ok], z[ok]
    n, k = x.shape
    p = len(cls.param_names)
    if n < k * p + z.shape[1] + 5:
        raise CurveFitError(f"{n} periods are too few to fit {k} curves jointly.")
    xmax = np.where(x.max(axis=0) > 0, x.max(axis=0), 1.0)
    ymax = float(np.max(np.abs(y)))
    zm, zs = z.mean(axis=0), np.where(z.std(axis=0) > 0, z.std(axis=0), 1.0)
    xs, ys, zz = x / xmax, y / ymax, (z - zm) / zs
    tlo, thi = theta_bounds(cls)
    if kind == "hill":
        j = cls.param_names.index("shape")
        tlo[j], thi[j] = np.log(shape_bounds[0]), np.log(shape_bounds[1])
    lo = np.concatenate([[-10.0], np.full(z.shape[1], -10.0), np.tile(tlo, k)])
    hi = np.concatenate([[10.0], np.full(z.shape[1], 10.0), np.tile(thi, k)])

    base = 1 + z.shape[1]

    def fun(theta: np.ndarray) -> np.ndarray:
        pred = theta[0] + zz @ theta[1:base]
        for c in range(k):
            pred = pred + cls._v(
                xs[:, c], *to_params(cls, theta[base + c * p : base + (c + 1) * p])
            )
        return pred - ys

    def jac(theta: np.ndarray) -> np.ndarray:
        out = np.empty((n, theta.size))
        out[:, 0] = 1.0
        out[:, 1:base] = zz
        for c in range(k):
            th = theta[base + c * p : base + (c + 1) * p]
            for j in range(p):
                step = np.zeros(p)
                step[j] = 1e-6
                up = cls._v(xs[:, c], *to_params(cls, th + step))
                down = cls._v(xs[:, c], *to_params(cls, th - step))
                out[:, base + c * p + j] = (up - down) / 2e-6
        return out

    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    starts = []
    for half, shape in ((0.3, 1.0), (1.0, 1.0), (0.5, 2.0)):
        cur = (
            np.array([np.log(0.2), np.log(half), np.log(shape)])[:p]
            if kind == "hill"
            else (tlo + thi) / 2
        )
        starts.append(np.concatenate([[ys.mean() * 0.5], np.zeros(z.shape[1]), np.tile(cur, k)]))
    for _ in range(n_random_starts):
        starts.append(
            np.concatenate(
                [
                    [ys.mean() * rng.uniform(0.2, 0.9)],
                    np.zeros(z.shape[1]),
                    rng.uniform(
                        np.tile(tlo + 0.3 * (thi - tlo), k), np.tile(thi - 0.3 * (thi - tlo), k)
                    ),
                ]
            )
        )
    best = None
    for s in starts:
        res = least_squares(
            fun,
            np.clip(s, lo + 1e-9, hi - 1e-9),
            jac=jac,
            bounds=(lo, hi),
            method="trf",
            x_scale="jac",
            max_nfev=max_nfev,
        )
        if res.status > 0 and (best is None or res.cost < best.cost):
            best = res
    if best is None:
        raise CurveFitError("The joint curve fit did not converge from any start.")
    dof = max(n - best.x.size, 1)
    # a flat direction makes J'J singular: pinv gives it a huge variance, which is the answer
    with np.errstate(all="ignore"):
        cov = np.linalg.pinv(best.jac.T @ best.jac) * (2 * best.cost / dof)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    ssr = 2 * best.cost * ymax**2
    sst = float(np.sum((y - y.mean()) ** 2))
    fitted = []
    for c in range(k):
        th = best.x[base + c * p : base + (c + 1) * p]
        curve = cls(*to_params(cls, th)).rescaled(1.0 / xmax[c], 1.0 / ymax)
        stderr = {
            nm: float((abs(v) if nm in _LOG_PARAMS else xmax[c]) * se[base + c * p + j])
            for j, (nm, v) in enumerate(curve.params().items())
        }
        fitted.append(
            FittedCurve(
                channel=names[c],
                curve=curve,
                stderr=stderr,
                r2=float("nan"),
                rmse=float("nan"),
                n=n,
                max_observed_spend=float(x[:, c].max()),
                current_spend=float(x[-current_periods:, c].mean()),
            )
        )
    coefs = best.x[1:base] * ymax / zs
    intercept = float(best.x[0] * ymax - np.sum(coefs * zm))
    return AdditiveFit(
        curves=CurveFitResult(tuple(fitted), kind, ("fitted jointly on the total outcome",)),
        intercept=intercept,
        controls=dict(zip(controls, map(float, coefs), strict=True)),
        r2=1 - ssr / sst if sst > 0 else float("nan"),
        rmse=float(np.sqrt(ssr / n)),
        n=n,
    )
