"""``leadlever allocate``: fit response curves and allocate a budget across channels."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from leadlever.cli._common import emit_json, handle_errors, print_table

__all__ = ["app", "fit", "solve"]

app = typer.Typer(
    help="Response curves and budget allocation across channels.", no_args_is_help=True
)


class ObjectiveChoice(StrEnum):
    value = "value"
    profit = "profit"


@app.command("fit")
@handle_errors(outputs={"out": "table"}, inputs=("history",))
def fit(
    history: Annotated[
        Path, typer.Argument(help="History table: period (or week/date), channel, spend, value.")
    ],
    out: Annotated[Path, typer.Option("--out", help="CURVES file to write (.csv or .parquet).")],
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON summary object on stdout.")
    ] = False,
) -> None:
    """Fit a Hill curve per channel (least squares) and write the CURVES table."""
    from leadlever.engine.io import read_table, write_table
    from leadlever.optimisers.curves import fit_curves

    result = fit_curves(read_table(history), source=str(history))
    frame = result.to_frame()
    write_table(frame, out)
    if json_out:
        emit_json({"out": str(out), **result.to_dict()})
        return
    typer.echo(f"Fitted {len(frame)} curves; wrote {out}.")
    print_table(
        frame[["channel", "curve", "scale", "half_saturation", "shape", "r2", "max_observed_spend"]]
    )


@app.command("solve")
@handle_errors
def solve(
    curves: Annotated[
        Path, typer.Argument(help="CURVES table: channel, curve, parameters (see README).")
    ],
    budget: Annotated[
        float, typer.Option("--budget", help="Budget to allocate (a cap for --objective profit).")
    ],
    objective: Annotated[
        ObjectiveChoice,
        typer.Option("--objective", help="value: spend the budget; profit: value minus spend."),
    ] = ObjectiveChoice.value,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
) -> None:
    """Allocate BUDGET across the channels of CURVES (exact for concave, global for S-shaped)."""
    from leadlever.optimisers.allocation import solve_curves

    allocation = solve_curves(str(curves), budget, objective=objective.value)
    if json_out:
        emit_json(allocation.to_dict())
        return
    typer.echo(
        f"Objective ({allocation.objective_name}): {allocation.objective:,.2f}"
        + (
            f"; uplift vs current {allocation.uplift:+,.2f}"
            if allocation.uplift is not None
            else ""
        )
    )
    print_table(allocation.to_frame())
    c = allocation.certificate
    typer.echo(
        f"Certificate: budget residual {c.budget_residual:.3g}, marginal-return spread {c.mroi_spread:.3g}, "
        f"active bounds {c.active_bounds or 'none'} ({c.method})."
    )
