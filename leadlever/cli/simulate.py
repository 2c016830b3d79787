"""``leadlever simulate``: generate the simulated Valiant world."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadlever.cli._common import emit_json, handle_errors

app = typer.Typer(
    help="Generate simulated leads and channel histories (ground truth included).",
    no_args_is_help=True,
)

OutOption = Annotated[Path, typer.Option("--out", help="Output file (.csv, .csv.gz or .parquet).")]
SeedOption = Annotated[int, typer.Option("--seed", help="Random seed: same seed, same bytes.")]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON summary object on stdout.")
]


@app.command("leads")
@handle_errors(outputs={"out": "table"})
def leads(
    out: OutOption,
    n: Annotated[
        int,
        typer.Option(
            "--n",
            min=1,
            max=50_000_000,
            help="Number of leads to simulate (at most 50 million: they are built in memory).",
        ),
    ] = 10_000,
    seed: SeedOption = 0,
    json_out: JsonOption = False,
) -> None:
    """Simulate N leads with explicit, behavioural and outcome columns (true_* = ground truth)."""
    from leadlever.engine.io import write_table
    from leadlever.simulations.world import simulate_leads

    frame = simulate_leads(n, seed=seed)
    write_table(frame, out)
    summary = {
        "out": str(out),
        "n_leads": len(frame),
        "n_closed": int(frame["converted"].notna().sum()),
        "n_open": int(frame["converted"].isna().sum()),
        "conversion_rate_closed": float(frame["converted"].astype(float).mean()),
        "mean_true_p_convert": float(frame["true_p_convert"].mean()),
    }
    if json_out:
        emit_json(summary)
    else:
        typer.echo(
            f"Wrote {summary['n_leads']:,} leads to {out} ({summary['n_closed']:,} closed, "
            f"{summary['n_open']:,} open; closed conversion rate {summary['conversion_rate_closed']:.1%})."
        )


@app.command("channels")
@handle_errors(outputs={"out": "table"})
def channels(
    out: OutOption,
    weeks: Annotated[
        int, typer.Option("--weeks", min=1, max=5_200, help="Number of weekly periods.")
    ] = 104,
    seed: SeedOption = 0,
    json_out: JsonOption = False,
) -> None:
    """Simulate weekly spend, leads, conversions and value per channel."""
    from leadlever.engine.io import write_table
    from leadlever.simulations.world import simulate_channels

    frame = simulate_channels(weeks, seed=seed)
    write_table(frame, out)
    totals = frame.groupby("channel", sort=False)[["spend", "leads", "conversions", "value"]].sum()
    if json_out:
        emit_json(
            {
                "out": str(out),
                "weeks": weeks,
                "n_rows": len(frame),
                "by_channel": totals.reset_index().to_dict(orient="records"),
            }
        )
    else:
        typer.echo(f"Wrote {weeks} weeks x {totals.shape[0]} channels to {out}.")
        typer.echo(totals.round(0).to_string())
