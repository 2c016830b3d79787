r"""Joint fit of additive response curves when only the total outcome is observed.

Marketing-mix data (one row per week, a spend column per channel, one total
outcome such as revenue) does not say which channel produced what, so the
curves are fitted together, with carry-over and a season:

.. math:: y_t = \beta_0 + \sum_j \gamma_j z_{jt} + \sum_k \delta_k s_{kt}
          + \sum_c v_c(A_{ct}) + \varepsilon_t, \qquad
          A_{ct} = \lambda_c A_{c,t-1} + (1 - \lambda_c) x_{ct},

with standardised controls :math:`z`, a trend and yearly harmonics :math:`s`
(:func:`~leadlever.optimisers.curves._carryover.time_design`), one curve and
carry-over rate per channel; the channel parameters have the same weakly
informative priors as the per-channel fit (:data:`~._estimate.PRIOR`, as
pseudo-residuals: a posterior mode), fitted by ``scipy.optimize.least_squares``
from several seeded starts. Per channel: its **partial** :math:`R^2 = 1 - SSR /
SSR_{-c}` (the share of what is left unexplained without the channel's
contribution that the contribution explains), parameters on their bounds,
Gauss-Newton standard errors, and ``n_draws`` draws from the Laplace
approximation (the uncertainty a decision carries); the diagnostics of
:mod:`~._diagnostics` give the verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import InvalidValueError
from leadlever.engine.io._numbers import rows_text
from leadlever.engine.io._schema import require_columns
from leadlever.optimisers.curves._carryover import geometric_adstock, time_design
from leadlever.optimisers.curves._diagnostics import ENDED_WEEKS, ChannelEvidence, judge
from leadlever.optimisers.curves._estimate import BOUND_TOL, MAX_CARRYOVER, PRIOR, grid_range
from leadlever.optimisers.curves._family import CURVE_KINDS
from leadlever.optimisers.curves._result import CurveDraws, CurveFitResult, FittedCurve
from leadlever.optimisers.exceptions import CurveFitError

__all__ = ["AdditiveFit", "fit_additive"]

#: refits with the prior weighed against the residual noise of the previous fit
_REFITS = 4


@dataclass(frozen=True)
class AdditiveFit:
    """Jointly fitted curves plus intercept, control and time coefficients."""

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
    date: str | None = None,
    channel_names: Sequence[str] | None = None,
    carryover: bool = True,
    seasonality: int = 2,
    current_periods: int = 52,
    ended_weeks: int = ENDED_WEEKS,
    source: str | None = None,
    n_random_starts: int = 3,
    n_draws: int = 200,
    max_nfev: int = 3000,
    seed: int | np.random.Generator = 0,
) -> AdditiveFit:
    """Fit one Hill curve and carry-over per spend column, a linear baseline and a season.

    Parameters
    ----------
    frame : DataFrame
        One row per week, in time order.
    spend_columns : sequence of str
    target : str
        The total outcome column.
    controls : sequence of str
        Numeric control columns entering linearly.
    date : str, optional
        Date column (for the week of the year of the season; row order otherwise).
    seasonality : int
        Yearly sin/cos pairs (with a linear trend) in the baseline.
    current_periods : int
        The current spend of a channel is its mean over the last this-many rows (0 for a
        channel that has ended).
    ended_weeks : int
        A channel with no spend in this many rows at the end has ended (0: never), as in
        :func:`~leadlever.optimisers.curves.fit_curves`; its verdicts count active rows
        (positive spend) only.
    source : str, optional
        The file name, for messages.
    """
    from scipy.optimize import least_squares

    cols = [*spend_columns, target, *controls, *([date] if date else [])]
    require_columns(frame, cols, fix="Name the spend, target and control columns of the table.")
    cls = CURVE_KINDS["hill"]
    names = list(channel_names) if channel_names is not None else list(spend_columns)
    x = frame[list(spend_columns)].to_numpy(dtype=float)
    y = frame[target].to_numpy(dtype=float)
    z = frame[list(controls)].to_numpy(dtype=float) if controls else np.zeros((len(frame), 0))
    n, k = x.shape
    if date:
        when = pd.to_datetime(frame[date])
        woy = (when.dt.day_of_year.to_numpy() - 1) / 7.0
        labels = [str(d.date()) for d in when]
    else:
        woy = np.arange(n, dtype=float)
        labels = [f"row {i + 1}" for i in range(n)]
    s = time_design(woy, np.arange(n) - (n - 1), order=seasonality, trend=seasonality > 0)
    for col in cols[: len(cols) - (1 if date else 0)]:
        bad = np.flatnonzero(~np.isfinite(frame[col].to_numpy(dtype=float))) + 1
        if bad.size:
            where = f"File '{source}', column" if source else "Column"
            raise InvalidValueError(
                f"{where} '{col}': {rows_text(bad.tolist())} are empty or not numbers; the curves "
                "are fitted on every week together (carry-over), so each week needs its spend, "
                "target and controls. Fill them in (0 for a week without spend).",
                str(col),
                bad.tolist(),
            )
    q = 3 + int(carryover)  # log scale, log K, log shape, [carry-over]
    if n < k * q + z.shape[1] + s.shape[1] + 5:
        raise CurveFitError(f"{n} periods are too few to fit {k} curves jointly.")
    xmax = np.where(x.max(axis=0) > 0, x.max(axis=0), 1.0)
    ymax = float(np.max(np.abs(y)))
    lin = np.column_stack([z, s]) if s.shape[1] else z
    lm, ls = lin.mean(axis=0), np.where(lin.std(axis=0) > 0, lin.std(axis=0), 1.0)
    xs, ys, zz = x / xmax, y / ymax, (lin - lm) / ls
    base = 1 + zz.shape[1]
    keys = ["scale", "half_saturation", "shape"] + (["adstock"] if carryover else [])
    lo1 = np.array(
        [np.log(1e-4)] + [grid_range(n_)[0] for n_ in keys[1:3]] + ([0.0] if carryover else [])
    )
    hi1 = np.array(
        [np.log(1e4)]
        + [grid_range(n_)[1] for n_ in keys[1:3]]
        + ([MAX_CARRYOVER] if carryover else [])
    )
    lo = np.concatenate([[-10.0], np.full(zz.shape[1], -10.0), np.tile(lo1, k)])
    hi = np.concatenate([[10.0], np.full(zz.shape[1], 10.0), np.tile(hi1, k)])
    prior = [(j, *PRIOR[key]) for j, key in enumerate(keys) if key in PRIOR]

    def contributions(theta):
        out = np.empty((n, k))
        for c in range(k):
            th = theta[base + c * q : base + (c + 1) * q]
            stock = geometric_adstock(xs[:, c], th[3]) if carryover else xs[:, c]
            out[:, c] = cls._v(stock, np.exp(th[0]), np.exp(th[1]), np.exp(th[2]))
        return out

    def model(theta):
        return theta[0] + zz @ theta[1:base] + contributions(theta).sum(axis=1)

    def fun(theta, sigma=None):
        r = model(theta) - ys
        sd = sigma if sigma is not None else max(float(np.std(r)), 1e-6)
        pen = [sd * (theta[base + c * q + j] - mu) / tau for c in range(k) for j, mu, tau in prior]
        return np.concatenate([r, pen])

    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    mid = np.array([np.log(0.3), 0.0, np.log(1.4)] + ([0.3] if carryover else []))
    starts = [np.concatenate([[ys.mean() * 0.5], np.zeros(zz.shape[1]), np.tile(mid, k)])]
    for _ in range(n_random_starts):
        starts.append(
            np.concatenate(
                [
                    [ys.mean() * rng.uniform(0.2, 0.9)],
                    np.zeros(zz.shape[1]),
                    rng.uniform(
                        np.tile(lo1 + 0.3 * (hi1 - lo1), k), np.tile(hi1 - 0.3 * (hi1 - lo1), k)
                    ),
                ]
            )
        )
    sigma0 = float(np.std(ys)) * 0.3
    best = None
    for st in starts:
        res = least_squares(
            lambda t: fun(t, sigma0),
            np.clip(st, lo + 1e-9, hi - 1e-9),
            bounds=(lo, hi),
            method="trf",
            x_scale="jac",
            max_nfev=max_nfev,
        )
        if res.status > 0 and (best is None or res.cost < best.cost):
            best = res
    if best is None:
        raise CurveFitError("The joint curve fit did not converge from any start.")
    # the priors weigh against the noise the fit leaves, not a guess of it: refit with it until
    # it settles (on noiseless data the priors then vanish and the fit is exact)
    for _ in range(_REFITS):
        sigma1 = max(float(np.sqrt(np.mean((model(best.x) - ys) ** 2))), 1e-9 * float(np.std(ys)))
        again = least_squares(
            lambda t, s=sigma1: fun(t, s),
            best.x,
            bounds=(lo, hi),
            method="trf",
            x_scale="jac",
            max_nfev=max_nfev,
        )
        if again.status <= 0:
            break
        best = again
    theta = best.x
    resid = model(theta) - ys
    dof = max(n - theta.size, 1)
    sigma2 = float(resid @ resid) / dof
    # a flat direction makes J'J singular: pinv gives it a huge variance, which is the answer
    with np.errstate(all="ignore"):
        cov = np.linalg.pinv(best.jac.T @ best.jac) * sigma2
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    ssr = float(resid @ resid) * ymax**2
    sst = float(np.sum((y - y.mean()) ** 2))
    contrib = contributions(theta)
    draws = _laplace_draws(theta, cov, lo, hi, base, q, names, n_draws, rng, xmax, ymax, carryover)
    fitted = []
    for c in range(k):
        th = theta[base + c * q : base + (c + 1) * q]
        curve = cls(np.exp(th[0]), np.exp(th[1]), np.exp(th[2])).rescaled(1.0 / xmax[c], 1.0 / ymax)
        span = hi1 - lo1
        at_bound = {}
        for j, key in enumerate(keys[1:], start=1):
            if key == "adstock" and th[j] - lo1[j] <= BOUND_TOL * span[j]:
                continue
            if th[j] - lo1[j] <= BOUND_TOL * span[j]:
                at_bound[key] = "lower"
            elif hi1[j] - th[j] <= BOUND_TOL * span[j]:
                at_bound[key] = "upper"
        se_t = sd[base + c * q : base + (c + 1) * q]
        stderr = {
            "scale": float(curve.scale * se_t[0]),
            "half_saturation": float(curve.half_saturation * se_t[1]),
            "shape": float(curve.shape * se_t[2]),
        }
        ssr_drop = float(np.sum((resid - contrib[:, c]) ** 2)) * ymax**2
        partial = 1.0 - ssr / ssr_drop if ssr_drop > 0 else float("nan")
        xc = x[:, c]
        active = np.flatnonzero(xc > 0)
        idle = n - 1 - int(active[-1]) if active.size else 0
        cur = float(x[-current_periods:, c].mean())
        xa = xc[active]
        ch_draws = draws.select([names[c]])
        mroi = tuple(
            float(v)
            for v in np.quantile(ch_draws.derivatives([max(cur, 1e-12)])[:, 0], [0.05, 0.5, 0.95])
        )
        ev = ChannelEvidence(
            n=int(active.size),
            distinct_spends=int(np.unique(xa).size),
            min_spend=float(xa.min()) if xa.size else 0.0,
            max_spend=float(xa.max()) if xa.size else 0.0,
            any_value=True,
            r2=partial,
            at_bound={k_: v for k_, v in at_bound.items()},
            missing_se=tuple(kk for kk, v in stderr.items() if not np.isfinite(v) or v == 0),
            mroi_interval=mroi,
            idle=idle,
            last_spend=labels[int(active[-1])] if active.size else "",
            ended_after=ended_weeks,
        )
        quality, reasons = judge(ev)
        if ev.ended:  # no spend in the last weeks: today's spend is 0, whatever the mean says
            cur = 0.0
        lam = float(th[3]) if carryover else 0.0
        stock = geometric_adstock(xc, lam) if carryover else xc
        fitted.append(
            FittedCurve(
                channel=names[c],
                curve=curve,
                stderr=stderr,
                r2=partial,
                rmse=float(np.sqrt(ssr / n)),
                n=int(active.size),
                max_observed_spend=float(xa.max()) if xa.size else 0.0,
                current_spend=cur,
                adstock=lam,
                carryover_state=float(stock[-1]),
                min_observed_spend=float(xa.min()) if xa.size else float("nan"),
                quality=quality,
                reasons=reasons,
            )
        )
    coefs = theta[1:base] * ymax / ls
    intercept = float(theta[0] * ymax - np.sum(coefs * lm))
    lin_names = [*controls] + [f"time_{j}" for j in range(s.shape[1])]
    assumptions = (
        {
            "name": "model",
            "value": "additive Hill curves with carry-over on the total outcome",
            "source": "default",
        },
        {
            "name": "time effect",
            "value": f"trend and {seasonality} yearly harmonics in the baseline",
            "source": "default",
        },
        {
            "name": "current spend",
            "value": f"mean of the last {current_periods} weeks",
            "source": "default",
        },
        {
            "name": "ended channels",
            "value": f"no spend in the last {ended_weeks} weeks: unidentified, held at 0"
            if ended_weeks
            else "never (option)",
            "source": "default" if ended_weeks == ENDED_WEEKS else "option",
        },
        {
            "name": "per-channel R²",
            "value": "partial: 1 - SSR / SSR without the channel",
            "source": "default",
        },
    )
    return AdditiveFit(
        curves=CurveFitResult(
            tuple(fitted),
            "hill",
            ("fitted jointly on the total outcome",),
            assumptions,
            None,
            draws,
            n,
            True,
        ),
        intercept=intercept,
        controls=dict(zip(lin_names, map(float, coefs), strict=True)),
        r2=1 - ssr / sst if sst > 0 else float("nan"),
        rmse=float(np.sqrt(ssr / n)),
        n=n,
    )


def _laplace_draws(
    theta, cov, lo, hi, base, q, names, n_draws, rng, xmax, ymax, carryover
) -> CurveDraws:
    """Draws of every channel's curve from N(theta, cov), clipped to the bounds."""
    k = len(names)
    sub = slice(base, base + q * k)
    mean = theta[sub]
    c = cov[sub, sub]
    c = 0.5 * (c + c.T)
    w, v = np.linalg.eigh(c)
    root = v * np.sqrt(np.clip(w, 0, None))
    z = rng.standard_normal((max(n_draws, 1), mean.size))
    th = np.clip(mean + z @ root.T, lo[sub], hi[sub]).reshape(-1, k, q)
    scale = np.exp(th[:, :, 0]) * ymax
    half = np.exp(th[:, :, 1]) * xmax
    shape = np.exp(th[:, :, 2])
    ad = th[:, :, 3] if carryover else np.zeros_like(scale)
    return CurveDraws(
        tuple(names),
        "hill",
        {"scale": scale, "half_saturation": half, "shape": shape, "adstock": ad},
    )
