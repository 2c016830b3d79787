"""``leadlever qualify``: fit the four-criteria qualification bundle, apply it to leads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.engine.qualification import QualificationSettings

__all__ = ["app", "settings_from_options"]

app = typer.Typer(
    help="Qualification on four criteria: conversion and timing, delivery effort, profit, fit.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
CommissionOption = Annotated[
    float | None,
    typer.Option("--commission-rate", help="Share of the starting salary earned (default 0.20)."),
]
HourlyOption = Annotated[
    float | None,
    typer.Option("--hourly-rate", help="Cost of one consultant hour, EUR (default 60)."),
]


def settings_from_options(
    base: QualificationSettings,
    commission_rate: float | None = None,
    hourly_rate: float | None = None,
    target_roles: str | None = None,
) -> QualificationSettings:
    """A copy of ``base`` with the options the user gave."""
    import dataclasses

    changes: dict = {}
    if commission_rate is not None:
        changes["commission_rate"] = commission_rate
    if hourly_rate is not None:
        changes["hourly_rate"] = hourly_rate
    if target_roles:
        changes["target_roles"] = tuple(r.strip() for r in target_roles.split(",") if r.strip())
    return dataclasses.replace(base, **changes)


@app.command("fit")
@handle_errors(outputs={"bundle_out": "json"}, inputs=("history",))
def fit(
    history: Annotated[
        Path, typer.Argument(help="Lead history (CSV/Parquet) with outcome columns.")
    ],
    bundle_out: Annotated[
        Path, typer.Option("--bundle-out", help="Where to write the JSON model bundle.")
    ],
    test_fraction: Annotated[
        float, typer.Option("--test-fraction", help="Share held out for metrics.")
    ] = 0.25,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the held-out split.")] = 0,
    commission_rate: CommissionOption = None,
    hourly_rate: HourlyOption = None,
    dedupe: DedupeOption = False,
    json_out: JsonOption = False,
) -> None:
    """Fit every qualification model on HISTORY and save them as one versioned JSON bundle."""
    from leadlever.engine.io import read_leads
    from leadlever.engine.qualification import QualificationSettings, fit_bundle

    settings = settings_from_options(QualificationSettings(), commission_rate, hourly_rate)
    bundle = fit_bundle(
        read_leads(history, dedupe=dedupe),
        settings=settings,
        test_fraction=test_fraction,
        seed=seed,
    )
    bundle.save(bundle_out)
    report = bundle.report.to_dict() | {"bundle": str(bundle_out)}
    if json_out:
        emit_json(report)
    else:
        typer.echo(f"Wrote {bundle_out} (model version {bundle.model_version}). Held-out metrics:")
        print_table(bundle.report.to_frame(), float_format="{:,.3f}")


@app.command("apply")
@handle_errors(outputs={"out": "dataset"}, inputs=("bundle", "leads"))
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
    commission_rate: CommissionOption = None,
    hourly_rate: HourlyOption = None,
    open_only: Annotated[
        bool,
        typer.Option(
            "--open-only", help="Only the active leads (empty 'converted'), e.g. for 'plan'."
        ),
    ] = False,
    engine: EngineOption = Engine.local,
    scheduler: SchedulerOption = None,
    dedupe: DedupeOption = False,
    json_out: JsonOption = False,
) -> None:
    """Write the qualification profile of every lead in LEADS (in chunks: any number of leads)."""
    from leadlever.engine.qualification import load_bundle, qualify_file, qualify_summary

    model = load_bundle(bundle)
    settings = settings_from_options(model.settings, commission_rate, hourly_rate, target_roles)
    result = qualify_file(
        model,
        leads,
        out,
        settings=settings,
        open_only=open_only,
        dedupe=dedupe,
        engine=engine.value,
        scheduler=scheduler,
    )
    summary = qualify_summary(result, model.model_version)
    if json_out:
        emit_json(summary)
        return
    typer.echo(f"Wrote the profile of {summary['n_leads']:,} leads to {out}.")
    if result.tally.top_rows is not None:
        print_table(result.tally.top_rows)
