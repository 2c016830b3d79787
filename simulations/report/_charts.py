"""Charts of the run report: every axis with its unit, titles that fit, no empty rows.

Each function draws one chart from a table a command wrote and saves a PNG (tight
bounding box, so no title or label is clipped); matplotlib is imported inside.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "chart_gains",
    "chart_calibration",
    "chart_channels",
    "chart_prices",
    "chart_actions",
    "chart_spend",
    "chart_contacts",
    "chart_weekly_plan",
    "chart_curve_quality",
]

_SIZE = (7.0, 3.8)


def _figure(title: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=_SIZE)
    ax.set_title(title, fontsize=11)
    return plt, fig, ax


def _save(plt, fig, path: Path) -> Path:
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def chart_gains(y: np.ndarray, p: np.ndarray, path: Path) -> Path:
    """Share of conversions found against share of leads worked, best first (%)."""
    order = np.argsort(-p, kind="stable")
    found = np.r_[0.0, np.cumsum(y[order]) / max(y.sum(), 1)] * 100
    share = np.linspace(0, 100, found.size)
    plt, fig, ax = _figure("Gains: conversions found when working the best-scored leads first")
    ax.plot(share, found, color="tab:blue", label="model (out-of-fold)")
    ax.plot([0, 100], [0, 100], color="grey", ls="--", lw=1, label="random order")
    ax.set_xlabel("leads worked, best first (% of all leads)")
    ax.set_ylabel("conversions found (% of all)")
    ax.legend(fontsize=8)
    return _save(plt, fig, path)


def chart_calibration(y: np.ndarray, p: np.ndarray, path: Path, bins: int = 10) -> Path:
    """Observed conversion rate against predicted probability, by decile of p (%)."""
    q = pd.qcut(pd.Series(p).rank(method="first"), bins, labels=False)
    frame = pd.DataFrame({"p": p, "y": y, "q": q}).groupby("q").mean()
    plt, fig, ax = _figure("Calibration: predicted vs observed conversion, by decile")
    top = 100 * max(frame["p"].max(), frame["y"].max()) * 1.05
    ax.plot([0, top], [0, top], color="grey", ls="--", lw=1, label="perfect calibration")
    ax.plot(100 * frame["p"], 100 * frame["y"], "o-", color="tab:blue", label="deciles")
    ax.set_xlabel("predicted probability of conversion (%)")
    ax.set_ylabel("observed conversion rate (%)")
    ax.legend(fontsize=8)
    return _save(plt, fig, path)


def chart_channels(by_channel: pd.DataFrame, threshold: float, metric: str, path: Path) -> Path:
    """Mean metric per channel against the OKR threshold (bars: green reinforce, red correct,
    grey too few leads for a verdict)."""
    from leadlever.engine.roi._feedback import verdict_colours

    frame = by_channel.sort_values("mean_metric")
    plt, fig, ax = _figure(f"Expected {metric} per channel against the OKR threshold")
    colours = verdict_colours(frame["feedback"])
    ax.barh(frame.iloc[:, 0].astype(str), frame["mean_metric"], color=colours)
    ax.axvline(threshold, color="black", lw=1, ls="--", label=f"threshold {threshold:,.3g}")
    unit = {"roi": "expected revenue / expected cost", "profit": "per lead", "margin": "share"}
    ax.set_xlabel(f"mean expected {metric} of the channel's open leads ({unit.get(metric, '')})")
    ax.legend(fontsize=8)
    return _save(plt, fig, path)


def chart_prices(priced: pd.DataFrame, path: Path) -> Path:
    """Histogram of the price per lead, by pricing grade."""
    plt, fig, ax = _figure("Price per lead for sale, by pricing grade")
    for grade, part in priced.groupby("grade"):
        ax.hist(part["price"], bins=30, alpha=0.6, label=f"{grade} ({len(part):,} leads)")
    ax.set_xlabel("price per lead")
    ax.set_ylabel("leads")
    ax.legend(fontsize=8)
    return _save(plt, fig, path)


def chart_actions(queue: pd.DataFrame, path: Path) -> Path:
    """Open leads per planned action and their total expected value."""
    summary = queue.groupby("action")["expected_value"].agg(["size", "sum"])
    summary = summary.reindex([a for a in ("in_house", "nurture", "sell") if a in summary.index])
    plt, fig, ax = _figure("The plan: open leads per action")
    bars = ax.bar(
        summary.index, summary["size"], color=["tab:green", "tab:blue", "tab:red"][: len(summary)]
    )
    for bar, value in zip(bars, summary["sum"], strict=True):
        ax.annotate(f"{value:,.0f}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontsize=8)  # fmt: skip
    ax.set_ylabel("open leads")
    ax.set_xlabel("action (label: total expected value of the action)")
    return _save(plt, fig, path)


def chart_spend(
    allocation: pd.DataFrame,
    path: Path,
    *,
    title: str = "Budget: recommended spend per channel",
    labels: tuple[str, str] = ("current", "recommended"),
) -> Path:
    """Recommended (and current, when known) spend per channel (per period)."""
    plt, fig, ax = _figure(title)
    x = np.arange(len(allocation))
    if "current_spend" in allocation.columns:
        ax.bar(x - 0.2, allocation["current_spend"], 0.4, label=labels[0], color="tab:grey")
        ax.bar(x + 0.2, allocation["spend"], 0.4, label=labels[1], color="tab:blue")
        ax.legend(fontsize=8)
    else:
        ax.bar(x, allocation["spend"], 0.6, color="tab:blue")
    ax.set_xticks(x, allocation["channel"], rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("spend (per period)")
    return _save(plt, fig, path)


def chart_contacts(contacts: pd.DataFrame, path: Path) -> Path:
    """Cumulative expected profit of the contact list, best lead first."""
    plt, fig, ax = _figure("Campaign targeting: expected profit as the list grows")
    ax.plot(contacts["contact_rank"], contacts["expected_profit"].cumsum(), color="tab:blue")
    ax.set_xlabel("leads contacted, most probable first")
    ax.set_ylabel("cumulative expected profit")
    return _save(plt, fig, path)


def chart_weekly_plan(plan: pd.DataFrame, path: Path) -> Path:
    """Stacked spend per channel, week by week (``plan``: one row per week, one column per
    channel)."""
    plt, fig, ax = _figure("Budget plan: spend per channel, week by week")
    weeks = [f"week {int(w)}" for w in plan.index]
    bottom = np.zeros(len(plan))
    for channel in plan.columns:
        values = plan[channel].to_numpy(dtype=float)
        if not (values > 0.005).any():  # no empty rows in the legend (under a cent is nothing)
            continue
        ax.bar(weeks, values, 0.6, bottom=bottom, label=str(channel))
        bottom += values
    ax.set_ylabel("spend per week")
    ax.set_xlabel("week of the plan")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _save(plt, fig, path)


#: bar colours of the curve verdicts (a curve not trusted is never green)
QUALITY_COLOURS = {"trusted": "tab:green", "weak": "tab:orange", "unidentified": "tab:grey"}


def chart_curve_quality(channels: pd.DataFrame, path: Path) -> Path:
    """R² of each channel's fitted curve, coloured by its verdict."""
    frame = channels.assign(r2=pd.to_numeric(channels["r2"], errors="coerce")).sort_values("r2")
    plt, fig, ax = _figure("Response curves: fit per channel (colour: verdict)")
    raw = frame["r2"]
    r2 = raw.clip(lower=0).fillna(0)
    names = frame["channel"].astype(str)
    ax.barh(names, r2,
            color=[QUALITY_COLOURS.get(str(q), "tab:grey") for q in frame["quality"]])  # fmt: skip
    for name, value, shown, quality in zip(names, raw, r2, frame["quality"], strict=True):
        text = "R² n/a" if value != value else f"R² {value:.2f}"  # a row with no bar still says why
        ax.annotate(f"{text} ({quality})", (min(shown, 0.62) + 0.01, name), va="center",
                    fontsize=8)  # fmt: skip
    from matplotlib.patches import Patch

    handles = [
        Patch(color=QUALITY_COLOURS.get(q, "tab:grey"), label=q)
        for q in dict.fromkeys(frame["quality"].astype(str))
    ]
    ax.set_xlim(0, 1)
    ax.set_xlabel("R² of the channel's weekly value (share of variance explained; below 0 as 0)")
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _save(plt, fig, path)
