"""``leadlever price``: expected profit of selling leads, solving for a lever, per-lead prices.

``leadlever price --p ... --r-high ... --c-high ... --r-low ... --c-low ...``
evaluates the case's formula; the subcommands ``solve`` and ``leads`` solve
for a lever and price a scored lead table.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from leadlever.cli._common import DedupeOption, emit_json, fail, handle_errors
from leadlever.cli._options import (
    EconomicsOption,
    LostOption,
    OptionalTargetOption,
    WonOption,
    print_notes,
)

__all__ = ["app"]

app = typer.Typer(
    help="Price leads: the two-class profit formula, solve for a lever, per-lead prices."
)


class Floor(StrEnum):
    """What a price may not go below (``leadlever.pricing.FLOORS``)."""

    in_house_value = "in-house-value"
    generation_cost = "generation-cost"


class Lever(StrEnum):
    p = "p"
    r_high = "r_high"
    c_high = "c_high"
    r_low = "r_low"
    c_low = "c_low"
    multiplier = "multiplier"


POpt = Annotated[
    float | None, typer.Option("--p", help="Share of leads predicted high quality, in [0, 1].")
]
RHighOpt = Annotated[
    float | None, typer.Option("--r-high", help="Sale revenue per high-quality lead.")
]
CHighOpt = Annotated[
    float | None, typer.Option("--c-high", help="Generation cost per high-quality lead.")
]
RLowOpt = Annotated[
    float | None, typer.Option("--r-low", help="Sale revenue per low-quality lead.")
]
CLowOpt = Annotated[
    float | None, typer.Option("--c-low", help="Generation cost per low-quality lead.")
]
NOpt = Annotated[int, typer.Option("--n", min=1, help="Number of leads (for totals).")]
MultOpt = Annotated[
    float, typer.Option("--multiplier", min=0.0, help="Uniform price multiplier on both revenues.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


def _levers(skip: str | None = None, **given: float | None) -> dict[str, float]:
    names = {
        "p": "--p",
        "r_high": "--r-high",
        "c_high": "--c-high",
        "r_low": "--r-low",
        "c_low": "--c-low",
    }
    missing = [names[k] for k, v in given.items() if k in names and v is None and k != skip]
    if missing:
        fail(
            f"Missing {', '.join(missing)}: give every lever of the formula (e.g. --p 0.3 --r-high 500 "
            "--c-high 120 --r-low 80 --c-low 40)."
        )
    return {k: (0.0 if v is None else v) for k, v in given.items()}


@app.callback(invoke_without_command=True)
@handle_errors
def price(
    ctx: typer.Context,
    p: POpt = None,
    r_high: RHighOpt = None,
    c_high: CHighOpt = None,
    r_low: RLowOpt = None,
    c_low: CLowOpt = None,
    n: NOpt = 1,
    multiplier: MultOpt = 1.0,
    json_out: JsonOpt = False,
) -> None:
    """Expected profit per lead and in total, margin and break-even p of the two-class formula."""
    from leadlever.pricing import TwoClassLevers, evaluate

    if ctx.invoked_subcommand is not None:
        return
    lv = _levers(p=p, r_high=r_high, c_high=c_high, r_low=r_low, c_low=c_low)
    result = evaluate(TwoClassLevers(**lv, multiplier=multiplier, n=n))
    if json_out:
        emit_json(result.to_dict())
        return
    be = result.break_even
    be_text = (
        f"{be.p:.4f} (profitable {be.profitable} it)"
        if be.p is not None
        else f"none in [0, 1] ({be.status.replace('_', ' ')})"
    )
    margin = "n/a (no revenue)" if result.margin is None else f"{result.margin:.1%}"
    typer.echo(f"Expected profit per lead: {result.expected_profit_per_lead:,.2f}")
    typer.echo(
        f"Expected profit for {n:,} lead{'s' if n != 1 else ''}: {result.expected_profit_total:,.2f}"
    )
    typer.echo(f"Margin: {margin}")
    typer.echo(f"Break-even p: {be_text}")


@app.command("solve")
@handle_errors
def solve(
    lever: Annotated[Lever, typer.Option("--for", help="The lever to solve for.")],
    target_profit: Annotated[
        float | None, typer.Option("--target-profit", help="Target profit per lead.")
    ] = None,
    target_total: Annotated[
        float | None, typer.Option("--target-total", help="Target total profit over --n leads.")
    ] = None,
    target_margin: Annotated[
        float | None,
        typer.Option("--target-margin", help="Target margin (profit / revenue), e.g. 0.3."),
    ] = None,
    p: POpt = None,
    r_high: RHighOpt = None,
    c_high: CHighOpt = None,
    r_low: RLowOpt = None,
    c_low: CLowOpt = None,
    n: NOpt = 1,
    multiplier: MultOpt = 1.0,
    json_out: JsonOpt = False,
) -> None:
    """Solve for one lever so the formula reaches a target profit or margin (the other levers as given)."""
    from leadlever.pricing import TwoClassLevers, solve_lever

    if sum(t is not None for t in (target_profit, target_total, target_margin)) != 1:
        fail("Give exactly one of --target-profit, --target-total and --target-margin.")
    lv = _levers(skip=lever.value, p=p, r_high=r_high, c_high=c_high, r_low=r_low, c_low=c_low)
    if lever.value == "p":
        lv["p"] = 0.0
    result = solve_lever(
        TwoClassLevers(**lv, multiplier=multiplier, n=n),
        lever.value,
        target_profit=target_profit,
        target_total=target_total,
        target_margin=target_margin,
    )
    if json_out:
        emit_json(result.to_dict())
        return
    typer.echo(
        f"{result.lever} = {result.value:,.6g} reaches the target "
        f"({result.target.replace('_', ' ')} {result.target_value:,.6g})."
    )
    typer.echo(
        f"Expected profit per lead: {result.expected_profit_per_lead:,.2f}; total for {n:,} lead{'s' if n != 1 else ''}: "
        f"{result.expected_profit_total:,.2f}."
    )


@app.command("leads")
@handle_errors(outputs={"out": "table"}, inputs=("scored",))
def leads(
    scored: Annotated[
        Path, typer.Argument(help="Scored lead table (.csv or .parquet) with a p_convert column.")
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Output table: the input plus 'grade' and 'price'.")
    ],
    c_high: Annotated[
        float | None,
        typer.Option(
            "--c-high",
            min=0.0,
            help="Generation cost of a high-grade lead (its price floor; a 'generation_cost' "
            "column overrides it; default: the economics' generation_cost).",
        ),
    ] = None,
    c_low: Annotated[
        float | None,
        typer.Option(
            "--c-low",
            min=0.0,
            help="Generation cost of a low-grade lead (its price floor; a 'generation_cost' "
            "column overrides it; default: the economics' generation_cost).",
        ),
    ] = None,
    target_margin: Annotated[
        float | None,
        typer.Option("--target-margin", help="Target batch margin (profit / revenue), < 1."),
    ] = None,
    target_profit: Annotated[
        float | None, typer.Option("--target-profit", help="Target profit per lead.")
    ] = None,
    confidence: Annotated[
        float | None,
        typer.Option(
            "--confidence",
            min=0.0,
            max=1.0,
            help="Reach the target with this probability (grade-settled batch) instead of on average.",
        ),
    ] = None,
    threshold: Annotated[
        float,
        typer.Option("--threshold", help="p_convert at or above which a lead is graded 'high'."),
    ] = 0.5,
    weight_high: Annotated[
        float,
        typer.Option(
            "--r-high", help="Relative weight of a high-quality lead (only the ratio matters)."
        ),
    ] = 1.0,
    weight_low: Annotated[
        float, typer.Option("--r-low", help="Relative weight of a low-quality lead.")
    ] = 0.0,
    cap: Annotated[
        float | None,
        typer.Option(
            "--cap",
            min=0.0,
            help="Willingness to pay for any lead (a 'willingness_to_pay' column overrides it).",
        ),
    ] = None,
    floor: Annotated[
        Floor,
        typer.Option(
            "--floor",
            help="A price's floor: the lead's in-house value (expected_value, else from the "
            "economics) and its generation cost, or the generation cost only.",
        ),
    ] = Floor.in_house_value,
    economics: EconomicsOption = None,
    target_col: OptionalTargetOption = None,
    won: WonOption = None,
    lost: LostOption = None,
    dedupe: DedupeOption = False,
    json_out: JsonOpt = False,
) -> None:
    """Grade and price every open lead of SCORED so the batch earns the target; write them to --out.

    Closed leads (won or lost by --target, or by the outcome column found and named in a
    note: converted, Converted, a Won/Lost deal_stage ...) are left out; no lead is priced
    below its in-house value (unless --floor generation-cost); generation costs not given come
    from the economics and are listed as assumptions.
    """
    from leadlever.cli._options import optional_outcome_spec
    from leadlever.engine.economics import load_economics
    from leadlever.engine.io import write_table
    from leadlever.pricing import load_scored_leads, price_open_leads

    if (target_margin is None) == (target_profit is None):
        fail("Give exactly one of --target-margin and --target-profit.")
    listing = price_open_leads(
        load_scored_leads(scored, dedupe=dedupe),
        economics=load_economics(economics),
        c_high=c_high,
        c_low=c_low,
        target_margin=target_margin,
        target_profit=target_profit,
        thresholds=(threshold,),
        weight_high=weight_high,
        weight_low=weight_low,
        cap=cap,
        confidence=confidence,
        source=str(scored),
        floor=floor.value,
        outcome=optional_outcome_spec(target_col, won, lost),
    )
    result = listing.pricing
    write_table(listing.priced, out)
    summary = {"out": str(out), **listing.to_dict()}
    if json_out:
        emit_json(summary)
        return
    print_notes(listing.assumptions, listing.warnings, listing.notes)
    typer.echo(
        f"Priced {summary['n_leads']:,} leads into {out}: mean price {summary['mean_price']:,.2f} "
        f"(min {summary['min_price']:,.2f}, max {summary['max_price']:,.2f})."
    )
    margin = "n/a" if result.margin is None else f"{result.margin:.1%}"
    typer.echo(
        f"Expected revenue {result.expected_revenue:,.2f}, cost {result.expected_cost:,.2f}, "
        f"profit {result.expected_profit:,.2f} (margin {margin})."
    )
    if result.prob_target_met is not None:
        typer.echo(f"P(target met) = {result.prob_target_met:.3f} (asked for {confidence}).")
