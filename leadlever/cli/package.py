"""``leadlever package``: sell scored leads in quality-graded bundles to partner agencies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadlever.cli._common import (
    EXIT_USER_ERROR,
    DedupeOption,
    echo_err,
    emit_json,
    handle_errors,
    print_table,
)
from leadlever.cli._options import (
    EconomicsOption,
    LostOption,
    OptionalTargetOption,
    SolverOption,
    WonOption,
    print_notes,
    solver_setting,
)

__all__ = ["package_command"]


@handle_errors(outputs={"out": "table"}, inputs=("scored", "buyers"))
def package_command(
    scored: Annotated[
        Path, typer.Argument(help="Scored leads (CSV/Parquet) with a probability column.")
    ],
    buyers: Annotated[
        Path, typer.Argument(help="Buyers file (TOML): one \\[\\[buyer]] table per partner.")
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="Output CSV: lead_id, package_id, buyer of every lead sold."),
    ],
    prob_col: Annotated[
        str, typer.Option("--prob-col", help="Column with each lead's conversion probability.")
    ] = "p_convert",
    cost_col: Annotated[
        str | None,
        typer.Option(
            "--cost-col",
            help="Column with each lead's opportunity cost; default its expected in-house "
            "value (expected_value, else p x value - delivery cost from the economics).",
        ),
    ] = None,
    id_col: Annotated[
        str, typer.Option("--id-col", help="Column with lead ids (row numbers if absent).")
    ] = "lead_id",
    solver: SolverOption = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            min=0.01,
            help="Seconds for the solver; at the limit the best plan is returned with its gap.",
        ),
    ] = None,
    skip_infeasible: Annotated[
        bool,
        typer.Option(
            "--skip-infeasible",
            help="Package the other buyers when some cannot be served (they are listed in "
            "the notes and in 'reasons'); without it nothing is written and the exit code is 2.",
        ),
    ] = False,
    economics: EconomicsOption = None,
    target_col: OptionalTargetOption = None,
    won: WonOption = None,
    lost: LostOption = None,
    dedupe: DedupeOption = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
) -> None:
    """Package the open leads of SCORED into graded bundles for the buyers in BUYERS.toml.

    A lead is sold only when its bundle price beats its expected in-house value; profit
    counts the leads' generation cost as 'price leads' does. Closed leads (won or lost by
    --target, or by the outcome column found and named in a note) are never sold.
    """
    from leadlever.cli._options import optional_outcome_spec
    from leadlever.engine.economics import load_economics
    from leadlever.engine.io import read_leads, write_table
    from leadlever.optimisers.packaging import PackagerSettings, package_open_leads, read_buyers

    market = read_buyers(buyers)
    frame = read_leads(scored, dedupe=dedupe, id_col=id_col)
    settings = PackagerSettings(
        **solver_setting(solver),
        time_limit=time_limit,
        on_infeasible="skip" if skip_infeasible else "report",
    )
    sale = package_open_leads(
        frame,
        market,
        economics=load_economics(economics),
        prob_col=prob_col,
        cost_col=cost_col,
        id_col=id_col,
        settings=settings,
        source=str(scored),
        outcome=optional_outcome_spec(target_col, won, lost),
    )
    result = sale.result
    if result.status == "infeasible":
        message = "no packaging meets every buyer's requirements; nothing was written."
        if json_out:
            emit_json(
                {
                    "error": "Infeasible",
                    "message": message,
                    "exit_code": EXIT_USER_ERROR,
                    **sale.to_dict(),
                }
            )
        echo_err(f"Error: {message}")
        for reason in result.reasons:
            echo_err(f"  - {reason}")
        echo_err("Fix the requirements, or add --skip-infeasible to package the other buyers.")
        raise typer.Exit(EXIT_USER_ERROR)
    write_table(result.to_frame(), out)
    payload = sale.to_dict()
    if json_out:
        emit_json({**payload, "out": str(out)})
        return
    print_notes(sale.assumptions, sale.warnings, sale.notes)
    if result.status == "optimal":
        gap = ""
    elif result.gap is None or result.gap == float("inf"):
        gap = " (no MILP plan within the time limit: greedy plan, gap unknown)"
    else:
        gap = f" (gap {result.gap:.2%})"
    typer.echo(
        f"Status: {result.status}{gap}. Revenue {result.revenue:,.2f}; generation cost of the "
        f"leads sold {sale.generation_cost:,.2f}, profit {sale.profit:,.2f}; their in-house "
        f"value {result.cost:,.2f}, so selling gains {payload['gain_over_keeping']:,.2f} over "
        f"keeping them; {len(result.unsold):,} leads unsold."
    )
    rec = payload["reconciliation"]
    if rec is not None:
        typer.echo(
            f"List prices ('price leads') of the leads sold: {rec['list_revenue']:,.2f} "
            f"(profit {rec['list_profit']:,.2f}); bundles differ by {rec['difference']:+,.2f}: "
            f"{rec['why']}"
        )
    shown = result.packages_frame()
    shown["guarantee"] = [f"{g:.2%}" for g in shown["guarantee"]]  # 0.9997 is not 1.00
    print_table(shown, title="Bundles:")
    for note in result.notes:
        typer.echo(f"Note: {note}")
    typer.echo(f"Wrote {out}.")
