"""Demo step: qualify the open leads on four criteria and plan what to do with each."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from leadlever.engine.qualification._fit_bundle import fit_bundle
from leadlever.engine.qualification.plots import plot_survival_by_tier
from leadlever.optimisers.planning._planner import PlannerSettings, plan_actions
from leadlever.optimisers.planning.plots import plot_effort_vs_value

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.simulations.demo._context import DemoContext, Section

__all__ = ["qualification_step", "DEMO_TEAM"]

#: the demo's consultants (name, weekly hours, seniority)
DEMO_TEAM = pd.DataFrame(
    {
        "name": ["Ana", "Ben", "Chloe", "Dev", "Eva", "Femi", "Gus", "Hana"],
        "weekly_hours": [40, 40, 32, 40, 40, 32, 40, 24],
        "seniority": ["senior", "senior", "senior", "mid", "mid", "mid", "junior", "junior"],
    }
)


def qualification_step(ctx: DemoContext) -> Section:
    """Fit the qualification bundle, profile the open leads, plan the week."""
    from leadlever.simulations.demo._context import Section

    leads = ctx.data["leads"]
    open_leads = ctx.data["open"]
    # reuse the scoring step's conversion model when it ran (no second CV-calibrated fit)
    bundle = fit_bundle(
        leads, seed=ctx.seed, refit=False, conversion_model=ctx.data.get("conversion_model")
    )
    profile = bundle.profile(open_leads)
    plan = plan_actions(profile, DEMO_TEAM, PlannerSettings(time_limit=1.0))
    actions = plan.queue[["lead_id", "action", "consultant", "priority", "reason"]]
    profile = profile.merge(actions, on="lead_id", how="left")
    ctx.data["profile"] = profile
    ctx.data["plan"] = plan
    ctx.data["qualification_bundle"] = bundle
    d = plan.to_dict()
    m = bundle.report.metrics
    top = profile.sort_values("expected_value", ascending=False).head(10)
    cols = [
        "lead_id",
        "p_convert",
        "p_convert_30d",
        "p_convert_180d",
        "expected_effort_hours",
        "expected_commission",
        "p_fit",
        "expected_value",
        "action",
        "consultant",
    ]
    conv = m["conversion"]
    conv_text = (
        "conversion model from the scoring step"
        if conv.get("prefitted")
        else f"conversion AUC {conv['auc']:.3f}"
    )
    lines = (
        f"Held-out: {conv_text}, timing concordance "
        f"{m['timing']['concordance']:.3f}, salary MAPE {m['value']['mape']:.1%}, fit AUC {m['fit']['auc']:.3f}.",
        f"Plan for {len(profile):,} open leads and {len(DEMO_TEAM)} consultants: {d['n_in_house']} in-house, "
        f"{d['n_nurture']:,} nurture, {d['n_sell']:,} sell; expected profit {d['expected_profit']:,.0f} EUR "
        f"({d['status']}, gap {d['gap']:.2%} vs the LP bound).",
        "Top open leads by expected in-house value:",
        top[cols].round(3).to_string(index=False),
    )
    plots = (
        plot_survival_by_tier(
            bundle, open_leads, ctx.out_dir / "survival_by_tier.png", profile=profile
        ),
        plot_effort_vs_value(plan, ctx.out_dir / "effort_vs_value.png"),
    )
    return Section(
        key="qualification",
        title="Qualification on four criteria and the action plan",
        lines=lines,
        tables={"qualification_profile": profile, "work_queue": plan.queue},
        plots=plots,
        explanation=(
            "Each open lead's in-house value is p_convert x commission - delivery cost. Work the in-house "
            "queue in priority order with the named consultant; nurture the rest; sell a lead when a "
            "partner pays more than it is worth in-house, or when it is low on fit and timing."
        ),
        highlights={
            "Leads to work in-house / nurture / sell": (
                f"{d['n_in_house']:,} / {d['n_nurture']:,} / {d['n_sell']:,}"
            ),
            "Expected profit of the plan": f"{d['expected_profit']:,.0f} EUR",
        },
    )
