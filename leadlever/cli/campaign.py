"""``leadlever campaign``: one period of the closed loop for a real campaign tool."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadlever.cli._common import DedupeOption, emit_json, handle_errors, print_table

__all__ = ["app"]

app = typer.Typer(
    help="Closed-loop campaign learning: update from feedback, propose the next split.",
    no_args_is_help=True,
)


@app.command("step")
@handle_errors(outputs={"out": "table", "state": "json"}, inputs=("leads", "spend", "outcomes"))
def step(
    state: Annotated[
        Path, typer.Option("--state", help="Learner state (JSON); created on first use.")
    ],
    budget: Annotated[float, typer.Option("--budget", help="Budget of the next period (a cap).")],
    out: Annotated[
        Path, typer.Option("--out", help="Next split: CSV/Parquet with channel, spend, share.")
    ],
    leads: Annotated[
        Path | None,
        typer.Option(
            "--leads",
            help="Last period's scored leads: channel + expected_value, or p_convert + commission.",
        ),
    ] = None,
    spend: Annotated[
        Path | None,
        typer.Option(
            "--spend",
            help="Last period's spend per channel (channel, spend); default: last proposal.",
        ),
    ] = None,
    outcomes: Annotated[
        Path | None,
        typer.Option(
            "--outcomes", help="Revised values of earlier periods (period, channel, value)."
        ),
    ] = None,
    channels: Annotated[
        str | None,
        typer.Option("--channels", help="Comma-separated channel names (first call only)."),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", help="OKR threshold on expected_roi: leads below it count 0."),
    ] = None,
    floor: Annotated[
        float,
        typer.Option(
            "--floor",
            min=0.0,
            max=0.99,
            help="Exploration floor per channel, share of budget (first call only).",
        ),
    ] = 0.01,
    forgetting: Annotated[
        float,
        typer.Option(
            "--forgetting",
            min=0.01,
            max=1.0,
            help="Weight of a one-period-older observation (first call only).",
        ),
    ] = 0.995,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the Thompson draws (first call only).")
    ] = 0,
    dedupe: DedupeOption = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
) -> None:
    """Update the learner with last period's feedback and write the next period's split."""
    from leadlever.engine.io import read_leads, read_table, write_table
    from leadlever.optimisers.learning import LearnerSettings, campaign_step

    tables = {
        "leads": None if leads is None else read_leads(leads, dedupe=dedupe),
        "spend": None if spend is None else read_table(spend),
        "outcomes": None if outcomes is None else read_table(outcomes),
    }
    result = campaign_step(
        state,
        budget=budget,
        leads=tables["leads"],
        spend=tables["spend"],
        outcomes=tables["outcomes"],
        channels=[c.strip() for c in channels.split(",") if c.strip()] if channels else None,
        threshold=threshold,
        settings=LearnerSettings(floor_share=floor, forgetting=forgetting),
        seed=seed,
        sources={"leads": str(leads), "spend": str(spend), "outcomes": str(outcomes)},
    )
    write_table(result.to_frame(), out)
    if json_out:
        emit_json({**result.to_dict(), "out": str(out), "state": str(state)})
        return
    verb = "Created" if result.created else "Updated"
    typer.echo(f"{verb} {state}; proposed split for period {result.step.period} written to {out}.")
    print_table(result.to_frame())
