"""Before/after budget allocations on the simulated demo data Robyn and Meridian ship.

Both data sets are SIMULATED (demo data of Meta's Robyn and Google's Meridian;
see ../shared/data/*/SOURCE.md). Curves are fitted jointly on the total outcome
(``leadlever.optimisers.curves._mmm_fit.fit_additive``: Hill curves + linear controls, no adstock),
the current plan is the mean weekly spend of the last 52 weeks, and the same
weekly budget is reallocated (a) within the curves' trusted range and (b) with
every channel kept within 0.5x-1.5x of its current spend. Prints Markdown.
Run: ``python benchmarks/real_data.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from leadlever.optimisers.allocation import allocate
from leadlever.optimisers.curves import fit_additive

ROOT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def robyn() -> tuple[str, pd.DataFrame, list[str], str, list[str]]:
    d = pd.read_csv(ROOT / "robyn-simulated-weekly" / "dt_simulated_weekly.csv")
    d["event"] = (d["events"] != "na").astype(float)
    return (
        "Robyn dt_simulated_weekly (208 weeks, revenue)",
        d,
        ["tv_S", "ooh_S", "print_S", "facebook_S", "search_S"],
        "revenue",
        ["competitor_sales_B", "newsletter", "event"],
    )


def meridian() -> tuple[str, pd.DataFrame, list[str], str, list[str]]:
    d = pd.read_csv(ROOT / "meridian-simulated" / "national_all_channels.csv")
    d["revenue"] = d["conversions"] * d["revenue_per_conversion"]
    return (
        "Meridian national_all_channels (156 weeks, conversions x revenue_per_conversion)",
        d,
        [f"Channel{i}_spend" for i in range(5)],
        "revenue",
        [
            "competitor_sales_control",
            "sentiment_score_control",
            "Promo",
            "Organic_channel0_impression",
        ],
    )


def table(name, frame, spend, target, controls, seed: int = 0) -> str:
    fit = fit_additive(frame, spend, target, controls=controls, seed=seed)
    curves = fit.curves.as_mapping()
    current = np.array([curves[c].current_spend for c in spend])
    budget = float(current.sum())
    free = allocate(curves, budget, names=spend, current_spend=current)
    boxed = allocate(
        curves, budget, names=spend, current_spend=current, min_relative=0.5, max_relative=1.5
    )
    rows = [
        "| channel | Hill (scale, K, shape) | current spend | optimal | optimal within 0.5x-1.5x |",
        "|---|---|---:|---:|---:|",
    ]
    for i, c in enumerate(spend):
        cv = curves[c].curve
        rows.append(
            f"| {c} | {cv.scale:,.0f}, {cv.half_saturation:,.0f}, {cv.shape:.2f} | {current[i]:,.0f} | "
            f"{free.spend[i]:,.0f} | {boxed.spend[i]:,.0f} |"
        )
    rows.append(
        f"| **media contribution** | | {free.baseline_objective:,.0f} | {free.objective:,.0f} "
        f"({free.uplift / free.baseline_objective:+.1%}) | {boxed.objective:,.0f} "
        f"({boxed.uplift / boxed.baseline_objective:+.1%}) |"
    )
    head = (
        f"**{name}** — joint fit R^2 = {fit.r2:.3f} over {fit.n} weeks; weekly budget {budget:,.0f}; "
        f"certificates: residual {free.certificate.budget_residual:.1g} / {boxed.certificate.budget_residual:.1g}, "
        f"mROI spread {free.certificate.mroi_spread:.1g} / {boxed.certificate.mroi_spread:.1g} "
        f"({free.certificate.method} / {boxed.certificate.method})."
    )
    return head + "\n\n" + "\n".join(rows) + "\n"


if __name__ == "__main__":
    if not ROOT.exists():
        sys.exit(f"{ROOT} not present: these simulated data sets live in the shared data folder.")
    from _util import machine_line

    print(f"machine: {machine_line()}\n")
    for source in (robyn, meridian):
        print(table(*source()))
