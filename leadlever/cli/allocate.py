"""``leadlever allocate``: fit response curves, recommend a split, plan the coming weeks."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from leadlever.cli._allocate_render import render_fit, render_plan, render_solve
from leadlever.cli._common import emit_json, handle_errors

__all__ = ["app", "fit", "solve", "plan"]

app = typer.Typer(
    help="Response curves with carry-over, budget recommendations within the evidence, plans.",
    no_args_is_help=True,
)


class ObjectiveChoice(StrEnum):
    value = "value"
    profit = "profit"


class UntrustedChoice(StrEnum):
    hold = "hold"
    lock = "lock"
    free = "free"


class RiskChoice(StrEnum):
    mean = "mean"
    cvar = "cvar"


JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
MarginOption = Annotated[
    float,
    typer.Option(
        "--margin",
        min=0.0,
        help="Evidence cap: no channel above its largest weekly spend seen x (1 + margin).",
    ),
]
ExtrapolateOption = Annotated[
    bool,
    typer.Option(
        "--extrapolate", help="Lift the evidence caps (the answer then rests on extrapolation)."
    ),
]
UntrustedOption = Annotated[
    UntrustedChoice,
    typer.Option(
        "--untrusted",
        help="Channels not trusted: hold (weak ones within the spend range seen, unidentified "
        "ones at their current share), lock (all at their current share) or free. A channel that "
        "has ended stays at 0 with each (allocate fit --ended-weeks 0 judges it on its curve).",
    ),
]
FitOption = Annotated[
    Path | None,
    typer.Option(
        "--fit",
        help="The fitter's draws file (default: CURVES' .fit.json next to it, when present).",
    ),
]


@app.command("fit")
@handle_errors(outputs={"out": "table"}, inputs=("history",))
def fit(
    history: Annotated[
        Path,
        typer.Argument(
            help="History or ad-platform export (daily or weekly): period, channel, spend, value."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="CURVES file to write (.csv or .parquet).")],
    period_col: Annotated[
        str | None, typer.Option("--period-col", help="Period column (default: found by name).")
    ] = None,
    channel_col: Annotated[
        str | None, typer.Option("--channel-col", help="Channel column (default: found by name).")
    ] = None,
    spend_col: Annotated[
        str | None, typer.Option("--spend-col", help="Spend column (default: found by name).")
    ] = None,
    value_col: Annotated[
        str | None, typer.Option("--value-col", help="Value column (default: found by name).")
    ] = None,
    value_per_lead: Annotated[
        float | None,
        typer.Option(
            "--value-per-lead", help="Value of one lead or conversion: value = count x this."
        ),
    ] = None,
    leads_col: Annotated[
        str | None,
        typer.Option(
            "--leads-col",
            help="Leads column next to a money value: value is fitted as leads x value per lead "
            "(default: found by name; 'none': fit value directly).",
        ),
    ] = None,
    carryover: Annotated[
        bool, typer.Option("--carryover/--no-carryover", help="Estimate carry-over (adstock).")
    ] = True,
    draws: Annotated[
        int, typer.Option("--draws", min=0, help="Posterior draws per channel (0: none).")
    ] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the posterior draws.")] = 0,
    ended_weeks: Annotated[
        int,
        typer.Option(
            "--ended-weeks",
            min=0,
            help="A channel with no spend in this many weeks at the end of the history has ended: "
            "unidentified, so solve holds it at 0 (0: never).",
        ),
    ] = 8,
    json_out: JsonOption = False,
) -> None:
    """Fit a steady-state curve per channel (carry-over, season, saturation) and judge each."""
    from leadlever.optimisers.curves import fit_and_write

    result, written = fit_and_write(
        history,
        out,
        period=period_col,
        channel=channel_col,
        spend=spend_col,
        value=value_col,
        value_per_lead=value_per_lead,
        leads="" if leads_col is not None and leads_col.lower() == "none" else leads_col,
        carryover=carryover,
        n_draws=draws,
        seed=seed,
        ended_weeks=ended_weeks,
    )
    if json_out:
        emit_json({"out": str(out), "fit": written, **result.to_dict()})
        return
    render_fit(result, out, written)


@app.command("solve")
@handle_errors
def solve(
    curves: Annotated[
        Path, typer.Argument(help="CURVES table: channel, curve, parameters (allocate fit).")
    ],
    budget: Annotated[
        float | None,
        typer.Option("--budget", help="Weekly budget (default: today's total current_spend)."),
    ] = None,
    objective: Annotated[
        ObjectiveChoice,
        typer.Option("--objective", help="value: spend the budget; profit: value minus spend."),
    ] = ObjectiveChoice.value,
    margin: MarginOption = 0.2,
    extrapolate: ExtrapolateOption = False,
    untrusted: UntrustedOption = UntrustedChoice.hold,
    risk: Annotated[
        RiskChoice,
        typer.Option(
            "--risk",
            help="mean: the fitted value; cvar: the mean of the worst --risk-level of the draws.",
        ),
    ] = RiskChoice.mean,
    risk_level: Annotated[
        float, typer.Option("--risk-level", min=0.01, max=1.0, help="Share of worst draws (cvar).")
    ] = 0.1,
    hold_band: Annotated[
        float,
        typer.Option(
            "--hold-band", min=0.0, help="A weak channel moves at most this share from its current."
        ),
    ] = 0.5,
    narrow_range: Annotated[
        float,
        typer.Option(
            "--narrow-range",
            min=0.0,
            max=1.0,
            help="A trusted channel spent in a range below this share of its largest week, with "
            "an uncertain marginal return, gets no margin (0: off).",
        ),
    ] = 0.3,
    fit_file: FitOption = None,
    json_out: JsonOption = False,
) -> None:
    """Recommend a split of the budget within the evidence, with its uncertainty."""
    from leadlever.optimisers.allocation import DecisionSettings, solve_curves

    settings = DecisionSettings(
        margin=margin,
        extrapolate=extrapolate,
        untrusted=untrusted.value,
        risk=risk.value,
        risk_level=risk_level,
        hold_band=hold_band,
        narrow_range=narrow_range,
    )
    rec = solve_curves(
        str(curves), budget, objective=objective.value, settings=settings, sidecar=fit_file
    )
    if json_out:
        emit_json(rec.to_dict())
        return
    render_solve(rec)


@app.command("plan")
@handle_errors(outputs={"out": "table"}, inputs=("curves",))
def plan(
    curves: Annotated[Path, typer.Argument(help="CURVES table from allocate fit.")],
    weeks: Annotated[int, typer.Option("--weeks", min=1, max=104, help="Weeks to plan.")] = 4,
    budget: Annotated[
        float | None,
        typer.Option(
            "--budget", help="Total budget over the weeks (default: today's weekly x weeks)."
        ),
    ] = None,
    weekly: Annotated[
        str | None,
        typer.Option("--weekly", help="Per-week budgets instead of a total, comma-separated."),
    ] = None,
    max_week: Annotated[
        float | None, typer.Option("--max-week", help="At most this much spend in any one week.")
    ] = None,
    target: Annotated[
        float | None,
        typer.Option("--target", help="Find the smallest total spend reaching this value instead."),
    ] = None,
    margin: MarginOption = 0.2,
    extrapolate: ExtrapolateOption = False,
    untrusted: UntrustedOption = UntrustedChoice.hold,
    fit_file: FitOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the plan (week, channel, spend) here.")
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Spread spend over the coming weeks and channels, with carry-over and the season."""
    from leadlever.engine.io import write_table
    from leadlever.optimisers.allocation import DecisionSettings, plan_curves

    settings = DecisionSettings(margin=margin, extrapolate=extrapolate, untrusted=untrusted.value)
    result = plan_curves(
        str(curves),
        weeks=weeks,
        budget=budget,
        weekly=weekly,
        max_week=max_week,
        target=target,
        settings=settings,
        sidecar=fit_file,
    )
    if out is not None:
        write_table(result.to_frame(), out)
    if json_out:
        emit_json({**result.to_dict(), "out": None if out is None else str(out)})
        return
    render_plan(result, out)
