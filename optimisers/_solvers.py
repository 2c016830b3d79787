"""The HiGHS solver, checked once for every optimiser that offers it (``--solver highs``)."""

from __future__ import annotations

from typing import Any

import pulp

from leadlever.optimisers.exceptions import SolverError

__all__ = ["highs_solver"]


def highs_solver(**options: Any) -> Any:
    """``pulp.HiGHS(**options)``, or a :class:`SolverError` saying how to get it."""
    solver = pulp.HiGHS(**options)
    if not solver.available():
        raise SolverError(
            "The HiGHS solver needs the 'highspy' package: pip install highspy "
            '(or install LeadLever with its extra: pip install ".[highs]"), '
            "or use --solver cbc."
        )
    return solver
