"""``leadlever plan``: in-house / nurture / sell per lead, with consultant assignment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadlever.cli._common import DedupeOption, emit_json, handle_errors, print_table
from leadlever.cli._options import (
    EconomicsOption,
    LostOption,
    OptionalTargetOption,
    SolverOption,
    WonOption,
    print_notes,
    solver_setting,
)

__all__ = ["plan"]


@handle_errors(outputs={"out": "table"}, inputs=("leads", "consultants", "buyers"))
def plan(
    leads: Annotated[
        Path,
        typer.Argument(
            help="Qualification profile ('qualify apply') or scored leads; closed ones are left out."
        ),
    ],
    consultants: Annotated[
        Path,
        typer.Option(
            "--consultants", help="Consultants CSV or TOML (name, weekly_hours, seniority)."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Work queue to write (.csv or .parquet).")],
    odds_factor: Annotated[
        float,
        typer.Option(
            "--odds-factor",
            help="Conversion-odds multiplier per seniority level above junior (1 = none).",
        ),
    ] = 1.3,
    buyers: Annotated[
        Path | None,
        typer.Option(
            "--buyers",
            help="Buyers file (TOML, as for 'package'): the leads the packager would sell "
            "are sold, at their bundle price. Without it a lead's resale value is its "
            "expected_resale_value or list price column, else 0.",
        ),
    ] = None,
    economics: EconomicsOption = None,
    hourly_rate: Annotated[
        float | None,
        typer.Option("--hourly-rate", help="Cost of a consultant hour (economics, default 60)."),
    ] = None,
    id_col: Annotated[str, typer.Option("--id-col", help="Column of lead ids.")] = "lead_id",
    horizon_weeks: Annotated[
        float, typer.Option("--horizon-weeks", help="Weeks of capacity the plan books.")
    ] = 1.0,
    fit_threshold: Annotated[
        float, typer.Option("--fit-threshold", help="Sell if p_fit is below this and ...")
    ] = 0.3,
    timing_threshold: Annotated[
        float, typer.Option("--timing-threshold", help="... p_convert_180d below this.")
    ] = 0.05,
    solver: SolverOption = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Solver seconds.")] = 5.0,
    target_col: OptionalTargetOption = None,
    won: WonOption = None,
    lost: LostOption = None,
    dedupe: DedupeOption = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
) -> None:
    """Plan every open lead: work in-house now (ranked, with a consultant), nurture, or sell.

    Closed leads (won or lost by --target, or by the outcome column found and named in a
    note: converted, Converted, a Won/Lost deal_stage ...) are left out; the figures the plan rests on are listed
    as assumptions.
    """
    from leadlever.cli._options import optional_outcome_spec
    from leadlever.engine.economics import load_economics
    from leadlever.engine.io import read_table, write_table
    from leadlever.optimisers.packaging import read_buyers
    from leadlever.optimisers.planning import PlannerSettings, plan_actions

    econ = load_economics(economics, hourly_rate=hourly_rate)
    settings = PlannerSettings(
        seniority_odds_factor=odds_factor,
        horizon_weeks=horizon_weeks,
        fit_threshold=fit_threshold,
        timing_threshold=timing_threshold,
        **solver_setting(solver),
        time_limit=time_limit,
    )
    result = plan_actions(
        read_table(leads, id_cols=(id_col,)),
        consultants,
        settings,
        econ,
        id_col=id_col,
        source=str(leads),
        dedupe=dedupe,
        market=None if buyers is None else read_buyers(buyers),
        outcome=optional_outcome_spec(target_col, won, lost),
    )
    write_table(result.queue, out)
    if json_out:
        emit_json(result.to_dict() | {"out": str(out)})
        return
    d = result.to_dict()
    print_notes(result.assumptions, result.warnings, result.notes)
    typer.echo(
        f"{d['n_in_house']:,} in-house, {d['n_nurture']:,} nurture, {d['n_sell']:,} sell; expected profit "
        f"{d['expected_profit']:,.0f} ({d['status']}, gap {d['gap']:.2%} vs the LP bound). Queue: {out}."
    )
    print_table(
        result.queue.head(10)[
            ["priority", "lead_id", "action", "consultant", "p_convert", "p_convert_assigned"]
            + ["expected_value", "reason"]
        ]
    )
