"""``leadlever deals``: compare B2B deals by their break-even lead quality p*."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from leadlever.cli._common import DedupeOption, emit_json, handle_errors
from leadlever.cli._options import (
    EconomicsOption,
    LostOption,
    OptionalTargetOption,
    WonOption,
    print_notes,
)

__all__ = ["app"]

app = typer.Typer(
    help="Compare B2B deals: break-even p*, the best deal per p, odds under a forecast.",
    no_args_is_help=True,
)


class Season(StrEnum):
    winter = "winter"
    spring = "spring"
    summer = "summer"
    autumn = "autumn"


class Method(StrEnum):
    poisson_binomial = "poisson_binomial"
    beta = "beta"


@app.command("compare")
@handle_errors(outputs={"plot": "image", "tornado": "table"}, inputs=("deals_file", "leads"))
def compare(
    deals_file: Annotated[
        Path, typer.Argument(help="DEALS.toml with [[deals]] tables (see the README).")
    ],
    leads: Annotated[
        Path | None, typer.Option("--leads", help="Scored leads (p_convert) to forecast p from.")
    ] = None,
    city: Annotated[
        str | None, typer.Option("--city", help="Pool: only leads of this city (overrides [pool]).")
    ] = None,
    season: Annotated[
        Season | None, typer.Option("--season", help="Pool: only leads created in this season.")
    ] = None,
    method: Annotated[
        Method | None,
        typer.Option("--method", help="Forecast of p: poisson_binomial (default) or beta."),
    ] = None,
    draws: Annotated[
        int, typer.Option("--draws", min=0, help="Monte Carlo draws (0 = exact only).")
    ] = 100_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the Monte Carlo draws.")] = 0,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the profit-vs-p chart (PNG) here.")
    ] = None,
    tornado: Annotated[
        Path | None, typer.Option("--tornado", help="Write the p* sensitivity table (CSV) here.")
    ] = None,
    economics: EconomicsOption = None,
    target_col: OptionalTargetOption = None,
    won: WonOption = None,
    lost: LostOption = None,
    dedupe: DedupeOption = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
) -> None:
    """Break-even p* of every pair of deals, the best deal on each interval of p, and with --leads the odds."""
    from leadlever.cli._options import optional_outcome_spec
    from leadlever.engine.economics import load_economics
    from leadlever.engine.io import write_table
    from leadlever.pricing import load_scored_leads
    from leadlever.simulations.deals import compare_deals_file
    from leadlever.simulations.deals._compare import envelope_sensitivity

    scored = load_scored_leads(leads, dedupe=dedupe) if leads is not None else None
    result = compare_deals_file(
        deals_file,
        scored,
        city=city,
        season=None if season is None else season.value,
        method=None if method is None else method.value,
        n_draws=draws,
        seed=seed,
        economics=load_economics(economics),
        outcome=optional_outcome_spec(target_col, won, lost),
        source=None if leads is None else str(leads),
    )
    if tornado is not None:
        write_table(envelope_sensitivity(result), tornado)
    if plot is not None:
        from leadlever.simulations.deals.plots import plot_deals

        plot_deals(result, plot)
    payload = result.to_dict()
    if json_out:
        print_notes(warnings=result.warnings)  # on stderr: the JSON on stdout stays one object
        emit_json(payload)
        return
    print_notes(result.assumptions, result.warnings, result.notes)
    for c in result.crossings:
        typer.echo(c.describe())
    typer.echo("Best deal by p:")
    for seg in result.envelope:
        typer.echo(f"  {seg.p_from:.4f} - {seg.p_to:.4f}: {seg.deal}")
    if result.forecast is not None:
        fc = result.forecast
        typer.echo(
            f"Forecast p = {fc.mean:.4f} (sd {fc.std:.4f}, 90% in [{fc.quantile(0.05):.4f}, "
            f"{fc.quantile(0.95):.4f}]; {fc.method}, {fc.n_leads} leads)."
        )
        for name, prob in result.exact.prob_best.items():
            typer.echo(
                f"  {name}: P(best) = {prob:.3f}, expected regret {result.exact.expected_regret[name]:,.2f}"
            )
        typer.echo(f"Best bet: {result.best_expected}.")
