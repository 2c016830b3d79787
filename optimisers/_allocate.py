"""The learner's bridge to the budget allocator (one call site, swapped when issue 5 lands).

Solves, for drawn Hill curves :math:`f_j(x) = a_j h(x; K_j, k_j)`,

.. math:: \\max_x \\sum_j \\big(f_j(x_j) - x_j\\big) \\quad
          \\text{s.t.} \\quad \\sum_j x_j \\le B, \\quad m_j \\le x_j \\le M_j,

globally (curves may be S-shaped) by dynamic programming on a grid of the
spend above the floors.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.exceptions import ParameterError
from optimisers.bayes_curves import CurveDraw

__all__ = ["allocate_curves"]


def allocate_curves(
    curves: Sequence[CurveDraw],
    budget: float,
    floors: np.ndarray,
    *,
    caps: np.ndarray | None = None,
    grid_points: int = 400,
) -> np.ndarray:
    """Spend per channel maximising profit of ``curves`` under the budget cap, floors and caps."""
    floors = np.asarray(floors, float)
    caps = np.full(floors.shape, np.inf) if caps is None else np.maximum(np.asarray(caps, float), floors)
    free = budget - floors.sum()
    if free < -1e-9 * max(budget, 1.0):
        raise ParameterError(
            f"The channel floors sum to {floors.sum():,.2f}, more than the budget {budget:,.2f}. "
            "Lower the exploration floor or raise the budget."
        )
    free = max(free, 0.0)
    z = np.linspace(0.0, free, grid_points + 1)
    vals = np.array([c.value(floors[j] + z) - (floors[j] + z) for j, c in enumerate(curves)])
    vals = np.where(floors[:, None] + z[None, :] <= caps[:, None] + 1e-9, vals, -np.inf)
    n = z.size
    b_idx = np.arange(n)[:, None] - np.arange(n)[None, :]  # b - s
    valid = b_idx >= 0
    b_idx = np.where(valid, b_idx, 0)
    best = vals[0].copy()
    choices = []
    for j in range(1, len(curves)):
        cand = np.where(valid, best[b_idx] + vals[j][None, :], -np.inf)
        arg = np.argmax(cand, axis=1)
        best = cand[np.arange(n), arg]
        choices.append(arg)
    b = int(np.argmax(best))  # profit: the whole budget need not be spent
    steps = np.zeros(len(curves), dtype=int)
    for j in range(len(curves) - 1, 0, -1):
        steps[j] = choices[j - 1][b]
        b -= steps[j]
    steps[0] = b
    return floors + z[steps]
