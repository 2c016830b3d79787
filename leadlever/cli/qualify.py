"""``leadlever qualify``: fit the qualification bundle on any export, apply it to open leads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadlever.cli._common import (
    DedupeOption,
    Engine,
    EngineOption,
    SchedulerOption,
    emit_json,
    handle_errors,
    print_table,
)
from leadlever.cli._options import (
    EconomicsOption,
    JsonOption,
    LostOption,
    OptionalTargetOption,
    WonOption,
    print_notes,
)

__all__ = ["app"]

app = typer.Typer(
    help="Qualification on four criteria: conversion and timing, delivery effort, profit, fit.",
    no_args_is_help=True,
)


def _col(flag: str, what: str):
    return Annotated[str | None, typer.Option(flag, help=what)]


CommissionOption = Annotated[
    float | None,
    typer.Option("--commission-rate", help="Share of a salary earned per placement (economics)."),
]
HourlyOption = Annotated[
    float | None, typer.Option("--hourly-rate", help="Cost of one consultant hour (economics).")
]


@app.command("fit")
@handle_errors(outputs={"bundle_out": "json"}, inputs=("history", "mapping"))
def fit(
    history: Annotated[
        Path, typer.Argument(help="The export (CSV/Parquet): closed and open leads.")
    ],
    bundle_out: Annotated[
        Path, typer.Option("--bundle-out", help="Where to write the JSON model bundle.")
    ],
    target: OptionalTargetOption = None,
    won: WonOption = None,
    lost: LostOption = None,
    id_col: _col(
        "--id-col", "Column of lead ids (default lead_id or the first id-like column)."
    ) = None,
    created_col: _col("--created-col", "Date each lead was created.") = None,
    closed_col: _col("--closed-col", "Date each lead was won or lost.") = None,
    value_col: _col(
        "--value-col", "What a won lead earned (a salary if named placement_salary)."
    ) = None,
    effort_col: _col("--effort-col", "Consultant hours a closed lead took.") = None,
    fit_col: _col("--fit-col", "Fit feedback of closed leads (yes/no).") = None,
    as_of: _col("--as-of", "Observation date for open leads (default the latest date).") = None,
    drop: Annotated[
        str, typer.Option("--drop", help="Comma-separated columns to leave out (e.g. leaks).")
    ] = "",
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="TOML mapping of export columns to roles (see docs)."),
    ] = None,
    test_fraction: Annotated[
        float, typer.Option("--test-fraction", help="Share held out for metrics.")
    ] = 0.25,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the held-out split.")] = 0,
    sentinel: Annotated[
        list[str] | None,
        typer.Option(
            "--sentinel",
            help="COLUMN=VALUE meaning missing in the conversion model (repeatable), as in "
            "score fit.",
        ),
    ] = None,
    dedupe: DedupeOption = False,
    json_out: JsonOption = False,
) -> None:
    """Fit every criterion HISTORY supports; skip the others with a reason.

    Conversion from the outcome (--target, default 'converted'); time to close from the
    created/closed dates (open leads censored at --as-of); profit from the value of won
    leads; delivery effort and strategic fit when their columns exist. Features come
    from the export itself; id-like columns are left out and leak suspects named.
    """
    from leadlever.engine.io import OutcomeSpec, parse_values, read_leads
    from leadlever.engine.qualification import fit_bundle, load_mapping

    base = load_mapping(mapping) if mapping else {"roles": {}, "won": (), "lost": (), "as_of": None}
    roles = dict(base["roles"])
    options = {
        "lead_id": id_col,
        "created_at": created_col,
        "closed_at": closed_col,
        "value": value_col,
        "effort_hours": effort_col,
        "fit_feedback": fit_col,
    }
    roles.update({k: v for k, v in options.items() if v})
    column = target or roles.pop("converted", None) or "converted"
    roles.pop("converted", None)
    spec = OutcomeSpec(column, parse_values(won) or base["won"], parse_values(lost) or base["lost"])
    factory = None
    if sentinel:
        import functools

        from leadlever.cli.score import parse_sentinels
        from leadlever.engine.scoring import ConversionModel

        factory = functools.partial(ConversionModel, sentinels=parse_sentinels(sentinel))
    bundle = fit_bundle(
        read_leads(history, dedupe=dedupe, id_col=roles.get("lead_id") or "lead_id"),
        conversion_factory=factory,
        outcome=spec,
        columns=roles,
        as_of=as_of or base["as_of"],
        drop=[c.strip() for c in drop.split(",") if c.strip()],
        test_fraction=test_fraction,
        seed=seed,
        source=str(history),
    )
    bundle.save(bundle_out)
    report = bundle.report.to_dict() | {
        "bundle": str(bundle_out),
        "columns": bundle.columns.to_dict(),
        "features": bundle.features,
        "metrics_split": f"{test_fraction:.0%} of the leads held out (seed {seed}), then refitted "
        "on all: one split, where score fit reports out-of-fold metrics over every closed lead, "
        "so the two AUCs of the same data differ",
    }
    if json_out:
        emit_json(report)
        return
    typer.echo(f"Wrote {bundle_out} (model version {bundle.model_version}).")
    for line in bundle.columns.describe():
        typer.echo(f"  {line}")
    for c in report["criteria"]:
        metrics = ", ".join(f"{k} {v:.3f}" for k, v in c["metrics"].items() if isinstance(v, float))
        typer.echo(
            f"{c['criterion']:<10} {c['status']:<7} {c['reason']}"
            + (f" ({metrics})" if metrics else "")
        )
    typer.echo(f"Metrics: {report['metrics_split']}.")


@app.command("apply")
@handle_errors(outputs={"out": "dataset"}, inputs=("bundle", "leads", "economics"))
def apply(
    bundle: Annotated[Path, typer.Argument(help="JSON bundle from 'qualify fit'.")],
    leads: Annotated[
        Path,
        typer.Argument(help="Leads to qualify (CSV, Parquet, or a folder of Parquet files)."),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Profile table to write (.csv, .csv.gz or .parquet; a folder with --engine dask).",
        ),
    ],
    target_roles: Annotated[
        str | None,
        typer.Option(
            "--target-roles", help="Comma-separated role categories that count as a fit (no refit)."
        ),
    ] = None,
    economics: EconomicsOption = None,
    commission_rate: CommissionOption = None,
    hourly_rate: HourlyOption = None,
    include_closed: Annotated[
        bool,
        typer.Option(
            "--include-closed",
            help="Profile closed (won or lost) leads too; by default only open leads are.",
        ),
    ] = False,
    target_col: OptionalTargetOption = None,
    won: WonOption = None,
    lost: LostOption = None,
    engine: EngineOption = Engine.local,
    scheduler: SchedulerOption = None,
    dedupe: DedupeOption = False,
    json_out: JsonOption = False,
) -> None:
    """Write the qualification profile of the open leads in LEADS (closed ones are left out).

    Closed leads are those won or lost by --target (with --won/--lost), else by the outcome
    column the bundle was fitted with, else by the outcome column found (named in a note).

    Reads LEADS in chunks, so any number of leads fits in memory; with --engine dask a
    Parquet dataset is profiled on a Dask cluster.
    """
    import dataclasses

    from leadlever.cli._options import optional_outcome_spec
    from leadlever.engine.economics import load_economics
    from leadlever.engine.io._open_leads import outcome_candidates
    from leadlever.engine.io._stream import table_columns
    from leadlever.engine.qualification import load_bundle, qualify_file, qualify_summary

    model = load_bundle(bundle)
    spec = optional_outcome_spec(target_col, won, lost)
    if spec is not None:
        model = dataclasses.replace(model, columns=dataclasses.replace(model.columns, outcome=spec))
    econ = load_economics(economics, commission_rate=commission_rate, hourly_rate=hourly_rate)
    settings = model.settings
    if target_roles:
        roles = tuple(r.strip() for r in target_roles.split(",") if r.strip())
        settings = dataclasses.replace(settings, target_roles=roles)
    result = qualify_file(
        model,
        leads,
        out,
        economics=econ,
        settings=settings,
        include_closed=include_closed,
        dedupe=dedupe,
        engine=engine.value,
        scheduler=scheduler,
    )
    names = table_columns(leads)
    summary = qualify_summary(
        result,
        model,
        econ,
        include_closed=include_closed,
        has_outcome=model.columns.outcome.column in names,
        found=outcome_candidates(names),
        columns=names,
    )
    if json_out:
        emit_json(summary)
        return
    print_notes(model.profile_assumptions(econ, names), summary["warnings"], summary["notes"])
    typer.echo(f"Wrote the profile of {summary['n_leads']:,} open leads to {out}.")
    if result.tally.top_rows is not None:
        print_table(result.tally.top_rows)
