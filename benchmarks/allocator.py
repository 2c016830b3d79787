"""Allocator benchmark: LeadLever's KKT / DP+KKT allocator vs scipy SLSQP configured like PyMC-Marketing.

SLSQP is run as PyMC-Marketing's budget optimiser configures it: ``method="SLSQP"``,
``ftol=1e-9``, ``maxiter=1000``, an equal split of the budget as the start, bounds
[0, budget] per channel and one equality constraint on the total (we give it the
exact analytic gradient). Run once: ``python benchmarks/allocator.py``.
"""

from __future__ import annotations

import sys as _sys
import time

import numpy as np

from leadlever.optimisers.allocation import allocate
from leadlever.optimisers.allocation._global import dp_allocate
from leadlever.optimisers.curves import CurveStack, Hill


def slsqp(curves: list[Hill], budget: float) -> tuple[np.ndarray, float, bool]:
    from scipy.optimize import minimize

    stack = CurveStack(curves)
    n = len(curves)
    res = minimize(
        lambda x: -float(stack.value(x).sum()),
        np.full(n, budget / n),
        jac=lambda x: -np.minimum(stack.derivative(np.maximum(x, 1e-12)), 1e12),
        method="SLSQP",
        bounds=[(0.0, budget)] * n,
        constraints=[
            {"type": "eq", "fun": lambda x: x.sum() - budget, "jac": lambda x: np.ones(n)}
        ],
        options={"ftol": 1e-9, "maxiter": 1000},
    )
    x = np.clip(res.x, 0, budget)
    return x, float(stack.value(x).sum()), bool(res.success)


def timed(fn, repeat: int = 5):
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def concave(n: int, seed: int, with_slsqp: bool) -> None:
    rng = np.random.default_rng(seed)
    curves = [
        Hill(s, k, a)
        for s, k, a in zip(
            rng.uniform(1, 10, n), rng.uniform(1, 5, n), rng.uniform(0.4, 1.0, n), strict=False
        )
    ]
    budget = 2.0 * n
    t_ours, alloc = timed(lambda: allocate(curves, budget), repeat=5 if n <= 1000 else 3)
    print(
        f"concave Hill, {n} channels: LeadLever {1e3 * t_ours:.1f} ms, objective {alloc.objective:.10g}, "
        f"residual {alloc.certificate.budget_residual:.2g}, mROI spread {alloc.certificate.mroi_spread:.2g}"
    )
    if with_slsqp:
        t_s, (x, obj, ok) = timed(lambda: slsqp(curves, budget), repeat=1)
        print(
            f"  SLSQP {1e3 * t_s:.0f} ms, objective {obj:.10g} (success={ok}); "
            f"ours - SLSQP = {(alloc.objective - obj) / abs(obj):+.3g} relative; speed ratio {t_s / t_ours:.0f}x"
        )


def s_shaped(instances: int = 100, ref_grid: int = 3000, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    short_ours, short_slsqp, t_ours, t_slsqp = [], [], [], []
    for _ in range(instances):
        n = int(rng.integers(5, 21))
        curves = [
            Hill(s, k, a)
            for s, k, a in zip(
                rng.uniform(1, 10, n), rng.uniform(1, 5, n), rng.uniform(1.5, 4.0, n), strict=False
            )
        ]
        budget = float(rng.uniform(0.3, 1.5) * sum(c.half_saturation for c in curves))
        stack = CurveStack(curves)
        x_ref = dp_allocate(stack, np.zeros(n), np.full(n, np.inf), budget, grid=ref_grid)
        ref = float(stack.value(x_ref).sum())
        t = time.perf_counter()
        ours = allocate(curves, budget).objective
        t_ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        _, theirs, _ = slsqp(curves, budget)
        t_slsqp.append(time.perf_counter() - t)
        short_ours.append((ref - ours) / ref)
        short_slsqp.append((ref - theirs) / ref)
    so, ss = np.array(short_ours), np.array(short_slsqp)
    print(
        f"S-shaped Hill (shape 1.5-4), {instances} instances of 5-20 channels, reference DP with {ref_grid} units:"
    )
    print(
        f"  LeadLever DP+KKT: worst shortfall {100 * so.max():+.4f}% (negative = better than the reference), "
        f"instances > 0.1%: {(so > 1e-3).sum()}, median time {1e3 * np.median(t_ours):.0f} ms"
    )
    print(
        f"  SLSQP single start: worst shortfall {100 * ss.max():.2f}%, mean {100 * ss.mean():.2f}%, "
        f"instances > 0.1%: {(ss > 1e-3).sum()}, > 1%: {(ss > 1e-2).sum()}, median time {1e3 * np.median(t_slsqp):.0f} ms"
    )


if __name__ == "__main__":
    from _util import machine_line

    print(f"machine: {machine_line()}", flush=True)
    if "--s-shaped-only" in _sys.argv:
        s_shaped()
        _sys.exit(0)
    concave(500, seed=1, with_slsqp=True)
    concave(10_000, seed=2, with_slsqp=False)
    print(
        "  (SLSQP not run at 10,000 channels: its dense quadratic subproblems need O(n^2) memory and O(n^3) time)"
    )
    s_shaped()
