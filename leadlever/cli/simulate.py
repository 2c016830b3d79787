"""``leadlever simulate``: generate the simulated Valiant world."""

from __future__ import annotations

from enum import StrEnum
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


class WorldChoice(StrEnum):
    valiant = "valiant"
    random = "random"


class StyleChoice(StrEnum):
    leadlever = "leadlever"
    platform = "platform"


@app.command("export")
@handle_errors(outputs={"out": "table"})
def export(
    out: OutOption,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="pipeline (B2B deals, unpredictable outcome), education (lead-scoring export) "
            "or valiant (Valiant leads under another CRM's column names).",
        ),
    ] = "valiant",
    n: Annotated[int, typer.Option("--n", min=50, help="Number of rows.")] = 2000,
    seed: SeedOption = 0,
    json_out: JsonOption = False,
) -> None:
    """Simulate a CRM export as a user brings it: foreign column names, stage values, leaks."""
    from leadlever.engine.io import write_table
    from leadlever.simulations.world import simulate_export

    frame, _ = simulate_export(kind, n, seed=seed)
    write_table(frame, out)
    summary = {"out": str(out), "kind": kind, "n_rows": len(frame), "columns": list(frame.columns)}
    if json_out:
        emit_json(summary)
    else:
        typer.echo(f"Wrote the {kind} export of {len(frame):,} rows to {out}.")


@app.command("channels")
@handle_errors(outputs={"out": "table"})
def channels(
    out: OutOption,
    weeks: Annotated[
        int, typer.Option("--weeks", min=1, max=5_200, help="Number of weekly periods.")
    ] = 104,
    seed: SeedOption = 0,
    world: Annotated[
        WorldChoice,
        typer.Option(
            "--world",
            help="valiant: the Valiant agency's 6 channels; random: a random world with a poor "
            "current split (benchmarks).",
        ),
    ] = WorldChoice.valiant,
    n_channels: Annotated[
        int, typer.Option("--channels", min=1, help="Channels of a random world.")
    ] = 6,
    truth: Annotated[
        Path | None,
        typer.Option(
            "--truth", help="Write the world's truth (curves, carry-over, season) as JSON."
        ),
    ] = None,
    style: Annotated[
        StyleChoice,
        typer.Option(
            "--style",
            help="leadlever: week, channel, spend, value and the truth; platform: as an ad "
            "platform's report (other names, impressions, clicks, no truth).",
        ),
    ] = StyleChoice.leadlever,
    daily: Annotated[
        bool, typer.Option("--daily", help="With --style platform: one row per day.")
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Simulate weekly spend, leads, conversions and value per channel (carry-over, season)."""
    from leadlever.simulations.world import simulate_channel_file

    summary = simulate_channel_file(
        out,
        weeks=weeks,
        seed=seed,
        world=world.value,
        n_channels=n_channels,
        truth=truth,
        style=style.value,
        daily=daily,
    )
    if json_out:
        emit_json(summary)
        return
    typer.echo(
        f"Wrote {weeks} weeks x {len(summary['by_channel'])} channels to {out}"
        + (f" (truth: {truth})" if truth else "")
        + "."
    )
    for row in summary["by_channel"]:
        typer.echo(
            f"  {row['channel']:<22} spend {row['spend']:>12,.0f}  value {row['value']:>14,.0f}"
            f"  carry-over {row['true_carryover']:.2f}"
        )


@app.command("ads")
@handle_errors(outputs={"out": "table"})
def ads(
    out: OutOption,
    n_ads: Annotated[int, typer.Option("--ads", min=1, help="Number of ads (rows).")] = 1143,
    seed: SeedOption = 0,
    json_out: JsonOption = False,
) -> None:
    """Simulate a Facebook-ads-style export: one row per ad, campaign, interest, spend, conversions."""
    from leadlever.engine.io import write_table
    from leadlever.simulations.world import facebook_ads_export

    frame = facebook_ads_export(n_ads, seed=seed)
    write_table(frame, out)
    summary = {
        "out": str(out),
        "n_ads": len(frame),
        "n_interests": int(frame["interest"].nunique()),
        "spent": float(frame["Spent"].sum()),
        "approved_conversions": int(frame["Approved_Conversion"].sum()),
    }
    if json_out:
        emit_json(summary)
        return
    typer.echo(
        f"Wrote {summary['n_ads']:,} ads over {summary['n_interests']} interest groups to {out} "
        f"(spent {summary['spent']:,.0f}, {summary['approved_conversions']:,} approved conversions)."
    )
