"""Demo step 1: simulate Valiant's lead history, new leads and channel history."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from leadlever.simulations.world._channels import default_world
from leadlever.simulations.world._history import simulate_channels
from leadlever.simulations.world._leads import simulate_leads
from leadlever.simulations.world.plots import plot_channel_history

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.simulations.demo._context import DemoContext, Section

__all__ = ["world_step", "DEMO_N_LEADS", "DEMO_WEEKS"]

DEMO_N_LEADS = 20_000
DEMO_WEEKS = 104


def world_step(ctx: DemoContext) -> Section:
    """Simulate the world; split leads into closed history and open (new) leads."""
    from leadlever.simulations.demo._context import Section

    world = default_world()
    rng = np.random.default_rng(ctx.seed)
    leads = simulate_leads(DEMO_N_LEADS, seed=rng, world=world)
    history = simulate_channels(DEMO_WEEKS, seed=rng, world=world)
    closed = leads[leads["converted"].notna()].reset_index(drop=True)
    open_leads = leads[leads["converted"].isna()].reset_index(drop=True)
    ctx.data.update(world=world, leads=leads, closed=closed, open=open_leads, history=history)
    rate = float(closed["converted"].astype(float).mean())
    per_channel = (
        leads.groupby("channel", observed=True)
        .agg(leads=("lead_id", "size"), closed_conversion=("converted", "mean"))
        .reset_index()
    )
    lines = (
        f"{len(leads):,} leads over {world.history_days} days from {len(world.channels)} channels: "
        f"{len(closed):,} closed (conversion rate {rate:.1%}), {len(open_leads):,} still open.",
        f"{DEMO_WEEKS} weeks of channel history; total spend {history['spend'].sum():,.0f} EUR.",
    )
    plot = plot_channel_history(history, ctx.out_dir / "channel_history.png")
    return Section(
        key="world",
        title="The simulated Valiant world",
        lines=lines,
        tables={"leads": leads, "channel_history": history, "channels": per_channel},
        plots=(plot,),
        explanation=(
            "Simulated Valiant data with known ground truth (true_* columns are not available in real "
            "life). Replace it with your CRM export and ad-spend history to run the same steps on your data."
        ),
        highlights={
            "Leads simulated": f"{len(leads):,}",
            "Conversion rate of closed leads": f"{rate:.1%}",
            "Open leads to qualify": f"{len(open_leads):,}",
        },
    )
