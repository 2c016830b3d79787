"""``leadlever score rescore``: re-score active leads, append to the score history."""

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

__all__ = ["rescore"]


@handle_errors(outputs={"history": "table"}, inputs=("bundle", "leads", "events"))
def rescore(
    bundle: Annotated[
        Path | None, typer.Argument(help="JSON bundle from 'qualify fit' (not with --db).")
    ] = None,
    leads: Annotated[
        Path | None,
        typer.Argument(
            help="Lead table; open leads (empty 'converted') are active (not with --db)."
        ),
    ] = None,
    history: Annotated[
        Path | None,
        typer.Option("--history", help="Score-history table to append to (created if absent)."),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="The service's database (path or URL): rescore its open leads with its active "
            "model and append to its score history, instead of files.",
        ),
    ] = None,
    events: Annotated[
        Path | None,
        typer.Option(
            "--events",
            help="Events file (event: call/new_client/okr_change, lead_id). Omit for a batch.",
        ),
    ] = None,
    scored_at: Annotated[
        str | None, typer.Option("--scored-at", help="Timestamp for the rows (default now, UTC).")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Movers to list each way.")] = 5,
    dedupe: DedupeOption = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
) -> None:
    """Re-score active leads (batch or on events) and report the movers."""
    if db is not None:
        _rescore_db(db, bundle, leads, history, events, top, json_out)
        return
    if bundle is None or leads is None or history is None:
        fail("Give BUNDLE, LEADS and --history (files), or --db URL (the service's database).")
    from leadlever.engine.io import read_leads, read_table
    from leadlever.engine.qualification import load_bundle
    from leadlever.engine.qualification import rescore as run_rescore

    result = run_rescore(
        read_leads(leads, dedupe=dedupe),
        load_bundle(bundle),
        history,
        events=None if events is None else read_table(events),
        scored_at=scored_at,
        sources={"leads": str(leads), "events": str(events)},
    )
    summary = result.to_dict(top=top)
    if json_out:
        emit_json(summary)
        return
    for warning in summary["warnings"]:
        echo_err(f"Warning: {warning}")
    typer.echo(
        f"Re-scored {summary['n_scored']:,} leads at {summary['scored_at']} ({summary['n_tier_changes']} tier "
        f"changes); history {history} now has {summary['n_history_rows']:,} rows."
    )
    movers = result.movers.dropna(subset=["score_change"])
    if len(movers):
        print_table(movers.sort_values("score_change").head(top), title="Largest falls:")
        print_table(
            movers.sort_values("score_change", ascending=False).head(top), title="Largest rises:"
        )


def _rescore_db(db, bundle, leads, history, events, top, json_out) -> None:
    """``--db``: the open leads, active model and score history of the service's database."""
    from leadlever.cli.serve import require_server_extra

    if any(x is not None for x in (bundle, leads, history, events)):
        fail(
            "With --db the leads, model and history are the database's: drop BUNDLE, LEADS, "
            "--history and --events (post events to the service's /events)."
        )
    require_server_extra()
    from leadlever.server import Service, open_database

    database = open_database(db)
    try:
        summary = Service(database).rescore("batch", top=top)
    finally:
        database.dispose()
    if json_out:
        emit_json(summary)
        return
    for warning in summary["warnings"]:
        echo_err(f"Warning: {warning}")
    typer.echo(
        f"Re-scored {summary['n_scored']:,} open leads at {summary['scored_at']} with model "
        f"{summary['model_version']} ({summary['n_tier_changes']} tier changes) in {summary['database']}."
    )
    for title, key in (("Largest rises:", "top_rises"), ("Largest falls:", "top_falls")):
        for row in summary[key]:
            typer.echo(
                f"{title} {row['lead_id']} {row['previous_score']:.0f} -> {row['score']:.0f}"
            )
