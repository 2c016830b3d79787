"""The ``--solver`` option of ``leadlever plan`` and ``leadlever package`` (one definition)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

__all__ = ["Solver", "SolverOption", "solver_setting"]


class Solver(StrEnum):
    """The MILP solvers (``leadlever.optimisers._solvers.SOLVERS``; a test keeps them equal)."""

    highs = "highs"
    cbc = "cbc"


SolverOption = Annotated[
    Solver | None,
    typer.Option(
        "--solver",
        help='MILP solver: highs (the default) or cbc (needs pip install "pulp[cbc]").',
        show_default=False,
    ),
]


def solver_setting(solver: Solver | None) -> dict[str, str]:
    """The settings keyword for a ``--solver`` value: none given, the library's default."""
    return {} if solver is None else {"solver": solver.value}
