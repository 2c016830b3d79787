"""Demo step: the closed loop, learner vs equal split vs the oracle on the simulated world."""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadlever.simulations.campaign._run import CampaignSetup, compare_policies
from leadlever.simulations.campaign.plots import plot_regret, plot_spend_share

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.simulations.demo._context import DemoContext, Section

__all__ = ["loop_step", "DEMO_LOOP_WEEKS", "DEMO_LOOP_SEEDS"]

DEMO_LOOP_WEEKS = 26
DEMO_LOOP_SEEDS = 2


def loop_step(ctx: DemoContext) -> Section:
    """Run a short closed loop and report each policy against the oracle."""
    from leadlever.simulations.demo._context import Section

    world = ctx.data.get("world")
    seeds = [ctx.seed + i for i in range(DEMO_LOOP_SEEDS)]
    comp = compare_policies(
        ["learner", "equal", "oracle"],
        seeds=seeds,
        setup=CampaignSetup(weeks=DEMO_LOOP_WEEKS),
        world=world,
    )
    ctx.data["loop"] = comp
    by = {p.name: p for p in comp.policies}
    lines = [
        f"{DEMO_LOOP_WEEKS} weeks, {len(seeds)} seeds, weekly budget {comp.spend[0, 0, 0].sum():,.0f} EUR "
        "(profit = true expected profit of the chosen spend)."
    ]
    for name in ("learner", "equal", "oracle"):
        p = by[name]
        lines.append(
            f"  {name:8s} profit {p.profit_mean:>14,.0f} EUR  {p.pct_of_oracle:5.1f}% of oracle "
            f"(last quarter {p.pct_of_oracle_last_quarter:5.1f}%), regret {p.regret:>12,.0f}"
        )
    plots = (
        plot_regret(comp, ctx.out_dir / "loop_regret.png"),
        plot_spend_share(comp, ctx.out_dir / "loop_spend_share.png", policy="learner"),
    )
    return Section(
        key="loop",
        title="Closed loop: campaigns learning from expected-ROI feedback",
        lines=tuple(lines),
        tables={"loop_policies": comp.to_frame(), "loop_allocation": comp.allocation()},
        plots=plots,
        explanation=(
            "Each week the learner draws response curves from its posterior, allocates the budget with "
            "the exact allocator, and learns from the evaluated value of the leads that arrive. "
            "Compare its share of the oracle's profit with a fixed equal split."
        ),
        highlights={
            "Closed-loop learner, % of oracle profit": f"{by['learner'].pct_of_oracle:.1f}%",
            "Equal split, % of oracle profit": f"{by['equal'].pct_of_oracle:.1f}%",
        },
    )
