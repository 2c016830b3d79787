r"""The risk-aware split: maximise the conditional value at risk (CVaR) of the posterior draws.

With draws :math:`d = 1..D` of every channel's curve, the value of a split
:math:`x` is :math:`V_d(x) = \sum_c v^{(d)}_c(x_c)` (minus spend for the profit
objective) and its CVaR at level :math:`\alpha` is the mean of the
:math:`\lceil \alpha D \rceil` smallest :math:`V_d(x)`. It is concave in
:math:`x` when the curves are, so after a line search on the segment from the
current split to the fitted optimum, Frank-Wolfe steps (the linear oracle fills
the budget by the mean marginal value over the worst draws) climb it; the best
point seen is kept, so the answer is never worse than either start.
"""

from __future__ import annotations

import numpy as np

from leadlever.optimisers.curves._result import CurveDraws

__all__ = ["cvar", "risk_split"]

#: Frank-Wolfe steps at most
_FW_STEPS = 40
#: step lengths tried along each Frank-Wolfe direction
_STEPS = (0.5, 0.25, 0.1, 0.03)


def cvar(values: np.ndarray, level: float) -> float:
    k = max(1, int(np.ceil(level * values.size)))
    return float(np.sort(values)[:k].mean())


def _fill(order_gain: np.ndarray, lo, hi, budget, spend_price) -> np.ndarray:
    """Linear oracle: from the minimums, give the budget to the best gains first."""
    x = lo.copy()
    left = budget - lo.sum()
    for i in np.argsort(-order_gain):
        if left <= 0 or (spend_price is not None and order_gain[i] <= spend_price):
            break
        add = min(hi[i] - lo[i], left)
        x[i] += add
        left -= add
    return x


def risk_split(draws: CurveDraws, x_cur, x_fit, lo, hi, budget, level, spend_price) -> np.ndarray:
    """Maximise the draws' CVaR (module docstring); never worse than both start points."""
    price = 0.0 if spend_price is None else spend_price

    def score(x):
        return cvar(draws.values(x).sum(axis=1) - price * x.sum(), level)

    best_x, best = x_cur, score(x_cur)
    for t in np.linspace(0.0, 1.0, 21)[1:]:
        cand = x_cur + t * (x_fit - x_cur)
        s = score(cand)
        if s > best:
            best_x, best = cand, s
    x = best_x
    for _ in range(_FW_STEPS):
        totals = draws.values(x).sum(axis=1)
        k = max(1, int(np.ceil(level * totals.size)))
        worst = np.argsort(totals)[:k]
        grad = draws.derivatives(x)[worst].mean(axis=0)
        target = _fill(grad, lo, hi, budget, spend_price)
        steps = [score(x + t * (target - x)) for t in _STEPS]
        j = int(np.argmax(steps))
        if steps[j] <= best:
            break
        x = x + _STEPS[j] * (target - x)
        best = steps[j]
    return x
