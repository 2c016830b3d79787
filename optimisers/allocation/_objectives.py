r"""Allocation objectives.

* ``value``: maximise :math:`\sum_i v_i(x_i)` spending the budget exactly.
* ``profit``: maximise :math:`\sum_i v_i(x_i) - x_i` with the budget as a cap
  (money not worth spending stays unspent).
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np

from leadlever.optimisers.exceptions import OptimiserError

__all__ = ["Objective", "objective_value", "parse_objective"]


class Objective(StrEnum):
    """What the allocator maximises."""

    VALUE = "value"
    PROFIT = "profit"


def parse_objective(objective: str | Objective) -> Objective:
    """The :class:`Objective` for a name, or a clear error."""
    try:
        return Objective(
            objective.value if isinstance(objective, Objective) else str(objective).lower()
        )
    except ValueError:
        raise OptimiserError(
            f"The 'objective' parameter must be one of {', '.join(o.value for o in Objective)}. "
            f"Got {objective!r} instead."
        ) from None


def objective_value(values: np.ndarray, spend: np.ndarray, objective: Objective) -> float:
    """Total value, or total value minus total spend for the profit objective."""
    total = float(np.sum(values))
    return total - float(np.sum(spend)) if objective is Objective.PROFIT else total
