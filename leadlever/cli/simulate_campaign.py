"""``leadlever simulate campaign``: the closed-loop policy comparison (registered into ``simulate``)."""

from __future__ import annotations

from typing import Annotated

import typer

from leadlever.cli._common import echo_err, emit_json, handle_errors, print_table
from leadlever.cli.simulate import JsonOption
from leadlever.cli.simulate import app as simulate_app

__all__ = ["campaign"]


@simulate_app.command("campaign")
@handle_errors
def campaign(
    weeks: Annotated[int, typer.Option("--weeks", min=2, help="Number of weekly periods.")] = 52,
    seeds: Annotated[
        int, typer.Option("--seeds", min=1, help="Number of seeds (runs) per policy.")
    ] = 5,
    policies: Annotated[
        str,
        typer.Option(
            "--policies",
            help="Comma-separated: learner, equal, historical, epsilon_greedy, "
            "arm_thompson, fit_once, oracle (the oracle always runs).",
        ),
    ] = "learner,equal,historical,epsilon_greedy,arm_thompson,fit_once,oracle",
    shift: Annotated[
        int | None,
        typer.Option("--shift", min=1, help="Week at which one channel's lead quality shifts."),
    ] = None,
    shift_channel: Annotated[
        str, typer.Option("--shift-channel", help="Channel whose quality shifts.")
    ] = "social",
    shift_delta: Annotated[
        float, typer.Option("--shift-delta", help="Quality shift in log-odds.")
    ] = 1.2,
    okr_week: Annotated[
        int | None,
        typer.Option("--okr-week", min=1, help="Week at which a new OKR threshold starts."),
    ] = None,
    okr_threshold: Annotated[
        float,
        typer.Option(
            "--okr-threshold",
            min=0.0,
            help="New OKR: leads whose expected value at arrival is below this (money, as the profit) count 0.",
        ),
    ] = 3000.0,
    budget: Annotated[
        float | None,
        typer.Option("--budget", help="Weekly budget; default: the historical weekly spend."),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Closed-loop campaign: policies set spend week by week on the simulated world, scored against the oracle."""
    from leadlever.simulations.campaign import CampaignSetup, compare_policies

    names = [p.strip() for p in policies.split(",") if p.strip()]
    setup = CampaignSetup(
        weeks=weeks,
        budget=budget,
        shift_week=shift,
        shift_channel=shift_channel,
        shift_delta=shift_delta,
        okr_week=okr_week,
        okr_threshold=okr_threshold,
    )
    done = {"n": 0}

    def on_seed(seed: int) -> None:
        done["n"] += 1
        echo_err(f"seed {done['n']}/{seeds} done")

    result = compare_policies(names, seeds=seeds, setup=setup, on_seed=on_seed)
    if json_out:
        emit_json(result.to_dict())
        return
    print_table(
        result.to_frame(),
        title=f"{weeks} weeks x {seeds} seeds (profit = true expected profit)",
    )
