r"""Budget allocation across channels: exact for concave curves, global otherwise.

:func:`allocate` maximises :math:`\sum_i v_i(x_i)` (or profit
:math:`\sum_i v_i(x_i) - x_i`) over spend :math:`x` subject to the budget,
per-channel bounds, locks and linear group limits. Method:

* all curves concave, no groups: the KKT conditions solved exactly
  (:mod:`leadlever.optimisers.allocation._kkt`);
* some curve S-shaped or convex, no groups: dynamic programming on a grid, then
  an exact KKT polish on the concave branches (:mod:`leadlever.optimisers.allocation._global`);
* group constraints: a piecewise-linear LP/MILP solved by HiGHS, then SLSQP.

The problem is solved in normalised units (spend / budget, value / a value
scale) and mapped back, so scaling spend or value by any factor scales the
answer and nothing else. Every answer carries a :class:`Certificate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leadlever.optimisers.allocation._constraints import (
    GroupConstraint,
    check_feasible,
    group_matrix,
    resolve_bounds,
)
from leadlever.optimisers.allocation._global import (
    dp_allocate,
    polish_on_concave_branch,
    pwl_allocate,
)
from leadlever.optimisers.allocation._kkt import solve_kkt
from leadlever.optimisers.allocation._objectives import Objective, objective_value, parse_objective
from leadlever.optimisers.curves._family import Curve
from leadlever.optimisers.curves._stack import CurveStack
from leadlever.optimisers.exceptions import (
    ExtrapolationError,
    InfeasibleRequirementError,
    OptimiserError,
)

__all__ = ["AllocatorSettings", "Certificate", "Allocation", "allocate", "unpack_curves"]


@dataclass(frozen=True)
class AllocatorSettings:
    """Solver settings (defaults suit budgets of a few to 10,000 channels).

    Parameters
    ----------
    grid_points : int
        Budget units of the dynamic programme for non-concave curves.
    pwl_segments : int
        Chords per curve in the piecewise-linear programme (group constraints).
    max_iter : int
        Bisection steps allowed for the KKT multiplier.
    max_extrapolation : float
        Fitted curves are trusted up to this multiple of the largest spend
        they were fitted on; spend beyond it is refused ...
    allow_extrapolation : bool
        ... unless this is True.
    """

    grid_points: int = 1000
    pwl_segments: int = 60
    max_iter: int = 200
    max_extrapolation: float = 2.0
    allow_extrapolation: bool = False


@dataclass(frozen=True)
class Certificate:
    """Evidence that an allocation is optimal and feasible.

    Attributes
    ----------
    budget_residual : float
        Budget minus total spend (0 when the budget is spent exactly; the
        unspent part under the profit objective).
    mroi_spread : float
        (max - min) / mean marginal return across channels strictly inside
        their bounds (0 at an exact KKT point; may be > 0 with group limits).
    active_bounds : dict
        Channel -> ``"min"``, ``"max"`` or ``"locked"`` for channels at a bound.
    multiplier : float
        The common marginal return of interior channels (NaN if none).
    method : str
        ``kkt``, ``dp+kkt``, ``pwl-lp+slsqp``, ...
    iterations : int
    """

    budget_residual: float
    mroi_spread: float
    active_bounds: dict[str, str]
    multiplier: float
    method: str
    iterations: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "budget_residual": self.budget_residual,
            "mroi_spread": self.mroi_spread,
            "active_bounds": dict(self.active_bounds),
            "multiplier": self.multiplier,
            "method": self.method,
            "iterations": self.iterations,
        }


@dataclass(frozen=True)
class Allocation:
    """Spend per channel with its value, objective and certificate."""

    channels: tuple[str, ...]
    spend: tuple[float, ...]
    values: tuple[float, ...]
    marginal_returns: tuple[float, ...]
    budget: float
    objective_name: str
    objective: float
    certificate: Certificate
    current_spend: tuple[float, ...] | None = None
    current_values: tuple[float, ...] | None = None
    baseline_objective: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total_spend(self) -> float:
        return float(np.sum(self.spend))

    @property
    def total_value(self) -> float:
        return float(np.sum(self.values))

    @property
    def uplift(self) -> float | None:
        return None if self.baseline_objective is None else self.objective - self.baseline_objective

    def as_series(self) -> pd.Series:
        return pd.Series(self.spend, index=list(self.channels), name="spend")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "allocation": dict(zip(self.channels, self.spend, strict=True)),
            "objective": self.objective,
            "objective_name": self.objective_name,
            "budget": self.budget,
            "total_spend": self.total_spend,
            "total_value": self.total_value,
            "certificate": self.certificate.to_dict(),
        }
        if self.baseline_objective is not None:
            out["baseline_objective"] = self.baseline_objective
            out["uplift"] = self.uplift
            base = abs(self.baseline_objective)
            out["uplift_relative"] = self.uplift / base if base > 0 else None
        return out

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(
            {
                "channel": list(self.channels),
                "spend": self.spend,
                "value": self.values,
                "marginal_return": self.marginal_returns,
                "bound": [self.certificate.active_bounds.get(c, "") for c in self.channels],
            }
        )
        if self.current_spend is not None:
            frame["current_spend"] = self.current_spend
            frame["current_value"] = self.current_values
            frame["spend_change"] = frame["spend"] - frame["current_spend"]
        return frame


def unpack_curves(curves: Any, names: Sequence[str] | None = None):
    """Names, curves and trusted spend limits from the accepted curve inputs.

    Accepts a sequence of curves, a mapping name -> curve, or fitted curves
    (objects with ``.curve`` and ``.max_observed_spend``).
    """
    if isinstance(curves, CurveStack):
        curves = list(curves.curves)
    if isinstance(curves, Mapping):
        names = list(curves) if names is None else list(names)
        items = [curves[n] for n in names]
    else:
        items = list(curves)
        names = (
            [f"channel_{i}" for i in range(len(items))]
            if names is None
            else [str(n) for n in names]
        )
    if len(names) != len(items):
        raise OptimiserError(f"Got {len(items)} curves but {len(names)} names.")
    if not items:
        raise OptimiserError("No curves to allocate over; give at least one channel.")
    if len(set(names)) != len(names):
        raise OptimiserError("Channel names must be unique.")
    plain, trusted = [], np.full(len(items), np.inf)
    for i, c in enumerate(items):
        if hasattr(c, "curve") and hasattr(c, "max_observed_spend"):
            trusted[i] = float(c.max_observed_spend)
            c = c.curve
        if not isinstance(c, Curve):
            raise OptimiserError(f"Channel '{names[i]}': expected a Curve, got {type(c).__name__}.")
        plain.append(c)
    return list(names), plain, trusted


def _bounds_with_trust(lo, hi, trusted, names, settings: AllocatorSettings):
    if settings.allow_extrapolation or not np.isfinite(trusted).any():
        return hi, None
    cap = trusted * settings.max_extrapolation
    capped = [names[i] for i in np.flatnonzero(cap < hi)]
    return np.minimum(hi, cap), capped


def _certificate(stack, x, lo, hi, budget, names, locked, lam, method, iters, scale) -> Certificate:
    tol = 1e-9 * scale
    g = stack.derivative(x)
    interior = (x > lo + tol) & (x < hi - tol) & np.isfinite(g)
    spread = 0.0
    if interior.sum() >= 2:
        gi = g[interior]
        spread = float((gi.max() - gi.min()) / max(abs(gi.mean()), 1e-300))
    active: dict[str, str] = {}
    for i, name in enumerate(names):
        if name in locked:
            active[name] = "locked"
        elif x[i] <= lo[i] + tol:
            active[name] = "min"
        elif x[i] >= hi[i] - tol:
            active[name] = "max"
    return Certificate(float(budget - x.sum()), spread, active, float(lam), method, int(iters))


def allocate(
    curves: Any,
    budget: float,
    *,
    names: Sequence[str] | None = None,
    objective: str | Objective = "value",
    current_spend: Any = None,
    min_spend: Any = None,
    max_spend: Any = None,
    min_relative: Any = None,
    max_relative: Any = None,
    locked: Sequence[str] = (),
    groups: Sequence[GroupConstraint] = (),
    settings: AllocatorSettings | None = None,
) -> Allocation:
    r"""Optimal spend per channel.

    Parameters
    ----------
    curves : sequence or mapping of Curve (or fitted curves)
    budget : float
        Spent exactly (``objective="value"``) or a cap (``"profit"``).
    names : sequence of str, optional
    objective : {"value", "profit"}
    current_spend : array-like, optional
        Today's plan: the baseline of ``uplift``, the base of relative bounds
        and of locks, and a starting point the answer is never worse than.
    min_spend, max_spend : float or array-like, optional
    min_relative, max_relative : float or array-like, optional
        Bounds as multiples of ``current_spend``.
    locked : sequence of str
        Channels kept at their current spend.
    groups : sequence of GroupConstraint
    settings : AllocatorSettings, optional

    Raises
    ------
    InfeasibleRequirementError
        Bounds, groups and budget conflict (the message names the conflict).
    ExtrapolationError
        The budget needs spend beyond the fitted curves' trusted range.
    ConvergenceError
        A solver did not converge (never a silent starting point).
    """
    settings = settings or AllocatorSettings()
    obj = parse_objective(objective)
    names, plain, trusted = unpack_curves(curves, names)
    budget = float(budget)
    lo, hi = resolve_bounds(
        names,
        min_spend=min_spend,
        max_spend=max_spend,
        current_spend=current_spend,
        min_relative=min_relative,
        max_relative=max_relative,
        locked=locked,
    )
    hi, capped = _bounds_with_trust(lo, hi, trusted, names, settings)
    try:
        check_feasible(names, lo, hi, budget, groups=groups, exact_budget=obj is Objective.VALUE)
    except InfeasibleRequirementError as exc:
        if capped and exc.conflict in ("budget_above_max", "group_above_max", "groups_jointly"):
            raise ExtrapolationError(
                f"{exc} The maximums include the fitted curves' trusted range ({settings.max_extrapolation:g}x "
                f"the largest spend observed) for {', '.join(capped)}: allocating more would extrapolate "
                "the curves far beyond the data. Lower the budget, or allow extrapolation explicitly "
                "(allow_extrapolation=True, or a max_spend column in the curves file)."
            ) from None
        raise
    a = budget if budget > 0 else max(float(np.sum(hi[np.isfinite(hi)])), 1.0)
    base_stack = CurveStack(plain)
    probe = np.clip(np.full(len(plain), budget / len(plain)), lo, hi)
    b = (
        float(base_stack.value(probe).sum())
        or float(base_stack.value(np.maximum(hi, a)).sum())
        or 1.0
    )
    stack = base_stack.rescaled(a, b)
    lo_n, hi_n, bud_n = lo / a, hi / a, budget / a
    price = a / b if obj is Objective.PROFIT else None
    cur_n = None
    if current_spend is not None:
        cur_n = np.asarray(current_spend, dtype=float) / a
    if groups:
        rows, glo, ghi = group_matrix(names, groups, budget)
        sol = pwl_allocate(
            stack,
            lo_n,
            hi_n,
            bud_n,
            rows,
            glo / a,
            ghi / a,
            segments=settings.pwl_segments,
            spend_price=price,
        )
        x_n, lam, method, iters = sol.x, sol.multiplier, sol.method, sol.iterations
    elif stack.is_concave.all():
        x_n, lam, method, iters = _concave(stack, lo_n, hi_n, bud_n, price, settings)
    else:
        x_dp = dp_allocate(stack, lo_n, hi_n, bud_n, grid=settings.grid_points, spend_price=price)
        sol = polish_on_concave_branch(stack, x_dp, lo_n, hi_n, bud_n, spend_price=price)
        if cur_n is not None and _feasible(cur_n, lo_n, hi_n, bud_n, price):
            alt = polish_on_concave_branch(stack, cur_n, lo_n, hi_n, bud_n, spend_price=price)
            if _score(stack, alt.x, price) > _score(stack, sol.x, price):
                sol = alt
        x_n, lam, method, iters = sol.x, sol.multiplier, sol.method, sol.iterations
    x = x_n * a
    values = base_stack.value(x)
    total = objective_value(values, x, obj)
    baseline = cur_values = None
    if current_spend is not None:
        cur = np.asarray(current_spend, dtype=float)
        cur_values = base_stack.value(cur)
        baseline = objective_value(cur_values, cur, obj)
    cert = _certificate(
        base_stack,
        x,
        lo,
        hi,
        budget,
        names,
        set(locked),
        lam * b / a,
        method,
        iters,
        max(budget, 1e-300),
    )
    return Allocation(
        channels=tuple(names),
        spend=tuple(float(v) for v in x),
        values=tuple(float(v) for v in values),
        marginal_returns=tuple(float(v) for v in base_stack.derivative(x)),
        budget=budget,
        objective_name=obj.value,
        objective=total,
        certificate=cert,
        current_spend=None
        if current_spend is None
        else tuple(float(v) for v in np.asarray(current_spend, float)),
        current_values=None if cur_values is None else tuple(float(v) for v in cur_values),
        baseline_objective=baseline,
    )


def _score(stack: CurveStack, x: np.ndarray, price: float | None) -> float:
    return float(stack.value(x).sum() - (price * x.sum() if price is not None else 0.0))


def _feasible(x, lo, hi, budget, price) -> bool:
    if x.shape != lo.shape or np.any(x < lo - 1e-12) or np.any(x > hi + 1e-12):
        return False
    return (
        x.sum() <= budget * (1 + 1e-12)
        if price is not None
        else abs(x.sum() - budget) <= 1e-9 * budget
    )


def _concave(stack, lo, hi, budget, price, settings):
    if price is not None:
        x = np.clip(stack.inverse_derivative(price), lo, hi)
        if x.sum() <= budget:
            return x, price, "kkt", 0
    sol = solve_kkt(stack, lo, hi, budget, max_iter=settings.max_iter)
    return sol.x, sol.multiplier, "kkt", sol.iterations
