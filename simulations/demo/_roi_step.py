"""Demo step: expected ROI of the open leads, per-channel feedback, curve fit and reallocation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from leadlever.engine.economics._economics import Economics
from leadlever.engine.roi._evaluate import evaluate_leads
from leadlever.optimisers.allocation._entry import recommend_fit
from leadlever.optimisers.allocation._scenarios import frontier
from leadlever.optimisers.allocation.plots import plot_allocation, plot_curves, plot_frontier
from leadlever.optimisers.curves._weekly import fit_curves
from leadlever.simulations.world._history import valiant_channel_world

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.simulations.demo._context import DemoContext, Section

__all__ = ["roi_step", "stand_in_scores"]

_FEATURES = (
    "skills_match",
    "years_experience",
    "site_visits",
    "downloads",
    "email_clicks",
    "days_since_last_activity",
)


def _design(frame: pd.DataFrame, channels: list[str]) -> np.ndarray:
    cols = [np.ones(len(frame))]
    for f in _FEATURES:
        v = frame[f].to_numpy(dtype=float)
        cols.append(np.log1p(v) if f in ("site_visits", "downloads", "email_clicks") else v)
    ch = frame["channel"].astype(str).to_numpy()
    cols += [(ch == c).astype(float) for c in channels[1:]]
    return np.column_stack(cols)


def stand_in_scores(closed: pd.DataFrame, open_leads: pd.DataFrame) -> np.ndarray:
    """p_convert for open leads from a quick statsmodels logit on the closed leads.

    A stand-in until the scoring model's output (``ctx.data["scored"]``) exists.
    """
    import statsmodels.api as sm

    channels = sorted(closed["channel"].astype(str).unique())
    model = sm.Logit(closed["converted"].astype(float).to_numpy(), _design(closed, channels))
    fit = model.fit(disp=0, maxiter=100)
    return np.asarray(fit.predict(_design(open_leads, channels)))


def roi_step(ctx: DemoContext) -> Section:
    """Evaluate open leads, print per-channel feedback, fit curves and reallocate the budget."""
    from leadlever.simulations.demo._context import Section

    world, history = ctx.data["world"], ctx.data["history"]
    lines: list[str] = []
    if "scored" in ctx.data:
        scored = ctx.data["scored"]
        lines.append("Expected ROI of the scored open leads (p_convert from the scoring model).")
    else:
        scored = ctx.data["open"].copy()
        scored["p_convert"] = stand_in_scores(ctx.data["closed"], scored)
        lines.append(
            "No scoring model output yet: p_convert of the open leads comes from a quick "
            "statsmodels logit on the closed leads (a stand-in)."
        )
    totals = history.groupby("channel", sort=False)[["spend", "leads"]].sum()
    acquisition = (totals["spend"] / totals["leads"].clip(lower=1)).round(2).to_dict()
    costs = Economics(generation_cost_by_channel=acquisition)
    report = evaluate_leads(scored, threshold="top40%", economics=costs)
    lines.append(
        f"{report.n:,} open leads; threshold {report.threshold:.2f} (top 40% of the last 30 days' leads); "
        f"{report.share_above:.0%} clear it; mean expected ROI {report.mean_expected_roi:.2f}."
    )
    for row in report.by_channel.sort_values("mean_expected_roi", ascending=False).itertuples():
        lines.append(
            f"  {row.channel:<22} n={row.n:>5}  mean ROI {row.mean_expected_roi:5.2f}  above {row.share_above:4.0%}"
            f"  -> {row.feedback} ({row.suggested_spend_change:+.0%} spend)"
        )

    fit = fit_curves(history)
    curves = fit.as_mapping()
    names = list(curves)
    rec = recommend_fit(fit)
    alloc = rec.allocation
    current = np.array([curves[n].current_spend for n in names])
    truth = valiant_channel_world(world)
    true_before = truth.value([current[names.index(c)] for c in truth.channel_names])
    true_after = truth.value([rec.spend[c] for c in truth.channel_names])
    lines.append(
        f"Fitted curves with carry-over and a season on {history['week'].nunique()} weeks "
        f"(quality: {', '.join(f'{n} {curves[n].quality}' for n in names)}); reallocating the "
        f"weekly budget {current.sum():,.0f} EUR within the evidence ({alloc.certificate.method}, "
        f"budget residual {alloc.certificate.budget_residual:.1g}):"
    )
    for c in rec.channels:
        extra = f"  ({c.status}: {c.why})" if c.status != "free" else ""
        lines.append(
            f"  {c.channel:<22} {c.current_spend:>9,.0f} -> {c.spend:>9,.0f} EUR/week{extra}"
        )
    iv = rec.uplift_interval
    lines.append(
        f"Expected weekly value by the fitted curves: {rec.uplift:+,.0f} at equal budget"
        + (
            f" (90% interval {iv[0]:+,.0f} to {iv[1]:+,.0f}, P(better) {rec.p_better:.0%})"
            if iv
            else ""
        )
        + f"; by the simulator's true curves: {true_before:,.0f} -> {true_after:,.0f} "
        f"({true_after / true_before - 1:+.1%})."
    )
    budgets = np.linspace(0.2, 2.0, 10) * current.sum()
    plots = (
        plot_curves(curves, alloc, ctx.out_dir / "roi_curves.png"),
        plot_allocation(alloc, ctx.out_dir / "roi_allocation.png"),
        plot_frontier(
            frontier(curves, budgets, names=names), ctx.out_dir / "roi_frontier.png", mark=alloc
        ),
    )
    ctx.data.update(roi_report=report, curves=fit, allocation=alloc)
    return Section(
        key="roi",
        title="Expected ROI, channel feedback and budget reallocation",
        lines=tuple(lines),
        tables={
            "roi_by_channel": report.by_channel,
            "curves": fit.to_frame(),
            "allocation": rec.to_frame(),
        },
        plots=plots,
        explanation=(
            "Channels whose leads clear the OKR threshold get positive feedback (reinforce), the others "
            "negative (correct). The allocator moves next week's spend to equalise marginal returns; the "
            "true-curve uplift uses simulator ground truth, which real life does not have."
        ),
        highlights={
            "Budget reallocation uplift (true curves)": f"{true_after / true_before - 1:+.1%}",
            "Share of open leads clearing the ROI threshold": f"{report.share_above:.0%}",
        },
    )
