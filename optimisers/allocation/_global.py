r"""Global allocation for non-concave (S-shaped) curves and for group constraints.

*Dynamic programming* (no group constraints). The spend above the minimums,
:math:`R = B - \sum_i l_i`, is cut into :math:`G` units of :math:`h = R / G`;
with :math:`F_i(t)` the best value of channels :math:`1..i` using :math:`t` units,

.. math:: F_i(t) = \max_{0 \le j \le \min(t, J_i)} F_{i-1}(t - j) + v_i(l_i + j h),

which is exact on the grid whatever the curves' shapes. The grid optimum is
then *polished* exactly: channels the grid put on their concave branch are
re-optimised jointly by the KKT solver on that branch, the others keep their
spend; the better of the polished points is returned. A starting point given
by the caller (the current plan) is polished the same way, so the result is
never worse than it.

*Piecewise-linear programme* (group constraints). Each curve is replaced by
its chords between breakpoints; concave curves give a linear programme,
others a mixed-integer one (incremental formulation, ``scipy.optimize.milp``),
both solved by HiGHS to optimality, then polished by SLSQP from that point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leadlever.optimisers.allocation._kkt import solve_kkt
from leadlever.optimisers.curves._stack import CurveStack
from leadlever.optimisers.exceptions import ConvergenceError

#: budget left over that is only rounding (relative to the budget)
_ROUNDING = 1e-12

__all__ = ["dp_allocate", "polish_on_concave_branch", "pwl_allocate", "GlobalSolution"]


@dataclass(frozen=True)
class GlobalSolution:
    x: np.ndarray
    multiplier: float
    method: str
    iterations: int


def _dp_step(best: np.ndarray, vals: np.ndarray, chunk: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """One DP stage: new[t] = max_j best[t - j] + vals[j], with the argmax (vectorised, chunked)."""
    from numpy.lib.stride_tricks import sliding_window_view

    g1, jn = best.shape[0], vals.shape[0]
    padded = np.concatenate([np.full(jn - 1, -np.inf), best])
    windows = sliding_window_view(padded, jn)[:, ::-1]  # windows[t, j] = best[t - j]
    new = np.empty(g1)
    arg = np.empty(g1, dtype=np.int32)
    for start in range(0, g1, chunk):
        block = windows[start : start + chunk] + vals[None, :]
        a = np.argmax(block, axis=1)
        arg[start : start + chunk] = a
        new[start : start + chunk] = block[np.arange(block.shape[0]), a]
    return new, arg


def dp_allocate(
    stack: CurveStack,
    lo: np.ndarray,
    hi: np.ndarray,
    budget: float,
    *,
    grid: int = 1000,
    spend_price: float | None = None,
) -> np.ndarray:
    r"""Grid-exact optimum by dynamic programming.

    With ``spend_price`` :math:`c` the objective is :math:`\sum_i v_i(x_i) - c\,x_i`
    and the budget is a cap; otherwise the budget is spent exactly.
    """
    n = stack.n
    # within rounding of the feasibility check, the room above the minimums may fall short of
    # the budget left: the grid then covers the room (the polish spends the rest exactly)
    rest = min(budget - lo.sum(), float(np.sum(hi - lo)))
    if rest <= _ROUNDING * max(budget, 1e-300) or n == 0:
        return lo.copy()
    h = rest / grid
    # a channel's last unit may be partial (clipped at its maximum), so that bounds which
    # leave less room than one unit per channel still admit the budget
    jmax = np.minimum(np.ceil((hi - lo) / h - 1e-9), grid).astype(int)
    best = np.full(grid + 1, -np.inf)
    best[0] = 0.0
    choice = np.zeros((n, grid + 1), dtype=np.int32)
    for i, curve in enumerate(stack.curves):
        j = np.arange(jmax[i] + 1)
        xs = np.minimum(lo[i] + j * h, hi[i])
        vals = curve.value(xs) - (spend_price * xs if spend_price is not None else 0.0)
        new, arg = _dp_step(best, vals)
        best, choice[i] = new, arg
    t = int(np.argmax(best)) if spend_price is not None else grid
    if not np.isfinite(best[t]):
        raise ConvergenceError(
            "Dynamic programme found no feasible grid point (bounds too tight for the grid)."
        )
    units = np.zeros(n, dtype=int)
    for i in range(n - 1, -1, -1):
        units[i] = choice[i, t]
        t -= units[i]
    return np.minimum(lo + units * h, hi)


def _objective(stack: CurveStack, x: np.ndarray, spend_price: float | None) -> float:
    return float(stack.value(x).sum() - (spend_price * x.sum() if spend_price is not None else 0.0))


def _kkt_or_none(sub, lo, hi, budget):
    """A polish candidate whose KKT solve fails is dropped (the grid optimum stands)."""
    try:
        return solve_kkt(sub, lo, hi, budget)
    except ConvergenceError:
        return None


def _polish_candidate(stack, x, free, lo, hi, infl, budget, spend_price, tol, absorb=()):
    """KKT on the channels in ``free`` (restricted to their concave branch), others fixed at ``x``.

    When the free channels cannot take exactly the budget left, the first channel of
    ``absorb`` that can takes the difference (the one "fractional" channel of a
    non-concave optimum).
    """
    x = x.copy()
    if spend_price is None:
        f_lo = np.maximum(lo[free], np.minimum(infl[free], hi[free])).sum() if free.size else 0.0
        f_hi = hi[free].sum() if free.size else 0.0
        left = budget - x.sum() + (x[free].sum() if free.size else 0.0)
        need = left - np.clip(left, f_lo, f_hi)
        if abs(need) > tol:
            for r in absorb:
                if lo[r] - tol <= x[r] + need <= hi[r] + tol:
                    x[r] = np.clip(x[r] + need, lo[r], hi[r])
                    break
    if free.size == 0:
        ok = abs(x.sum() - budget) <= tol if spend_price is None else x.sum() <= budget + tol
        return (x, float("nan"), 0) if ok else None
    sub = CurveStack([stack.curves[i] for i in free])
    sub_lo = np.maximum(lo[free], np.minimum(infl[free], hi[free]))
    sub_hi = hi[free]
    sub_budget = budget - x.sum() + x[free].sum()
    if sub_lo.sum() > sub_budget + tol:
        return None
    if spend_price is not None:
        x_free = np.clip(sub.inverse_derivative(spend_price), sub_lo, sub_hi)
        lam = spend_price
        if x_free.sum() > sub_budget:
            sol = _kkt_or_none(sub, sub_lo, sub_hi, sub_budget)
            if sol is None:
                return None
            x_free, lam = sol.x, sol.multiplier
    else:
        if sub_hi.sum() < sub_budget - tol:
            return None
        sol = _kkt_or_none(sub, sub_lo, sub_hi, sub_budget)
        if sol is None:
            return None
        x_free, lam = sol.x, sol.multiplier
    x[free] = x_free
    return x, lam, 1


def polish_on_concave_branch(
    stack: CurveStack,
    x0: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    budget: float,
    *,
    spend_price: float | None = None,
    max_enumerated: int = 3,
) -> GlobalSolution:
    """Re-optimise exactly from a grid point: KKT over the channels on their concave branch.

    A channel the grid left in its convex region (below the inflection point)
    is, at an optimum, at its minimum, at the top of its convex region, on its
    concave branch, or the one channel absorbing the budget left over (kept
    near the grid point); for up to ``max_enumerated`` such channels every
    combination is polished (otherwise they are kept, or moved to their
    minimum). The best candidate by objective, ``x0`` included, is returned.
    """
    from itertools import product

    infl = stack.inflection
    tol = 1e-9 * max(budget, 1e-300)
    movable = hi > lo
    on_branch = (x0 >= infl - tol) & movable & np.isfinite(infl)
    convex = np.flatnonzero(~on_branch & movable)
    candidates: list[tuple[np.ndarray, float, int]] = []
    if 0 < convex.size <= max_enumerated:
        choices = []
        for i in convex:
            top = min(hi[i], infl[i]) if np.isfinite(infl[i]) else hi[i]
            opts = [("fix", v) for v in dict.fromkeys([lo[i], top, x0[i]])]
            if np.isfinite(infl[i]) and infl[i] < hi[i]:
                opts.append(("branch", 0.0))
            choices.append(opts)
        for combo in product(*choices):
            x = x0.copy()
            free = on_branch.copy()
            for i, (how, val) in zip(convex, combo, strict=True):
                if how == "fix":
                    x[i] = val
                else:
                    free[i] = True
            fixed = [i for i, (how, _) in zip(convex, combo, strict=True) if how == "fix"]
            for absorb in [[], *([r] for r in fixed)]:
                cand = _polish_candidate(
                    stack,
                    x,
                    np.flatnonzero(free),
                    lo,
                    hi,
                    infl,
                    budget,
                    spend_price,
                    tol,
                    absorb=absorb,
                )
                if cand is not None:
                    candidates.append(cand)
    else:
        for drop_convex in (False, True):
            x = np.where(on_branch, x0, lo) if drop_convex else x0
            cand = _polish_candidate(
                stack, x, np.flatnonzero(on_branch), lo, hi, infl, budget, spend_price, tol
            )
            if cand is not None:
                candidates.append(cand)
    candidates.append((x0.copy(), float("nan"), 0))  # last: polished points win ties
    scores = [_objective(stack, c[0], spend_price) for c in candidates]
    k = int(np.argmax(scores))
    x, lam, it = candidates[k]
    return GlobalSolution(x, lam, "dp+kkt" if it else "dp", it)


def _breakpoints(lo: float, hi: float, infl: float, k: int) -> np.ndarray:
    pts = np.linspace(lo, hi, k + 1)
    if lo < infl < hi:
        pts = np.unique(np.concatenate([pts, [infl]]))
    return pts


def pwl_allocate(
    stack: CurveStack,
    lo: np.ndarray,
    hi: np.ndarray,
    budget: float,
    group_rows: np.ndarray,
    group_lo: np.ndarray,
    group_hi: np.ndarray,
    *,
    segments: int = 60,
    spend_price: float | None = None,
) -> GlobalSolution:
    """Optimum of the piecewise-linear problem with group constraints, then an SLSQP polish."""
    from scipy.optimize import Bounds, LinearConstraint, milp, minimize

    n = stack.n
    hi = np.minimum(hi, lo + (budget - lo.sum()))
    nonconcave = ~stack.is_concave
    pts = [_breakpoints(lo[i], hi[i], stack.inflection[i], segments) for i in range(n)]
    seg_len = [np.diff(p) for p in pts]
    seg_gain = [np.diff(stack.curves[i].value(p)) for i, p in enumerate(pts)]
    sizes = np.array([len(s) for s in seg_len])
    offs = np.concatenate([[0], np.cumsum(sizes)])
    m = int(offs[-1])
    n_bin = int(sum(sizes[i] - 1 for i in range(n) if nonconcave[i]))
    nv = m + n_bin
    c = np.zeros(nv)
    lens = np.concatenate(seg_len)
    c[:m] = -(np.concatenate(seg_gain) - (spend_price * lens if spend_price is not None else 0.0))
    total = np.zeros(nv)
    total[:m] = lens
    rows, lbs, ubs = (
        [total],
        [budget - lo.sum() if spend_price is None else -np.inf],
        [budget - lo.sum()],
    )
    for row, gl, gh in zip(group_rows, group_lo, group_hi, strict=True):
        r = np.zeros(nv)
        for i in np.flatnonzero(row):
            r[offs[i] : offs[i + 1]] = seg_len[i]
        base = float(lo[row.astype(bool)].sum())
        rows.append(r)
        lbs.append(gl - base)
        ubs.append(gh - base)
    integrality = np.zeros(nv)
    b = m
    for i in np.flatnonzero(nonconcave):  # delta_{k+1} <= z_k <= delta_k
        for k in range(sizes[i] - 1):
            r1 = np.zeros(nv)
            r1[offs[i] + k + 1], r1[b] = 1.0, -1.0
            r2 = np.zeros(nv)
            r2[b], r2[offs[i] + k] = 1.0, -1.0
            rows += [r1, r2]
            lbs += [-np.inf, -np.inf]
            ubs += [0.0, 0.0]
            integrality[b] = 1
            b += 1
    res = milp(
        c,
        constraints=LinearConstraint(np.array(rows), lbs, ubs),
        integrality=integrality,
        bounds=Bounds(np.zeros(nv), np.ones(nv)),
    )
    if res.status != 0 or res.x is None:
        raise ConvergenceError(
            f"Piecewise-linear allocation: HiGHS did not reach optimality ({res.message})."
        )
    d = res.x[:m]
    x0 = lo + np.array([float(seg_len[i] @ d[offs[i] : offs[i + 1]]) for i in range(n)])
    scale = max(budget, 1e-300)

    def neg(xs: np.ndarray) -> float:
        return -_objective(stack, xs, spend_price)

    def neg_grad(xs: np.ndarray) -> np.ndarray:
        g = stack.derivative(np.maximum(xs, 1e-12 * scale))
        return -(np.minimum(g, 1e12) - (spend_price if spend_price is not None else 0.0))

    cons = [LinearConstraint(np.ones((1, n)), budget if spend_price is None else -np.inf, budget)]
    if len(group_rows):
        cons.append(LinearConstraint(group_rows, group_lo, group_hi))
    pol = minimize(
        neg,
        x0,
        jac=neg_grad,
        method="SLSQP",
        bounds=Bounds(lo, hi),
        constraints=cons,
        options={"ftol": 1e-12, "maxiter": 500},
    )
    x1 = np.clip(pol.x, lo, hi)
    feasible = (
        abs(x1.sum() - budget) <= 1e-9 * scale
        if spend_price is None
        else x1.sum() <= budget * (1 + 1e-9)
    )
    if len(group_rows):
        gs = group_rows @ x1
        feasible &= bool(
            np.all(gs <= group_hi + 1e-9 * scale) & np.all(gs >= group_lo - 1e-9 * scale)
        )
    method = "pwl-milp" if nonconcave.any() else "pwl-lp"
    if pol.success and feasible and neg(x1) <= neg(x0):
        return GlobalSolution(x1, float("nan"), method + "+slsqp", int(pol.nit))
    return GlobalSolution(x0, float("nan"), method, 0)
