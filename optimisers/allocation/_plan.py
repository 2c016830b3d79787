r"""Plans over weeks: spread spend over the coming weeks and channels, with carry-over and season.

For weeks :math:`w = 1..W` and channels :math:`c`, with the fitted carry-over
:math:`\lambda_c`, the adstock carried in from the history :math:`A_{c,0}`
(``carryover_state``), the forecast time effect :math:`m_w` (trend and season of
the fit) and the steady-state curves :math:`v_c`:

.. math::

    \max_{x \ge 0} \sum_{w=1}^{W+L} \sum_c m_w\, v_c(A_{cw}), \qquad
    A_{cw} = \lambda_c A_{c,w-1} + (1 - \lambda_c) x_{cw},

subject to the budget (a total :math:`\sum_{cw} x_{cw} = B`, or one budget per
week), an optional cap on each week's total, and the evidence caps of
:func:`~leadlever.optimisers.allocation.recommend` on every channel-week
(untrusted channels held as there: near or at their current spend). The :math:`L` weeks after the
plan count the carry-over of its spend as if nothing more were spent (so late
spend is not undervalued). Solved by SLSQP with the exact gradient

.. math:: \frac{\partial}{\partial x_{cw}} = (1 - \lambda_c) \sum_{u \ge w}
          \lambda_c^{u-w} m_u v_c'(A_{cu}),

from several starts (today's split each week, the one-week recommendation each
week), keeping the best. **Minimum spend for a target**: the value of the best
plan grows with the total budget, so bisection on the total finds the smallest
budget whose best plan reaches the target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leadlever.optimisers.allocation._allocator import allocate
from leadlever.optimisers.curves._carryover import geometric_adstock
from leadlever.optimisers.curves._stack import CurveStack
from leadlever.optimisers.exceptions import (
    ConvergenceError,
    InfeasibleRequirementError,
    OptimiserError,
)

__all__ = ["PlanResult", "plan_weeks", "TAIL_WEEKS"]

#: weeks after the plan over which its carry-over is counted
TAIL_WEEKS = 12
#: marginal values above this (per unit, in the curves' units) are treated as this
_MAX_SLOPE = 1e12
#: relative slack of a budget constraint for a solution to count as feasible
_FEASIBLE = 1e-6
#: relative rounding allowed when budgets are compared with caps and holds
_ROUNDING = 1e-9
#: SLSQP's tolerance on the (scaled) objective
_SLSQP_FTOL = 1e-12
#: floor of divisors
_TINY = 1e-12


@dataclass(frozen=True)
class PlanResult:
    """Spend per week and channel, its value (with an interval) and what limited it."""

    channels: tuple[str, ...]
    spend: np.ndarray  # (weeks, channels)
    value_by_week: np.ndarray
    value: float
    baseline_value: float
    value_interval: tuple[float, float] | None
    budget: float
    caps: np.ndarray
    held: tuple[str, ...]
    held_why: tuple[str, ...] = ()
    target: float | None = None
    target_reached: bool | None = None
    assumptions: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def weeks(self) -> int:
        return int(self.spend.shape[0])

    @property
    def total_spend(self) -> float:
        return float(self.spend.sum())

    def headline(self) -> str:
        text = (
            f"Plan for {self.weeks} weeks: spend {self.total_spend:,.0f}, value {self.value:,.0f} "
            f"(today's split every week: {self.baseline_value:,.0f}, "
            f"{self.value - self.baseline_value:+,.0f})"
        )
        if self.value_interval is not None:
            text += f"; 90% interval {self.value_interval[0]:,.0f} to {self.value_interval[1]:,.0f}"
        if self.target is not None:
            text += (
                f". Smallest total reaching the target {self.target:,.0f}: {self.total_spend:,.0f}"
                if self.target_reached
                else f". The target {self.target:,.0f} is out of reach within the evidence caps"
            )
        return text + "."

    def to_frame(self, *, wide: bool = False) -> pd.DataFrame:
        if wide:
            frame = pd.DataFrame(self.spend, columns=list(self.channels))
            frame.insert(0, "week", np.arange(1, self.weeks + 1))
            frame["total"] = self.spend.sum(axis=1)
            frame["value"] = self.value_by_week[: self.weeks]
            return frame
        return pd.DataFrame(
            {
                "week": np.repeat(np.arange(1, self.weeks + 1), len(self.channels)),
                "channel": np.tile(np.array(self.channels, dtype=object), self.weeks),
                "spend": self.spend.ravel(),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "weeks": self.weeks,
            "channels": list(self.channels),
            "plan": [
                {"week": w + 1, **dict(zip(self.channels, map(float, row), strict=True))}
                for w, row in enumerate(self.spend)
            ],
            "spend_by_week": self.spend.sum(axis=1).tolist(),
            "total_spend": self.total_spend,
            "budget": self.budget,
            "value": self.value,
            "value_by_week": self.value_by_week[: self.weeks].tolist(),
            "value_after_plan": float(self.value_by_week[self.weeks :].sum()),
            "baseline_value": self.baseline_value,
            "uplift": self.value - self.baseline_value,
            "value_interval": None if self.value_interval is None else list(self.value_interval),
            "caps": dict(zip(self.channels, map(float, self.caps), strict=True)),
            "held": list(self.held),
            "held_why": dict(zip(self.held, self.held_why, strict=False)),
            "target": self.target,
            "target_reached": self.target_reached,
            "assumptions": [dict(a) for a in self.assumptions],
            "notes": list(self.notes),
        }


class _Model:
    """Value and gradient of a plan (see the module docstring)."""

    def __init__(self, curves, lam, state, m, weeks):
        self.stack = CurveStack(curves)
        self.lam, self.state, self.m, self.weeks = lam, state, m, weeks
        self.horizon = m.size

    def stocks(self, x: np.ndarray) -> np.ndarray:
        full = np.zeros((self.horizon, x.shape[1]))
        full[: self.weeks] = x
        return geometric_adstock(full, self.lam, initial=self.state)

    def value_by_week(self, x: np.ndarray) -> np.ndarray:
        a = self.stocks(x)
        return self.m * np.array([self.stack.value(row).sum() for row in a])

    def value_and_grad(self, flat: np.ndarray) -> tuple[float, np.ndarray]:
        x = flat.reshape(self.weeks, -1)
        a = self.stocks(x)
        vals = np.array([self.stack.value(row) for row in a])
        der = np.array([self.stack.derivative(row) for row in a]) * self.m[:, None]
        der = np.minimum(der, _MAX_SLOPE)  # infinite at zero spend for shapes below 1
        # reverse recursion: g_w = (1 - lam) * sum_{u >= w} lam^(u-w) m_u v'(A_u)
        acc = np.zeros(x.shape[1])
        grad = np.zeros((self.horizon, x.shape[1]))
        for u in range(self.horizon - 1, -1, -1):
            acc = der[u] + self.lam * acc
            grad[u] = (1.0 - self.lam) * acc
        return float((self.m[:, None] * vals).sum()), grad[: self.weeks].ravel()


def _solve(model: _Model, lo, hi, week_budgets, total, max_week, starts) -> np.ndarray:
    from scipy.optimize import minimize

    w, c = model.weeks, lo.size
    bounds = [
        (a, b if np.isfinite(b) else None)
        for a, b in zip(np.tile(lo, w), np.tile(hi, w), strict=True)
    ]
    cons = []
    rows = np.kron(np.eye(w), np.ones(c))
    if week_budgets is not None:
        cons.append({"type": "eq", "fun": lambda f: rows @ f - week_budgets, "jac": lambda f: rows})
    else:
        cons.append(
            {"type": "eq", "fun": lambda f: f.sum() - total, "jac": lambda f: np.ones(f.size)}
        )
        if max_week is not None:
            cons.append(
                {"type": "ineq", "fun": lambda f: max_week - rows @ f, "jac": lambda f: -rows}
            )
    scale = max(abs(model.value_and_grad(starts[0].ravel())[0]), _TINY)
    best, best_val = None, -np.inf
    for x0 in starts:
        res = minimize(
            lambda f: tuple(-v / scale for v in model.value_and_grad(f)),
            x0.ravel(),
            jac=True,
            method="SLSQP",
            bounds=bounds,
            constraints=cons,
            options={"maxiter": 500, "ftol": _SLSQP_FTOL},
        )
        cand = np.clip(res.x, np.tile(lo, w), np.tile(hi, w))
        val = model.value_and_grad(cand)[0]
        feasible = all(
            np.all(np.abs(k["fun"](cand)) <= _FEASIBLE * max(total or 1, 1))
            if k["type"] == "eq"
            else np.all(k["fun"](cand) >= -_FEASIBLE * max(total or 1, 1))
            for k in cons
        )
        if feasible and val > best_val:
            best, best_val = cand, val
    if best is None:
        raise ConvergenceError(
            "The plan's optimiser found no split meeting the budgets and caps from any start; "
            "check the weekly budgets against the channels' caps."
        )
    return best.reshape(w, c)


def plan_weeks(
    names: list[str],
    curves: list[Any],
    *,
    weeks: int,
    current_spend: np.ndarray,
    adstock: np.ndarray,
    carryover_state: np.ndarray,
    time_effect: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    budget: float | None = None,
    weekly: list[float] | None = None,
    max_week: float | None = None,
    draws: Any = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """The best plan (weeks x channels) and its values (see the module docstring)."""
    cur = np.asarray(current_spend, float)
    lo, hi = np.asarray(lower, float), np.asarray(upper, float)
    model = _Model(
        curves, np.asarray(adstock, float), np.asarray(carryover_state, float), time_effect, weeks
    )
    week_budgets = None if weekly is None else np.asarray(weekly, float)
    total = float(week_budgets.sum()) if week_budgets is not None else float(budget)
    per_week = week_budgets if week_budgets is not None else np.full(weeks, total / weeks)
    if np.any(per_week > hi.sum() * (1 + _ROUNDING)) and week_budgets is not None:
        raise InfeasibleRequirementError(
            f"A weekly budget of {per_week.max():,.0f} exceeds what the evidence supports in one week "
            f"({hi.sum():,.0f}: every channel at its cap). Lower it, raise --margin or pass --extrapolate.",
            "budget_above_max",
        )
    if total > hi.sum() * weeks * (1 + _ROUNDING) or (
        max_week is not None and total > max_week * weeks * (1 + _ROUNDING)
    ):
        raise InfeasibleRequirementError(
            f"The total {total:,.0f} cannot be spent in {weeks} weeks within the caps "
            f"({min(hi.sum(), max_week or np.inf) * weeks:,.0f} at most). Lower it or plan more weeks.",
            "budget_above_max",
        )
    if np.any(per_week < lo.sum() * (1 - _ROUNDING)):
        raise InfeasibleRequirementError(
            f"The held channels need {lo.sum():,.0f} a week, more than the weekly budget "
            f"{per_week.min():,.0f}. Raise the budget or let them move (--untrusted free).",
            "budget_below_min",
        )
    base_share = cur / cur.sum() if cur.sum() > 0 else np.full(cur.size, 1 / cur.size)
    starts = [np.clip(np.outer(per_week, base_share), lo, hi)]
    for wb in np.unique(per_week):  # the one-week optimum, every week
        try:
            one = allocate(curves, float(wb), min_spend=lo, max_spend=hi).spend
        except OptimiserError:
            continue
        starts.append(np.tile(one, (weeks, 1)) * (per_week[:, None] / max(wb, _TINY)))
    x = _solve(model, lo, hi, week_budgets, total, max_week, starts)
    base = np.clip(np.outer(per_week, base_share), lo, hi)
    info = {
        "value_by_week": model.value_by_week(x),
        "value": float(model.value_by_week(x).sum()),
        "baseline_value": float(model.value_by_week(base).sum()),
        "total": total,
        "interval": None,
    }
    if draws is not None:
        vals = []
        cls_curves = draws
        for d in range(cls_curves.n):
            dc = [
                type(curves[i])(
                    *(float(cls_curves.params[n][d, i]) for n in type(curves[i]).param_names)
                )
                for i in range(len(curves))
            ]
            lam_d = cls_curves.params["adstock"][d]
            vals.append(
                _Model(dc, lam_d, carryover_state, time_effect, weeks).value_by_week(x).sum()
            )
        info["interval"] = tuple(float(v) for v in np.quantile(vals, [0.05, 0.95]))
    return x, info
