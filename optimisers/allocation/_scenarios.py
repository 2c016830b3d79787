r"""Budget scenarios built on :func:`leadlever.optimisers.allocation._allocator.allocate`.

With :math:`V^*(B)` the best value at budget :math:`B` (the *frontier*),
average ROI :math:`V^*(B) / B` and marginal ROI :math:`dV^*/dB = \lambda(B)`
(the KKT multiplier):

* :func:`max_value` — :math:`\max V` at a fixed budget;
* :func:`max_profit` — :math:`\max V - \text{spend}` with the budget as a cap;
* :func:`spend_for_average_roi` — the largest :math:`B` with :math:`V^*(B)/B \ge r`;
* :func:`spend_for_marginal_roi` — the :math:`B` where :math:`\lambda(B) = r`;
* :func:`min_spend_for_value` — the smallest :math:`B` with :math:`V^*(B) \ge V`;
* :func:`frontier` — :math:`V^*(B)` on a list of budgets.

ROI here is value per unit of spend (value / spend), the same ratio as the
leads' expected ROI (commission / cost).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from leadlever.optimisers.allocation._allocator import Allocation, allocate, unpack_curves
from leadlever.optimisers.curves._stack import CurveStack
from leadlever.optimisers.exceptions import InfeasibleRequirementError, OptimiserError

__all__ = [
    "max_value",
    "max_profit",
    "spend_for_average_roi",
    "spend_for_marginal_roi",
    "min_spend_for_value",
    "frontier",
    "Frontier",
]


def _tag(alloc: Allocation, scenario: str, **info: Any) -> Allocation:
    return replace(alloc, extra={"scenario": scenario, **info})


def max_value(curves: Any, budget: float, **kwargs: Any) -> Allocation:
    """Maximise value spending exactly ``budget`` (see :func:`allocate` for kwargs)."""
    return _tag(allocate(curves, budget, objective="value", **kwargs), "max_value")


def max_profit(curves: Any, budget_cap: float, **kwargs: Any) -> Allocation:
    """Maximise value minus spend, spending at most ``budget_cap``."""
    return _tag(allocate(curves, budget_cap, objective="profit", **kwargs), "max_profit")


def _max_budget(curves: Any, max_budget: float | None, kwargs: dict) -> float:
    if max_budget is not None:
        if not np.isfinite(max_budget) or max_budget <= 0:
            raise OptimiserError(
                f"The 'max_budget' parameter must be a finite number > 0. Got {max_budget!r} instead."
            )
        return float(max_budget)
    hi = kwargs.get("max_spend")
    if hi is not None and np.all(np.isfinite(np.asarray(hi, dtype=float))):
        names, _, _ = unpack_curves(curves, kwargs.get("names"))
        return float(np.sum(np.broadcast_to(np.asarray(hi, dtype=float), (len(names),))))
    raise OptimiserError(
        "Give 'max_budget' (the largest budget to consider) or finite max_spend bounds."
    )


def _bisect(pred, lo: float, hi: float, rtol: float = 1e-10, max_iter: int = 200) -> float:
    """Largest b in [lo, hi] with pred(b) true, given pred(lo) true and pred(hi) false."""
    for _ in range(max_iter):
        if hi - lo <= rtol * hi:
            return lo
        mid = 0.5 * (lo + hi)
        if pred(mid):
            lo = mid
        else:
            hi = mid
    return lo


def spend_for_average_roi(
    curves: Any,
    target_roi: float,
    *,
    max_budget: float | None = None,
    grid: int = 64,
    **kwargs: Any,
) -> Allocation:
    """Largest budget whose optimal allocation returns at least ``target_roi`` per unit spent.

    Raises
    ------
    InfeasibleRequirementError
        No budget up to ``max_budget`` reaches the target (the best ratio is named).
    """
    top = _max_budget(curves, max_budget, kwargs)
    budgets = top * np.arange(1, grid + 1) / grid
    ratios = np.array([allocate(curves, b, **kwargs).total_value / b for b in budgets])
    ok = np.flatnonzero(ratios >= target_roi)
    if ok.size == 0:
        k = int(np.argmax(ratios))
        raise InfeasibleRequirementError(
            f"No budget up to {top:,.6g} reaches an average ROI of {target_roi:g}; the best is "
            f"{ratios[k]:.4g} at a budget of {budgets[k]:,.6g}. Lower the target.",
            "target_unreachable",
        )
    last = int(ok[-1])
    if last == grid - 1:
        best = top
    else:
        best = _bisect(
            lambda b: allocate(curves, b, **kwargs).total_value / b >= target_roi,
            budgets[last],
            budgets[last + 1],
        )
    return _tag(allocate(curves, best, **kwargs), "average_roi", target=target_roi)


def spend_for_marginal_roi(
    curves: Any, target_roi: float, *, max_budget: float | None = None, **kwargs: Any
) -> Allocation:
    r"""Budget at which the marginal return of the optimal allocation falls to ``target_roi``.

    For concave curves without groups this is exact in one step:
    :math:`x_i = \operatorname{clip}(v_i'^{-1}(r), l_i, u_i)`; otherwise a
    bisection on the budget over :math:`\lambda(B)`.
    """
    names, plain, _ = unpack_curves(curves, kwargs.get("names"))
    stack = CurveStack(plain)
    top = _max_budget(curves, max_budget, kwargs)
    if stack.is_concave.all() and set(kwargs) <= {"names", "max_spend", "settings"}:
        hi = np.broadcast_to(np.asarray(kwargs.get("max_spend", np.inf), dtype=float), (stack.n,))
        x = np.clip(stack.inverse_derivative(target_roi), 0.0, hi)
        budget = min(float(x.sum()), top)
    else:

        def lam(b: float) -> float:
            return allocate(curves, b, **kwargs).certificate.multiplier

        if lam(top) >= target_roi:
            budget = top
        elif lam(top * 1e-6) < target_roi:
            budget = top * 1e-6
        else:
            budget = _bisect(lambda b: lam(b) >= target_roi, top * 1e-6, top)
    if budget <= 0:
        raise InfeasibleRequirementError(
            f"No channel returns {target_roi:g} per unit at any spend: the marginal ROI target is "
            "above every curve's largest marginal return.",
            "target_unreachable",
        )
    return _tag(allocate(curves, budget, **kwargs), "marginal_roi", target=target_roi)


def min_spend_for_value(
    curves: Any, target_value: float, *, max_budget: float | None = None, **kwargs: Any
) -> Allocation:
    """Smallest budget whose optimal allocation reaches ``target_value``."""
    top = _max_budget(curves, max_budget, kwargs)
    best_top = allocate(curves, top, **kwargs).total_value
    if best_top < target_value:
        raise InfeasibleRequirementError(
            f"Even the full {top:,.6g} reaches only a value of {best_top:,.6g} < {target_value:,.6g}; "
            "raise max_budget or lower the target.",
            "target_unreachable",
        )
    budget = top - _bisect(
        lambda d: allocate(curves, top - d, **kwargs).total_value >= target_value, 0.0, top
    )
    return _tag(allocate(curves, budget, **kwargs), "min_spend_for_value", target=target_value)


@dataclass(frozen=True)
class Frontier:
    """Optimal value at each budget (the budget -> value frontier)."""

    allocations: tuple[Allocation, ...]

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for a in self.allocations:
            row = {
                "budget": a.budget,
                "value": a.total_value,
                "profit": a.total_value - a.total_spend,
                "average_roi": a.total_value / a.total_spend if a.total_spend > 0 else np.nan,
                "marginal_roi": a.certificate.multiplier,
            }
            row.update({f"spend_{c}": s for c, s in zip(a.channels, a.spend, strict=True)})
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return {"frontier": self.to_frame().to_dict(orient="records")}


def frontier(curves: Any, budgets: Any, **kwargs: Any) -> Frontier:
    """The optimal allocation at every budget in ``budgets``."""
    arr = np.asarray(budgets, dtype=float)
    return Frontier(tuple(allocate(curves, float(b), **kwargs) for b in arr))
