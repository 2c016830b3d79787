"""Options shared by several commands, and how their notes are printed.

``--target`` with ``--won``/``--lost`` (outcomes as CRMs write them), ``--economics``
(the business figures), and the two kinds of notes every decision command prints
once on stderr: the assumptions it rested on and the warnings it raised.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.engine.io import OutcomeSpec

__all__ = [
    "TargetOption",
    "OptionalTargetOption",
    "WonOption",
    "LostOption",
    "EconomicsOption",
    "JsonOption",
    "Solver",
    "SolverOption",
    "solver_setting",
    "outcome_spec",
    "optional_outcome_spec",
    "print_notes",
]

TargetOption = Annotated[
    str,
    typer.Option(
        "--target",
        help="Outcome column: 1/0, yes/no, true/false, or a stage column with --won/--lost.",
    ),
]
OptionalTargetOption = Annotated[
    str | None,
    typer.Option(
        "--target",
        help="Outcome column: 1/0, yes/no, true/false, or a stage column with --won/--lost.",
    ),
]
WonOption = Annotated[
    str | None,
    typer.Option("--won", help="Comma-separated stage values meaning won (e.g. 'Won,Closed Won')."),
]
LostOption = Annotated[
    str | None,
    typer.Option("--lost", help="Comma-separated stage values meaning lost; any other is open."),
]
EconomicsOption = Annotated[
    Path | None,
    typer.Option(
        "--economics",
        help="Economics file (TOML; `leadlever examples` writes one). Figures not given "
        "there or as options are documented defaults, listed as assumptions.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


class Solver(StrEnum):
    """The MILP solvers (``leadlever.optimisers.SOLVERS``; a test keeps them equal)."""

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


def outcome_spec(target: str, won: str | None, lost: str | None) -> OutcomeSpec:
    """The :class:`~leadlever.engine.io.OutcomeSpec` of the three options."""
    from leadlever.engine.io import OutcomeSpec, parse_values

    return OutcomeSpec(target, parse_values(won), parse_values(lost))


def optional_outcome_spec(
    target: str | None, won: str | None, lost: str | None
) -> OutcomeSpec | None:
    """The spec of ``--target`` (None without it: the outcome column is then looked for);
    ``--won``/``--lost`` without ``--target`` is an error."""
    if target is None:
        if won or lost:
            from leadlever.engine.exceptions import ParameterError

            raise ParameterError(
                "--won/--lost name the stages of an outcome column: give the column with "
                "--target too (e.g. --target deal_stage --won Won --lost Lost)."
            )
        return None
    return outcome_spec(target, won, lost)


def print_notes(
    assumptions: Iterable[Any] = (), warnings: Iterable[str] = (), notes: Iterable[str] = ()
) -> None:
    """Assumptions (one line), warnings and notes, on stderr, each once."""
    shown = [a.describe() if hasattr(a, "describe") else str(a) for a in assumptions]
    if shown:
        typer.echo("Assumptions: " + "; ".join(shown) + ".", err=True)
    seen: set[str] = set()
    for text in warnings:
        if text not in seen:
            seen.add(text)
            typer.echo(f"Warning: {text}", err=True)
    for text in notes:
        if text not in seen:
            seen.add(text)
            typer.echo(f"Note: {text}", err=True)
