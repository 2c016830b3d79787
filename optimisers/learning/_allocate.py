"""The learner's single call site of the budget allocator (:func:`leadlever.optimisers.allocation._allocator.allocate`).

Solves, for drawn Hill curves :math:`f_j(x) = a_j h(x; K_j, k_j)`,

.. math:: \\max_x \\sum_j \\big(f_j(x_j) - x_j\\big) \\quad
          \\text{s.t.} \\quad \\sum_j x_j \\le B, \\quad m_j \\le x_j \\le M_j,

with the exact allocator of issue 5 (KKT for concave curves, dynamic
programming plus KKT polish for S-shaped ones).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from leadlever.engine.exceptions import ParameterError
from leadlever.optimisers.allocation._allocator import AllocatorSettings, allocate
from leadlever.optimisers.curves._family import Hill
from leadlever.optimisers.learning._bayes_curves import CurveDraw

__all__ = ["allocate_curves", "to_hill"]


def to_hill(curve: CurveDraw, *, floor_scale: float = 1e-9) -> Hill:
    """The allocator's :class:`~leadlever.optimisers.curves._family.Hill` for a drawn curve (scale 0 -> tiny)."""
    return Hill(
        scale=max(float(curve.scale), floor_scale),
        half_saturation=float(curve.half_saturation),
        shape=float(curve.shape),
    )


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
    if floors.sum() > budget * (1 + 1e-9):
        raise ParameterError(
            f"The channel floors sum to {floors.sum():,.2f}, more than the budget {budget:,.2f}. "
            "Lower the exploration floor or raise the budget."
        )
    caps = None if caps is None else np.maximum(np.asarray(caps, float), floors)
    names = [f"c{j}" for j in range(len(curves))]
    result = allocate(
        [to_hill(c) for c in curves],
        budget,
        names=names,
        objective="profit",
        min_spend=floors,
        max_spend=caps,
        settings=AllocatorSettings(grid_points=grid_points),
    )
    return np.asarray(result.spend, float)
