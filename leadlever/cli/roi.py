"""``leadlever roi``: evaluate scored leads on expected ROI against an OKR threshold."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadlever.cli._common import DedupeOption, emit_json, handle_errors, print_table

__all__ = ["app", "evaluate"]

app = typer.Typer(
    help="Expected ROI of leads: per-lead verdicts and per-channel feedback.", no_args_is_help=True
)


@app.command("evaluate")
@handle_errors(outputs={"out": "table"}, inputs=("scored", "costs"))
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
    dedupe: DedupeOption = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON summary object on stdout.")
    ] = False,
) -> None:
    """Evaluate every lead's expected ROI and print the feedback per channel."""
    from leadlever.engine.io import write_table
    from leadlever.engine.roi import evaluate_file

    report = evaluate_file(
        str(scored),
        threshold=threshold,
        costs_path=None if costs is None else str(costs),
        dedupe=dedupe,
    )
    if out is not None:
        write_table(report.to_frame(), out)
    if json_out:
        emit_json(report.to_dict())
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
    ]
    print_table(report.by_channel[cols], title="Per channel:")
