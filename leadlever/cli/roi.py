"""``leadlever roi``: evaluate scored leads on expected ROI against an OKR threshold."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadlever.cli._common import echo_err, emit_json, handle_errors, print_table

__all__ = ["app", "evaluate"]

app = typer.Typer(
    help="Expected ROI of leads: per-lead verdicts and per-channel feedback.", no_args_is_help=True
)


@app.command("evaluate")
@handle_errors
def evaluate(
    scored: Annotated[
        Path,
        typer.Argument(help="Scored lead table (.csv or .parquet) with p_convert and channel."),
    ],
    threshold: Annotated[
        str,
        typer.Option(
            "--threshold",
            help="OKR threshold on the metric: a number (1.5) or a rule (top40%, top40%:60d).",
        ),
    ],
    costs: Annotated[
        Path | None, typer.Option("--costs", help="TOML file of cost assumptions (see README).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write the per-lead table (verdict, magnitude, expected_*) here."
        ),
    ] = None,
    curves: Annotated[
        Path | None,
        typer.Option(
            "--curves",
            help="Fitted curves (allocate fit): add the allocator's spend direction per channel "
            "and say where it differs from the leads' feedback.",
        ),
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON summary object on stdout.")
    ] = False,
) -> None:
    """Evaluate every lead's expected ROI and print the feedback per channel."""
    from leadlever.engine.io import table_format, write_table

    if out is not None:
        table_format(out)
    costs_path = None if costs is None else str(costs)
    notes: tuple[str, ...] = ()
    if curves is not None:
        from leadlever.optimisers.allocation import evaluate_with_curves

        joined = evaluate_with_curves(
            str(scored), threshold=threshold, curves=str(curves), costs_path=costs_path
        )
        report, notes = joined.report, joined.notes
        payload = joined.to_dict()
    else:
        from leadlever.engine.roi import evaluate_file

        report = evaluate_file(str(scored), threshold=threshold, costs_path=costs_path)
        payload = report.to_dict()
    if out is not None:
        write_table(report.to_frame(), out)
    if json_out:
        emit_json(payload)
        return
    typer.echo(
        f"{report.n:,} leads; metric {report.metric}, threshold {report.threshold:.4g} ({report.threshold_rule}); "
        f"{report.share_above:.1%} above; mean expected ROI {report.mean_expected_roi:.3f}."
    )
    cols = [
        "channel",
        "n",
        "mean_expected_roi",
        "share_above",
        "feedback",
        "suggested_spend_change",
        "spend_direction",
        "agrees",
    ]
    frame = report.by_channel
    print_table(frame[[c for c in cols if c in frame.columns]], title="Per channel:")
    if curves is None:
        typer.echo(
            "suggested_spend_change is a heuristic from lead quality alone (0.5 x the feedback "
            "strength, at most 30%); pass --curves curves.csv for the allocator's recommendation."
        )
    elif "why" in frame.columns:
        for row in frame.itertuples():
            if row.agrees is False:
                echo_err(
                    f"Note: '{row.channel}': {row.feedback} but spend {row.spend_direction}: {row.why}."
                )
    for note in notes:
        typer.echo(note)
