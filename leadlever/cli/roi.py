"""``leadlever roi``: expected ROI of open leads against an OKR threshold; campaign targeting."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadlever.cli._common import DedupeOption, echo_err, emit_json, handle_errors, print_table
from leadlever.cli._options import (
    EconomicsOption,
    JsonOption,
    LostOption,
    OptionalTargetOption,
    WonOption,
    print_notes,
)

__all__ = ["app", "evaluate", "target"]

app = typer.Typer(
    help="Expected ROI of leads: per-lead verdicts, feedback per channel, campaign targeting.",
    no_args_is_help=True,
)


@app.command("evaluate")
@handle_errors(outputs={"out": "table"}, inputs=("scored", "economics", "curves"))
def evaluate(
    scored: Annotated[
        Path,
        typer.Argument(
            help="Scored lead table (.csv or .parquet) with p_convert; channel optional."
        ),
    ],
    threshold: Annotated[
        str,
        typer.Option(
            "--threshold",
            help="OKR threshold on the metric: a number (1.5) or a rule (top40%, top40%:60d).",
        ),
    ],
    economics: EconomicsOption = None,
    metric: Annotated[
        str, typer.Option("--metric", help="What the threshold applies to: roi, profit or margin.")
    ] = "roi",
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
    include_closed: Annotated[
        bool,
        typer.Option(
            "--include-closed", help="Evaluate closed leads too (a look back at a past campaign)."
        ),
    ] = False,
    target_col: OptionalTargetOption = None,
    won: WonOption = None,
    lost: LostOption = None,
    dedupe: DedupeOption = False,
    json_out: JsonOption = False,
) -> None:
    """Evaluate every open lead's expected ROI; feedback overall and per channel/campaign.

    Closed leads (won or lost by --target, or by the outcome column found and named in a
    note) are left out unless --include-closed.
    """
    from leadlever.cli._options import optional_outcome_spec
    from leadlever.engine.economics import load_economics
    from leadlever.engine.io import write_table

    econ = load_economics(economics)
    spec = optional_outcome_spec(target_col, won, lost)
    notes: tuple[str, ...] = ()
    if curves is not None:
        from leadlever.optimisers.allocation import evaluate_with_curves

        joined = evaluate_with_curves(
            str(scored),
            threshold=threshold,
            curves=str(curves),
            economics=econ,
            metric=metric,
            include_closed=include_closed,
            outcome=spec,
        )
        report, notes = joined.report, joined.notes
        payload = joined.to_dict()
    else:
        from leadlever.engine.roi import evaluate_file

        report = evaluate_file(
            str(scored),
            threshold=threshold,
            economics=econ,
            metric=metric,
            include_closed=include_closed,
            dedupe=dedupe,
            outcome=spec,
        )
        payload = report.to_dict()
    if out is not None:
        write_table(report.to_frame(), out)
    if json_out:
        emit_json(payload)
        return
    print_notes(report.assumptions, report.warnings, report.notes)
    o = report.overall
    typer.echo(
        f"{report.n:,} {'' if include_closed else 'open '}leads; metric {report.metric}, threshold {report.threshold:.4g} "
        f"({report.threshold_rule}); {report.share_above:.1%} above; mean expected ROI "
        f"{report.mean_expected_roi:.3f}. Overall: {o['feedback']} "
        f"(suggested spend change {o['suggested_spend_change']:+.0%})."
    )
    from leadlever.engine.roi._feedback import FEEDBACK_COLUMNS

    cols = [*FEEDBACK_COLUMNS, "spend_direction", "agrees"]
    frame = report.by_channel
    if frame is not None:
        print_table(frame[[c for c in cols if c in frame.columns]], title="Per channel:")
    if curves is None:
        typer.echo(
            "suggested_spend_change is a heuristic from lead quality alone (0.5 x the feedback "
            "strength, at most 30%); pass --curves curves.csv for the allocator's recommendation."
        )
    elif frame is not None and "why" in frame.columns:
        for row in frame.itertuples():
            if row.agrees is False:
                echo_err(
                    f"Note: '{row.channel}': {row.feedback} but spend {row.spend_direction}: {row.why}."
                )
    for note in notes:
        typer.echo(note)


@app.command("target")
@handle_errors(outputs={"out": "table"}, inputs=("scored", "economics"))
def target(
    scored: Annotated[
        Path,
        typer.Argument(help="Leads with a probability (score apply, or score fit --oof-out)."),
    ],
    out: Annotated[Path, typer.Option("--out", help="Contact list to write (.csv/.parquet).")],
    value_per_conversion: Annotated[
        float | None,
        typer.Option("--value-per-conversion", help="What one conversion earns (economics)."),
    ] = None,
    cost_per_contact: Annotated[
        float | None,
        typer.Option("--cost-per-contact", help="What contacting one lead costs (economics)."),
    ] = None,
    economics: EconomicsOption = None,
    target_col: OptionalTargetOption = None,
    won: WonOption = None,
    lost: LostOption = None,
    budget: Annotated[
        int | None, typer.Option("--budget", min=1, help="Contact at most this many leads.")
    ] = None,
    prob_col: Annotated[
        str, typer.Option("--prob-col", help="Column with each lead's probability.")
    ] = "p_convert",
    dedupe: DedupeOption = False,
    json_out: JsonOption = False,
) -> None:
    """Contact the leads whose expected profit p x V - C is positive (the best first).

    Without --target this is a contact list: only open leads are contacted (the outcome
    column found, e.g. Converted or a Won/Lost deal_stage, is named in a note and its closed
    leads left out). With --target it evaluates a past campaign (e.g. out-of-fold
    probabilities): the rule runs on the leads with a known outcome, and the realised profit
    of the list and of contacting everyone is reported too.
    """
    from leadlever.cli._options import optional_outcome_spec
    from leadlever.engine.economics import load_economics
    from leadlever.engine.io import read_leads, write_table
    from leadlever.engine.roi import target_contacts

    econ = load_economics(
        economics, value_per_conversion=value_per_conversion, contact_cost=cost_per_contact
    )
    spec = optional_outcome_spec(target_col, won, lost)
    result = target_contacts(
        read_leads(scored, dedupe=dedupe),
        economics=econ,
        outcome=spec,
        budget=budget,
        prob_col=prob_col,
        source=str(scored),
    )
    write_table(result.contacts, out)
    payload = {"out": str(out), **result.to_dict()}
    if json_out:
        emit_json(payload)
        return
    print_notes(result.assumptions, result.warnings, result.notes)
    lo, hi = payload["expected_profit_interval"]
    typer.echo(
        f"Contact {result.n_contact:,} of {result.n:,} leads (p > {result.threshold_p:.4f}): "
        f"expected profit {result.expected_profit:,.0f} (90% {lo:,.0f} to {hi:,.0f}) vs "
        f"{result.expected_profit_contact_all:,.0f} contacting everyone. List: {out}."
    )
    if result.realised_profit is not None:
        typer.echo(
            f"Realised on the known outcomes: {result.realised_profit:,.0f} for the list vs "
            f"{result.realised_profit_contact_all:,.0f} contacting everyone."
        )
