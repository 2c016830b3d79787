"""Budget decisions on real-data-shaped tables: Robyn's and Meridian's demo data, a Facebook-style
export. Prints one Markdown table per data set and the checks of issue 18.

Robyn's ``dt_simulated_weekly.csv`` and Meridian's ``national_all_channels.csv`` are SIMULATED
demo data of those projects (see ../shared/data/*/SOURCE.md); curves are fitted jointly on the
weekly total (``fit_additive``: Hill curves with carry-over, linear controls, a trend and two
yearly harmonics, weakly informative priors), the current plan is the mean weekly spend of the
last 52 weeks and the same weekly budget is reallocated with the defaults of ``allocate solve``
(evidence caps at 1.2x the largest weekly spend seen, channels not trusted held). The
Facebook-style export (``facebook_ads_export``, one row per ad, built from the issue's
description of the public data set) is fitted per interest group with ``fit_curves`` and solved
at a budget of 1,000 per ad set against its current total.

Checks: every channel with R² < 0.3 or a parameter on its bound is reported not trusted; no
recommended spend above the evidence cap. Peer: the previous method (Hill curves fitted on the
total without carry-over or season, allocated with the old 2x trust range, no verdicts).

Run: ``python benchmarks/real_data.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from leadlever.optimisers.allocation import allocate, recommend_fit
from leadlever.optimisers.curves import fit_additive, fit_curves
from leadlever.optimisers.curves._diagnostics import MIN_R2
from leadlever.simulations.world import facebook_ads_export

ROOT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def robyn():
    d = pd.read_csv(ROOT / "robyn-simulated-weekly" / "dt_simulated_weekly.csv")
    d["event"] = (d["events"] != "na").astype(float)
    return (
        "Robyn dt_simulated_weekly (208 weeks, revenue)",
        d,
        ["tv_S", "ooh_S", "print_S", "facebook_S", "search_S"],
        "revenue",
        ["competitor_sales_B", "newsletter", "event"],
        "DATE",
    )


def meridian():
    d = pd.read_csv(ROOT / "meridian-simulated" / "national_all_channels.csv")
    d["revenue"] = d["conversions"] * d["revenue_per_conversion"]
    return (
        "Meridian national_all_channels (156 weeks, conversions x revenue_per_conversion)",
        d,
        [f"Channel{i}_spend" for i in range(5)],
        "revenue",
        ["competitor_sales_control", "sentiment_score_control", "Promo"],
        "time",
    )


def _old_method(frame, spend, target, controls) -> tuple[float, np.ndarray, np.ndarray]:
    """The previous method: Hill on the total, no carry-over or season, 2x trust range."""
    fit = fit_additive(
        frame, spend, target, controls=controls, carryover=False, seasonality=0, n_draws=0
    )
    curves = fit.curves.as_mapping()
    cur = np.array([curves[c].current_spend for c in spend])
    alloc = allocate(curves, float(cur.sum()), names=spend, current_spend=cur)
    return fit.r2, np.asarray(alloc.spend), np.array([curves[c].max_observed_spend for c in spend])


def _table(title, fit_result, rec, extra="") -> tuple[str, bool, bool]:
    rows = [
        "| channel | Hill (scale, K, shape) | carry-over | R² | quality | current | recommended | cap | status |",
        "|---|---|---:|---:|---|---:|---:|---:|---|",
    ]
    verdicts_ok = caps_ok = True
    for fc, dec in zip(fit_result.curves, rec.channels, strict=True):
        cv = fc.curve
        bound = any("bound" in r for r in fc.reasons)
        if (fc.r2 < MIN_R2 or bound) and fc.quality == "trusted":
            verdicts_ok = False
        if dec.spend > 1.2 * fc.max_observed_spend * (1 + 1e-9):
            caps_ok = False
        rows.append(
            f"| {fc.channel} | {cv.scale:,.4g}, {cv.half_saturation:,.4g}, {cv.shape:.2f} | "
            f"{fc.adstock:.2f} | {fc.r2:.2f} | {fc.quality} | {dec.current_spend:,.0f} | "
            f"{dec.spend:,.0f} | {1.2 * fc.max_observed_spend:,.0f} | {dec.status} |"
        )
    iv = rec.uplift_interval
    head = (
        f"**{title}**{extra}; uplift at equal budget {rec.uplift:+,.4g}"
        + (
            f" (90% interval {iv[0]:+,.4g} to {iv[1]:+,.4g}, P(better) {rec.p_better:.2f})"
            if iv
            else ""
        )
        + (f", value change {rec.value_change:+,.4g}" if rec.value_change is not None else "")
        + f". Verdict rule holds: {verdicts_ok}; no spend above the cap: {caps_ok}."
    )
    return head + "\n\n" + "\n".join(rows) + "\n", verdicts_ok, caps_ok


def mmm(source) -> str:
    title, frame, spend, target, controls, date = source()
    t0 = time.perf_counter()
    fit = fit_additive(frame, spend, target, controls=controls, date=date)
    seconds = time.perf_counter() - t0
    rec = recommend_fit(fit.curves)
    old_r2, old_x, max_obs = _old_method(frame, spend, target, controls)
    above = int(np.sum(old_x > 1.2 * max_obs * (1 + 1e-9)))
    text, _, _ = _table(
        title,
        fit.curves,
        rec,
        f" — joint R² {fit.r2:.3f} ({fit.n} weeks, fit {seconds:.1f} s); budget {rec.budget:,.0f}",
    )
    return text + (
        f"\nPeer (previous method: no carry-over or season, 2x trust range, no verdicts): joint "
        f"R² {old_r2:.3f}; {above} of {len(spend)} channels recommended above 1.2x their largest "
        "weekly spend.\n"
    )


def facebook() -> str:
    ads = facebook_ads_export(seed=1)
    fit = fit_curves(ads, channel="interest", spend="Spent", value="Approved_Conversion")
    rec = recommend_fit(fit, 1000.0)
    counts = pd.Series([fc.quality for fc in fit.curves]).value_counts().to_dict()
    text, _, _ = _table(
        "Facebook-style export (1,143 ads, 32 interest groups, approved conversions)",
        fit,
        rec,
        f" — quality {counts}; budget 1,000 per ad set against today's {rec.current_budget:,.0f}",
    )
    return text


if __name__ == "__main__":
    if not ROOT.exists():
        sys.exit(f"{ROOT} not present: these simulated data sets live in the shared data folder.")
    from _util import machine_line

    print(f"machine: {machine_line()}\n")
    for source in (robyn, meridian):
        print(mmm(source))
    print(facebook())
