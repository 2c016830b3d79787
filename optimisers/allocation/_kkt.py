r"""Exact budget allocation over concave curves by the Karush–Kuhn–Tucker conditions.

For concave :math:`v_i` the problem

.. math:: \max_x \sum_i v_i(x_i) \quad \text{s.t.} \quad \sum_i x_i = B,\ l_i \le x_i \le u_i

is solved by one multiplier :math:`\lambda` (the common marginal return):
:math:`x_i(\lambda) = \operatorname{clip}(v_i'^{-1}(\lambda), l_i, u_i)`, and
:math:`S(\lambda) = \sum_i x_i(\lambda)` is non-increasing, so a safeguarded
bisection (Brent's method on :math:`\log\lambda`) finds :math:`S(\lambda) = B`.
Channels strictly inside their bounds share the marginal return :math:`\lambda`;
those at a bound have :math:`v_i'(l_i) \le \lambda` or :math:`v_i'(u_i) \ge \lambda`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leadlever.optimisers.curves._stack import CurveStack
from leadlever.optimisers.exceptions import ConvergenceError

__all__ = ["KKTSolution", "solve_kkt", "spend_at_multiplier"]


@dataclass(frozen=True)
class KKTSolution:
    """Spend per channel, the multiplier and the number of bisection steps."""

    x: np.ndarray
    multiplier: float
    iterations: int


def spend_at_multiplier(
    stack: CurveStack, lam: float, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    r""":math:`x_i(\lambda) = \operatorname{clip}(v_i'^{-1}(\lambda), l_i, u_i)`."""
    return np.clip(stack.inverse_derivative(lam), lo, hi)


def _fill_residual(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, budget: float) -> np.ndarray:
    """Spread a tiny budget residual over channels with room (flat curves, rounding)."""
    for _ in range(3):
        r = budget - x.sum()
        if r == 0:
            break
        room = (hi - x) if r > 0 else (x - lo)
        room = np.where(np.isfinite(room), room, abs(r))
        total = room.sum()
        if total <= 0:
            break
        x = np.clip(x + np.sign(r) * room * min(abs(r) / total, 1.0), lo, hi)
    return x


def solve_kkt(
    stack: CurveStack,
    lo: np.ndarray,
    hi: np.ndarray,
    budget: float,
    *,
    max_iter: int = 200,
    xtol: float = 1e-15,
) -> KKTSolution:
    """Exact optimum of a concave separable problem with one budget equality.

    Parameters
    ----------
    stack : CurveStack
        Concave curves (or curves whose bounds lie on their concave branch).
    lo, hi : ndarray
        Per-channel bounds; feasibility (``sum(lo) <= budget <= sum(hi)``) is
        the caller's job.
    budget : float

    Raises
    ------
    ConvergenceError
        If the multiplier cannot be bracketed or the bisection does not converge.
    """
    from scipy.optimize import brentq

    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    if stack.n == 0:
        return KKTSolution(np.zeros(0), float("nan"), 0)
    if lo.sum() >= budget * (1 - 1e-12):
        return KKTSolution(lo.copy(), float(np.max(stack.derivative(lo))), 0)
    if np.isfinite(hi).all() and hi.sum() <= budget * (1 + 1e-12):
        return KKTSolution(hi.copy(), float(np.min(stack.derivative(hi))), 0)

    def gap(u: float) -> float:
        return float(spend_at_multiplier(stack, np.exp(u), lo, hi).sum() - budget)

    start = np.clip(np.full(stack.n, budget / stack.n), lo, hi)
    g0 = stack.derivative(start)
    g0 = g0[np.isfinite(g0) & (g0 > 0)]
    u0 = float(np.log(np.median(g0))) if g0.size else 0.0
    lo_u, hi_u, step, tries = u0, u0, 1.0, 0
    while gap(hi_u) > 0:  # spend too high: raise the multiplier
        hi_u += step
        step *= 2
        tries += 1
        if tries > 80 or hi_u > 700:
            raise ConvergenceError("KKT allocator: could not bracket the multiplier from above.")
    step, tries = 1.0, 0
    while gap(lo_u) < 0:  # spend too low: lower the multiplier
        lo_u -= step
        step *= 2
        tries += 1
        if tries > 80 or lo_u < -700:
            raise ConvergenceError(
                "KKT allocator: could not bracket the multiplier from below (the curves keep a "
                "positive marginal return at every spend the bounds allow?)."
            )
    if lo_u == hi_u:
        u, iters = lo_u, 0
    else:
        u, info = brentq(
            gap,
            lo_u,
            hi_u,
            xtol=xtol,
            rtol=4 * np.finfo(float).eps,
            maxiter=max_iter,
            full_output=True,
            disp=False,
        )
        if not info.converged:
            raise ConvergenceError(
                f"KKT allocator: the bisection on the multiplier did not converge in {max_iter} "
                f"steps ({info.flag})."
            )
        iters = info.iterations
    lam = float(np.exp(u))
    x = _fill_residual(spend_at_multiplier(stack, lam, lo, hi), lo, hi, budget)
    return KKTSolution(x, lam, int(iters))
