"""``leadlever qualify``: fit the four-criteria qualification bundle, apply it to leads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leadlever.cli._common import DedupeOption, emit_json, handle_errors, print_table

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
@handle_errors(outputs={"out": "table"}, inputs=("bundle", "leads"))
def apply(
    bundle: Annotated[Path, typer.Argument(help="JSON bundle from 'qualify fit'.")],
    leads: Annotated[Path, typer.Argument(help="Leads to qualify (CSV/Parquet).")],
    out: Annotated[Path, typer.Option("--out", help="Profile table to write (.csv or .parquet).")],
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
    json_out: JsonOption = False,
) -> None:
    """Write the qualification profile of every lead in LEADS."""
    from leadlever.engine.io import read_table, table_format, write_table
    from leadlever.engine.qualification import active_leads, load_bundle

    table_format(out)
    model = load_bundle(bundle)
    settings = settings_from_options(model.settings, commission_rate, hourly_rate, target_roles)
    table = read_table(leads)
    profile = model.profile(
        active_leads(table) if open_only else table, settings, source=str(leads)
    )
    write_table(profile, out)
    summary = {
        "out": str(out),
        "model_version": model.model_version,
        "n_leads": int(len(profile)),
        "mean_p_convert": float(profile["p_convert"].mean()),
        "total_expected_value": float(profile["expected_value"].sum()),
        "tiers": profile["tier"].value_counts().to_dict(),
    }
    if json_out:
        emit_json(summary)
    else:
        typer.echo(f"Wrote the profile of {len(profile):,} leads to {out}.")
        top = profile.sort_values("expected_value", ascending=False).head(10)
        print_table(
            top[
                [
                    "lead_id",
                    "p_convert",
                    "p_convert_180d",
                    "expected_effort_hours",
                    "expected_commission",
                    "p_fit",
                    "expected_value",
                ]
            ]
        )
