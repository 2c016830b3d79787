"""``leadlever campaign``: one period of the closed loop for a real campaign tool."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadlever.cli._common import (
    DedupeOption,
    echo_err,
    emit_json,
    fail,
    handle_errors,
    print_table,
)
from leadlever.cli._options import EconomicsOption

__all__ = ["app"]

app = typer.Typer(
    help="Closed-loop campaign learning: update from feedback, propose the next split.",
    no_args_is_help=True,
)


@app.command("step")
@handle_errors(outputs={"out": "table", "state": "json"}, inputs=("leads", "spend", "outcomes"))
def step(
    budget: Annotated[float, typer.Option("--budget", help="Budget of the next period (a cap).")],
    out: Annotated[
        Path, typer.Option("--out", help="Next split: CSV/Parquet with channel, spend, share.")
    ],
    state: Annotated[
        Path | None, typer.Option("--state", help="Learner state (JSON); created on first use.")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="The service's database (path or URL): state and last period's leads from it "
            "instead of --state and --leads.",
        ),
    ] = None,
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
    curves: Annotated[
        Path | None,
        typer.Option(
            "--curves",
            help="Fitted curves (allocate fit): the split follows their recommendation until the "
            "learner has its own feedback, and every move is compared with it.",
        ),
    ] = None,
    max_change: Annotated[
        float,
        typer.Option(
            "--max-change",
            min=0.0,
            help="A channel's spend moves at most this share away from last week's.",
        ),
    ] = 0.25,
    economics: EconomicsOption = None,
    dedupe: DedupeOption = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
) -> None:
    """Update the learner with last period's feedback and write the next period's split."""
    from leadlever.cli._allocate_render import render_assumptions
    from leadlever.engine.economics import load_economics
    from leadlever.engine.io import read_leads, read_table, write_table
    from leadlever.optimisers.learning import LearnerSettings, campaign_step

    if db is not None:
        if state is not None or leads is not None or outcomes is not None:
            fail(
                "With --db the state, leads and outcomes are the database's: drop --state, "
                "--leads and --outcomes."
            )
        if economics is not None:
            fail(
                "With --db the leads are valued at the commissions the service stored when "
                "they arrived (`leadlever serve --economics`): drop --economics."
            )
        _step_db(
            db,
            budget,
            out,
            spend,
            channels,
            threshold,
            floor,
            forgetting,
            seed,
            json_out,
            curves,
            max_change,
        )
        return
    if state is None:
        fail("Give --state FILE (the learner's JSON state) or --db URL (the service's database).")
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
        curves=None if curves is None else str(curves),
        max_change=max_change,
        economics=None if economics is None else load_economics(economics),
    )
    write_table(result.to_frame(), out)
    if json_out:
        emit_json({**result.to_dict(), "out": str(out), "state": str(state)})
        return
    verb = "Created" if result.created else "Updated"
    typer.echo(f"{verb} {state}; proposed split for period {result.step.period} written to {out}.")
    if result.feedback_note:
        typer.echo(result.feedback_note)
    typer.echo(result.explanation)
    print_table(result.to_frame())
    if result.limited:
        typer.echo(
            f"Limited by --max-change ({max_change:.0%} a week): {', '.join(result.limited)}."
        )
    for row in result.evidence:
        echo_err(f"Warning: '{row['channel']}' (as in allocate solve): {row['why']}.")
    for note in result.notes:
        echo_err(f"Warning: {note}")
    for row in result.agreement:
        if not row["agrees"]:
            echo_err(
                f"Note: '{row['channel']}' goes {row['direction']} here but "
                f"{row['recommended_direction']} in allocate solve: {row['why']}."
            )
    render_assumptions(result.assumptions)


def _step_db(
    db,
    budget,
    out,
    spend,
    channels,
    threshold,
    floor,
    forgetting,
    seed,
    json_out,
    curves,
    max_change,
) -> None:
    """``--db``: one step of the loop whose state and leads the service's database keeps."""
    from leadlever.cli.serve import require_server_extra

    require_server_extra()
    import pandas as pd

    from leadlever.engine.io import read_table, validate_table, write_table
    from leadlever.optimisers.learning import LearnerSettings
    from leadlever.optimisers.learning._campaign_step import SPEND_SCHEMA
    from leadlever.server import Service, open_database
    from leadlever.server._loop import run_campaign_step

    spend_map = None
    if spend is not None:
        tab = validate_table(read_table(spend), SPEND_SCHEMA, source=str(spend))
        spend_map = tab.groupby(tab["channel"].astype(str))["spend"].sum().to_dict()
    database = open_database(db)
    try:
        service = Service(database)
        okr = service.okr()
        result = run_campaign_step(
            service.store,
            budget=budget,
            spend=spend_map,
            channels=[c.strip() for c in channels.split(",") if c.strip()] if channels else None,
            threshold=threshold
            if threshold is not None
            else (okr.threshold if okr.metric == "roi" else None),
            settings=LearnerSettings(floor_share=floor, forgetting=forgetting),
            seed=seed,
            curves=None if curves is None else str(curves),
            max_change=max_change,
        )
    finally:
        database.dispose()
    split = pd.DataFrame({"period": result["next_period"], "channel": list(result["allocation"]),
                          "spend": list(result["allocation"].values())})  # fmt: skip
    split["share"] = split["spend"] / split["spend"].sum()
    write_table(split, out)
    if json_out:
        emit_json({**result, "out": str(out), "database": database.display_url})
        return
    typer.echo(
        f"Stored period {result['next_period']} in {database.display_url}; split written to {out}."
    )
    print_table(split)
