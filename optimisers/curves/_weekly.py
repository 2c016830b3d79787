r"""Curves that model the week: carry-over, a shared time effect and saturation, with uncertainty.

For channel :math:`c` in week :math:`t` with spend :math:`x_{ct}`:

.. math::

    y_{ct} = m_t\, v_c(A_{ct}) + \varepsilon_{ct}, \qquad
    A_{ct} = \lambda_c A_{c,t-1} + (1 - \lambda_c) x_{ct}, \qquad
    v_c(x) = s_c\, b(x; \phi_c),

a steady-state curve :math:`v_c` of the chosen kind (Hill by default:
:math:`\phi = (K, k)`), geometric carry-over :math:`\lambda_c` and the shared
multiplicative time effect :math:`m_t` (trend and yearly season,
:mod:`~leadlever.optimisers.curves._carryover`). Because the adstock is
normalised, a spend held at :math:`x` gives :math:`A = x`, so :math:`v_c` is
the weekly value of a steady spend: the curve the allocator optimises.

**Estimation.** In units of each channel's largest spend and value, with weakly
informative priors (:data:`~leadlever.optimisers.curves._estimate.PRIOR`:
half-saturation near the spends tried, mild S-shapes) and noise variance growing
with the expected value (like counts):

1. a grid over :math:`(\lambda, \phi)` (9 carry-over rates 0-0.8, and for Hill
   28 half-saturations from 0.05x to 5x the largest spend x 11 shapes 0.5-3)
   with the scale conjugate (:mod:`~leadlever.optimisers.curves._posterior`)
   gives each channel's exact grid posterior given :math:`m`; :math:`m` is
   re-estimated by weighted least squares from every channel's best grid curve,
   three times;
2. each channel's best grid point is polished to the posterior mode (least
   squares with the priors as pseudo-observations, carry-over up to 0.9), then
   all channels and :math:`m` are polished together (sparse Jacobian), then each
   channel again given the final :math:`m`: the point curve, its :math:`R^2`,
   Gauss-Newton standard errors and which parameters sit on a bound (exact on
   noiseless data);
3. the final grid posterior gives ``n_draws`` draws per channel of
   :math:`(s, \phi, \lambda)`: the uncertainty the decision carries.

Diagnostics then give each channel a verdict
(:mod:`~leadlever.optimisers.curves._diagnostics`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import ParameterError
from leadlever.optimisers.curves._carryover import geometric_adstock, time_design, time_effect
from leadlever.optimisers.curves._diagnostics import (
    ENDED_WEEKS,
    MIN_OBSERVATIONS,
    ChannelEvidence,
    judge,
    weekly_assumptions,
)
from leadlever.optimisers.curves._estimate import (
    BOUND_TOL,
    CARRYOVER_GRID,
    GRIDS,
    LINEAR,
    VARIANCE_POWER,
    fit_time,
    joint,
    log_prior,
    polish,
    posterior_mean_curve,
    start_of,
    variance_weights,
)
from leadlever.optimisers.curves._export import ChannelHistory, read_history
from leadlever.optimisers.curves._family import CURVE_KINDS
from leadlever.optimisers.curves._leads import lead_model, lead_notes
from leadlever.optimisers.curves._posterior import draw_from_posterior, scale_posterior
from leadlever.optimisers.curves._result import (
    CurveDraws,
    CurveFitResult,
    FittedCurve,
    TimeEffect,
)
from leadlever.optimisers.exceptions import CurveFitError

__all__ = ["WeeklyCurveModel", "fit_curves"]

#: alternations between the channels' grids and the time effect
_ROUNDS = 3
#: weeks of history needed for a trend, one and two yearly harmonics
_TREND_WEEKS, _SEASON_WEEKS, _SEASON2_WEEKS = 26, 52, 78


class WeeklyCurveModel:
    """Fit steady-state curves with carry-over and a shared time effect (module docstring).

    Parameters
    ----------
    kind : str
        Curve kind of every channel (``hill``, ``michaelis_menten``, ``exp_saturation``,
        ``power``, ``logistic``).
    carryover : bool
        Estimate each channel's carry-over rate (else 0).
    seasonality : {"auto"} or int
        Yearly sin/cos pairs: "auto" = 2 with at least 78 weeks, 1 with 52, else 0.
    trend : {"auto"} or bool
        A log-linear trend: "auto" = with at least 26 weeks.
    n_draws : int
        Posterior draws per channel (0: none).
    current_periods : int
        Current spend = mean of the last this-many weeks (a week without a row: 0).
    ended_weeks : int
        A channel with no spend in this many weeks at the end of the history has ended:
        unidentified, so held at its current spend (0) by the allocator (0: never).
    leads : bool
        When the history counts leads next to a money value, fit each channel's value
        as leads x its value per lead (:mod:`~leadlever.optimisers.curves._leads`;
        checked per channel).
    point : {"mode", "mean"}
        The curve reported and optimised: the posterior mode (the polished fit; exact
        on noiseless data) or the posterior mean of the steady-state curve projected
        on the kind (the benchmark found them equally good; the mode is exact).
    seed : int or numpy.random.Generator
        Seed of the draws.
    """

    def __init__(
        self,
        *,
        kind: str = "hill",
        carryover: bool = True,
        seasonality: str | int = "auto",
        trend: str | bool = "auto",
        n_draws: int = 200,
        current_periods: int = 4,
        ended_weeks: int = ENDED_WEEKS,
        leads: bool = True,
        point: str = "mode",
        seed: int | np.random.Generator = 0,
    ) -> None:
        self.kind = kind
        self.carryover = carryover
        self.seasonality = seasonality
        self.trend = trend
        self.n_draws = n_draws
        self.current_periods = current_periods
        self.ended_weeks = ended_weeks
        self.leads = leads
        self.point = point
        self.seed = seed

    # ------------------------------------------------------------------ set-up
    def _check(self, hist: ChannelHistory) -> None:
        if self.kind not in GRIDS:
            raise ParameterError(
                f"Unknown curve kind {self.kind!r}. Use one of: {', '.join(GRIDS)}."
            )
        if not isinstance(self.n_draws, int) or self.n_draws < 0:
            raise ParameterError(f"n_draws must be an int >= 0. Got {self.n_draws!r}.")
        if not isinstance(self.ended_weeks, int) or self.ended_weeks < 0:
            raise ParameterError(f"ended_weeks must be an int >= 0. Got {self.ended_weeks!r}.")
        if hist.sequential and hist.n_periods < MIN_OBSERVATIONS:
            raise CurveFitError(
                f"The history has only {hist.n_periods} week{'s' if hist.n_periods != 1 else ''}; "
                f"a curve needs at least {MIN_OBSERVATIONS} weeks of spend and value per channel."
            )

    def _time_terms(self, hist: ChannelHistory) -> tuple[np.ndarray, int, bool, list[dict]]:
        t = hist.n_periods
        notes: list[dict] = []
        if not hist.sequential:
            return np.zeros((t, 0)), 0, False, notes
        if self.seasonality == "auto":
            order = 2 if t >= _SEASON2_WEEKS else 1 if t >= _SEASON_WEEKS else 0
            src = "default"
        else:
            order, src = int(self.seasonality), "option"
        trend = (t >= _TREND_WEEKS) if self.trend == "auto" else bool(self.trend)
        woy = hist.week_of_year if hist.week_of_year is not None else np.arange(t, dtype=float)
        design = time_design(woy, np.arange(t) - (t - 1), order=order, trend=trend)
        words = (
            f"{order} yearly harmonic{'s' if order != 1 else ''}" if order else "no season"
        ) + (", a trend" if trend else ", no trend")
        why = "" if src == "option" else f" (from {t} weeks of history)"
        notes.append({"name": "time effect", "value": words + why, "source": src})
        return design, order, trend, notes

    # --------------------------------------------------------------- the fit
    def fit(self, history: ChannelHistory | pd.DataFrame) -> WeeklyCurveModel:
        """Fit every channel of ``history`` (a :class:`ChannelHistory` or a table)."""
        hist = history if isinstance(history, ChannelHistory) else read_history(history)
        self._check(hist)
        cls = CURVE_KINDS[self.kind]
        design, order, trend, time_notes = self._time_terms(hist)
        lam_grid = CARRYOVER_GRID if (self.carryover and hist.sequential) else np.zeros(1)
        lm = (
            lead_model(hist.spend, hist.value, hist.leads)
            if self.leads and hist.leads is not None
            else None
        )
        x = np.nan_to_num(hist.spend)
        y = np.nan_to_num(hist.value if lm is None else lm.response(hist.value, hist.leads))
        w = (np.isfinite(hist.spend) & np.isfinite(hist.value)).astype(float)
        xmax = np.where(x.max(axis=0) > 0, x.max(axis=0), 1.0)
        ymax = np.where(np.abs(y).max(axis=0) > 0, np.abs(y).max(axis=0), 1.0)
        xs, ys = x / xmax, y / ymax
        names = list(GRIDS[self.kind])
        mesh = np.meshgrid(lam_grid, *(GRIDS[self.kind][n] for n in names), indexing="ij")
        grid = {
            "adstock": mesh[0].ravel(),
            **{n: m.ravel() for n, m in zip(names, mesh[1:], strict=True)},
        }
        lam_index = np.meshgrid(
            np.arange(lam_grid.size), *(GRIDS[self.kind][n] for n in names), indexing="ij"
        )[0].ravel()
        prior = log_prior(grid)
        bases = []
        for c in range(x.shape[1]):
            stock = np.stack([geometric_adstock(xs[:, c], lam) for lam in lam_grid])  # (L, T)
            phi = [grid[n][:, None] for n in names]
            bases.append(cls._v(stock[lam_index], 1.0, *phi))  # (G, T)
        m, coef = np.ones(x.shape[0]), np.zeros(design.shape[1])
        for _ in range(_ROUNDS if design.shape[1] else 0):
            posts = [scale_posterior(b * m, ys[:, c], w[:, c], prior) for c, b in enumerate(bases)]
            best = [int(np.argmax(p.log_post)) for p in posts]
            preds = np.column_stack(
                [p.a_mean[g] * b[g] for p, g, b in zip(posts, best, bases, strict=True)]
            )
            sig2 = np.array(
                [max(p.resid[g] / max(p.nu, 1.0), 1e-12) for p, g in zip(posts, best, strict=True)]
            )
            coef = fit_time(design, preds, ys, w / sig2)
            m = time_effect(design, coef)
        posts = [scale_posterior(b * m, ys[:, c], w[:, c], prior) for c, b in enumerate(bases)]
        if VARIANCE_POWER:
            w = w * variance_weights(posts, bases, m, w)
            posts = [scale_posterior(b * m, ys[:, c], w[:, c], prior) for c, b in enumerate(bases)]
        with_ad = lam_grid.size > 1
        fcs = []
        for c, post in enumerate(posts):
            g0 = int(np.argmax(post.log_post))
            start = {"scale": max(float(post.a_mean[g0]), 1e-9), **{n: grid[n][g0] for n in grid}}
            fcs.append(polish(cls, xs[:, c], ys[:, c], w[:, c], m, start, names, with_ad))
        if design.shape[1]:
            coef, fcs = joint(cls, design, coef, fcs, xs, ys, w, names, with_ad)
            m = time_effect(design, coef)
            fcs = [
                polish(cls, xs[:, c], ys[:, c], w[:, c], m, start_of(fc), names, with_ad)
                for c, fc in enumerate(fcs)
            ]
        posts = [scale_posterior(b * m, ys[:, c], w[:, c], prior) for c, b in enumerate(bases)]
        rng = (
            self.seed
            if isinstance(self.seed, np.random.Generator)
            else np.random.default_rng(self.seed)
        )
        fitted, draw_params = [], {n: [] for n in (*cls.param_names, "adstock")}
        factors = (
            lm.scale_factors(rng, self.n_draws)
            if lm is not None and self.n_draws
            else np.ones((self.n_draws, len(fcs)))
        )
        for c, fc in enumerate(fcs):
            post = posts[c]
            if self.n_draws:
                idx, scales = draw_from_posterior(post, rng, self.n_draws)
                scales = scales * factors[:, c]
                raw = {"scale": np.maximum(scales, 1e-12), **{n: grid[n][idx] for n in names}}
                back = cls._rescale(
                    tuple(raw[n] for n in cls.param_names), 1.0 / xmax[c], 1.0 / ymax[c]
                )
                for n, v in zip(cls.param_names, back, strict=True):
                    draw_params[n].append(np.asarray(v, float) * np.ones(self.n_draws))
                draw_params["adstock"].append(grid["adstock"][idx])
            fitted.append((fc, c))
        draws = (
            CurveDraws(
                tuple(hist.channels),
                self.kind,
                {k: np.column_stack(v) for k, v in draw_params.items()},
            )
            if self.n_draws
            else None
        )
        mask = (np.isfinite(hist.spend) & np.isfinite(hist.value)).astype(float)
        curves = [
            self._finish(cls, fc, c, hist, x, y, mask, xmax, ymax, m, draws, lm) for fc, c in fitted
        ]
        self.history_ = hist
        self.time_effect_ = TimeEffect(
            order,
            trend,
            tuple(float(v) for v in coef),
            None
            if not hist.sequential
            else float(
                (
                    hist.week_of_year
                    if hist.week_of_year is not None
                    else np.arange(hist.n_periods, dtype=float)
                )[-1]
            ),
        )
        self.draws_ = draws
        notes = [
            f"{q}: {sum(c.quality == q for c in curves)}"
            for q in ("trusted", "weak", "unidentified")
        ]
        self.result_ = CurveFitResult(
            tuple(curves),
            self.kind,
            ("channels " + ", ".join(notes),),
            (
                *hist.assumptions,
                *time_notes,
                *weekly_assumptions(self, hist.sequential),
                *lead_notes(hist.channels, lm),
            ),
            self.time_effect_ if hist.sequential else None,
            draws,
            hist.n_periods,
            hist.sequential,
        )
        return self

    def _finish(
        self, cls, fc: dict, c: int, hist, x, y, w, xmax, ymax, m, draws, lm
    ) -> FittedCurve:
        obs = w[:, c] > 0  # weeks with a row
        active = obs & (x[:, c] > 0)  # ... and a positive spend
        yc, xa = y[obs, c], x[active, c]
        idle, last_spend = 0, ""
        if hist.sequential and active.any():
            last = int(np.flatnonzero(active)[-1])
            idle, last_spend = hist.n_periods - 1 - last, str(hist.periods[last])
        curve = cls(
            *cls._rescale(
                tuple(fc["params"][n] for n in cls.param_names), 1.0 / xmax[c], 1.0 / ymax[c]
            )
        )
        lam = fc["adstock"]
        if draws is not None and self.point == "mean":
            curve = posterior_mean_curve(self.kind, draws, hist.channels[c], xmax[c], curve)
        stock = geometric_adstock(x[:, c], lam) if hist.sequential else x[:, c]
        pred = m * curve.value(stock)
        ssr = float(np.sum(w[:, c] * (y[:, c] - pred) ** 2))
        sst = float(np.sum((yc - yc.mean()) ** 2)) if yc.size else 0.0
        r2 = 1.0 - ssr / sst if sst > 0 else float("nan")
        current = float(hist.current_spend(self.current_periods)[c])
        norm = fc["params"]
        mode = cls._rescale(tuple(norm[n] for n in cls.param_names), 1.0 / xmax[c], 1.0 / ymax[c])
        stderr = {
            n: float(
                fc["se"][n] * (xmax[c] if n in LINEAR else abs(v / norm[n]) if norm[n] else np.nan)
            )
            for n, v in zip(cls.param_names, mode, strict=True)
        }
        mroi = None
        if draws is not None:
            d = draws.select([hist.channels[c]]).derivatives([max(current, 1e-12)])[:, 0]
            mroi = tuple(float(v) for v in np.quantile(d, [0.05, 0.5, 0.95]))
        ev = ChannelEvidence(
            n=int(active.sum()),
            distinct_spends=int(np.unique(xa).size),
            min_spend=float(xa.min()) if xa.size else 0.0,
            max_spend=float(xa.max()) if xa.size else 0.0,
            any_value=bool(np.any(yc != 0)),
            r2=r2,
            at_bound=fc["at_bound"],
            missing_se=tuple(
                n
                for n, v in fc["se"].items()
                if not np.isfinite(v) and not (n == "adstock" and lam <= BOUND_TOL)
            ),
            mroi_interval=mroi,
            failed=fc["failed"],
            period_word="weeks" if hist.sequential else "observations",
            response_word="leads" if lm is not None and lm.used[c] else "value",
            idle=idle,
            last_spend=last_spend,
            ended_after=self.ended_weeks if hist.sequential else 0,
        )
        quality, reasons = judge(ev)
        if ev.ended:  # no spend in the last weeks: today's spend is 0, whatever the mean says
            current = 0.0
        return FittedCurve(
            channel=hist.channels[c],
            curve=curve,
            stderr={**stderr, "adstock": float(fc["se"].get("adstock", np.nan))},
            r2=r2,
            rmse=float(np.sqrt(ssr / max(obs.sum(), 1))),
            n=int(obs.sum()),
            max_observed_spend=float(xa.max()) if xa.size else 0.0,
            current_spend=current,
            adstock=float(lam),
            carryover_state=float(stock[-1]) if hist.sequential else current,
            min_observed_spend=float(xa.min()) if xa.size else 0.0,
            quality=quality,
            reasons=reasons,
            response="leads" if lm is not None and lm.used[c] else "value",
            value_per_lead=float(lm.value_per_lead[c]) if lm is not None else float("nan"),
        )


def fit_curves(
    history: pd.DataFrame | ChannelHistory,
    *,
    kind: str = "hill",
    carryover: bool = True,
    seasonality: str | int = "auto",
    trend: str | bool = "auto",
    n_draws: int = 200,
    current_periods: int = 4,
    ended_weeks: int = ENDED_WEEKS,
    leads: bool | str = True,
    point: str = "mode",
    seed: int | np.random.Generator = 0,
    source: str | None = None,
    **columns: Any,
) -> CurveFitResult:
    """Fit one steady-state curve per channel with carry-over, time effect and draws.

    ``history`` is a table as any ad platform exports it (see
    :func:`~leadlever.optimisers.curves._export.read_history`, whose column
    options ``period``, ``channel``, ``spend``, ``value``, ``value_per_lead``
    are passed through) or a :class:`ChannelHistory`. ``leads``: ``True`` fits value
    as leads x value per lead when the table has a leads column (found by name), a
    column name names it, ``False`` fits the value alone. See
    :class:`WeeklyCurveModel` for the other parameters.
    """
    if isinstance(leads, str):
        columns["leads"] = leads
    hist = (
        history
        if isinstance(history, ChannelHistory)
        else read_history(history, source=source, **columns)
    )
    model = WeeklyCurveModel(
        kind=kind,
        carryover=carryover,
        seasonality=seasonality,
        trend=trend,
        n_draws=n_draws,
        current_periods=current_periods,
        ended_weeks=ended_weeks,
        leads=bool(leads),
        point=point,
        seed=seed,
    )
    return model.fit(hist).result_
