"""The budget sections of the run report: where to move budget (ROI feedback, allocation),
the plan over the coming weeks, the closed loop's split, and the response curves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from leadlever.engine.roi._feedback import FEEDBACK_COLUMNS
from leadlever.simulations.report import _charts as charts
from leadlever.simulations.report._collect import Inputs
from leadlever.simulations.report._html import Block

__all__ = [
    "budget_section",
    "budget_plan_section",
    "campaign_step_section",
    "curve_channels",
    "curves_section",
]


def budget_section(inp: Inputs, tmp: Path) -> Block | None:
    roi = inp.first_json("roi_evaluate")
    alloc = inp.first_json("allocation")
    if roi is None and alloc is None:
        return None
    lines, highlights, tables, plots = [], {}, [], []
    if roi is not None:
        d = roi[1]
        o = d["overall"]
        lines.append(
            f"{d['n']:,} open leads against the threshold {d['threshold']:,.3g} ({d['threshold_rule']}): "
            f"{d['share_above']:.0%} above; overall {o['feedback']} ({o['suggested_spend_change']:+.0%} spend)."
        )
        highlights["Open leads clearing the ROI threshold"] = f"{d['share_above']:.0%}"
        if d.get("by_channel"):
            frame = pd.DataFrame(d["by_channel"])
            tables.append(
                (
                    "Feedback per channel",
                    frame[list(FEEDBACK_COLUMNS)],
                )
            )
            plots.append(
                charts.chart_channels(frame, d["threshold"], d["metric"], tmp / "channels.png")
            )
    if alloc is not None:
        d = alloc[1]
        frame = pd.DataFrame(
            {"channel": list(d["allocation"]), "spend": list(d["allocation"].values())}
        )
        per = {c.get("channel"): c for c in d.get("channels") or [] if isinstance(c, dict)}
        if per and all("current_spend" in per.get(c, {}) for c in frame["channel"]):
            frame.insert(1, "current_spend", [per[c]["current_spend"] for c in frame["channel"]])
            for key in ("cap", "quality", "status", "why"):
                if all(key in per[c] for c in frame["channel"]):
                    frame[key] = [per[c][key] for c in frame["channel"]]
        plots.append(charts.chart_spend(frame, tmp / "spend.png"))
        tables.append(("Recommended spend per channel", frame.round(2)))
        lines.append(f"Allocate {d['budget']:,.0f}: expected value {d['total_value']:,.0f}.")
        if d.get("uplift") is not None:
            iv = d.get("uplift_interval")
            lines.append(
                f"Uplift over today's split {d['uplift']:+,.0f}"
                + (f" ({_interval_level(d)} {iv[0]:,.0f}-{iv[1]:,.0f})" if iv else "")
                + (
                    f"; probability it beats today's split {d['p_better']:.0%}"
                    if d.get("p_better") is not None
                    else ""
                )
                + "."
            )
        if d.get("held"):
            lines.append(
                "Held near today's spend (curve not trusted): " + ", ".join(d["held"]) + "."
            )
        if d.get("capped"):
            lines.append(
                "At the evidence cap (the most the history supports): "
                + ", ".join(d["capped"])
                + "."
            )
        if d.get("unallocated"):
            lines.append(
                f"Unallocated: {d['unallocated']:,.0f} (the evidence limits cannot carry it)."
            )
        highlights["Budget allocated"] = f"{d['budget']:,.0f}"
    return Block(
        "budget", "Where to move budget", "Reinforce the channels whose open leads clear the OKR "
        "threshold, correct the others; the allocator equalises marginal returns.",
        tuple(lines), tuple(tables), tuple(plots), highlights,
    )  # fmt: skip


def _interval_level(doc: dict[str, Any]) -> str:
    level = next(
        (a["value"] for a in doc.get("assumptions") or [] if a.get("name") == "interval"), None
    )
    return f"{float(level):.0%} interval" if isinstance(level, int | float) else "interval"


def budget_plan_section(inp: Inputs, tmp: Path) -> Block | None:
    """``allocate plan``: the budget over the coming weeks, within the evidence caps."""
    doc = inp.first_json("allocate_plan")
    table = inp.first_table("weekly_plan")
    if doc is None and table is None:
        return None
    lines, highlights, tables = [], {}, []
    if doc is not None:
        d = doc[1]
        channels = list(d["channels"])
        weekly = pd.DataFrame(d["plan"]).set_index("week")[channels]
        lines.append(
            f"Spend {d['total_spend']:,.0f} over {d['weeks']} weeks: expected value "
            f"{d['value']:,.0f}" + (
                f" ({_interval_level(d)} {d['value_interval'][0]:,.0f}-{d['value_interval'][1]:,.0f})"
                if d.get("value_interval") else ""
            ) + f" against {d['baseline_value']:,.0f} keeping today's split every week "
            f"(uplift {d['uplift']:+,.0f}); {d['value_after_plan']:,.0f} of it is carry-over "
            "after the plan."
        )  # fmt: skip
        if d.get("target") is not None:
            lines.append(
                f"Target value {d['target']:,.0f}: "
                + (
                    "reached."
                    if d.get("target_reached")
                    else "out of reach within the evidence caps."
                )
            )
        if d.get("held"):
            lines.append(
                "Held near today's spend every week (curve not trusted): "
                + ", ".join(map(str, d["held"])) + "."
            )  # fmt: skip
        lines.extend(map(str, d.get("notes") or []))
        weekly = weekly.assign(total=d["spend_by_week"], expected_value=d["value_by_week"])
        caps = pd.DataFrame(
            {
                "channel": channels,
                "evidence cap per week": [d["caps"].get(c) for c in channels],
                "planned, week 1": [round(float(weekly[c].iloc[0]), 2) for c in channels],
                "held": ["yes" if c in d["held"] else "" for c in channels],
            }
        )
        highlights[f"Budget plan over {d['weeks']} weeks: spend (expected value)"] = (
            f"{d['total_spend']:,.0f} ({d['value']:,.0f})"
        )
    else:
        frame = table[1]
        weekly = frame.pivot_table(index="week", columns="channel", values="spend", aggfunc="sum",
                                   sort=False)  # fmt: skip
        weekly = weekly.assign(total=weekly.sum(axis=1))
        caps = None
        lines.append(
            f"Spend {weekly['total'].sum():,.0f} over {len(weekly)} weeks (from {table[0].name}; "
            "save the --json output too for the expected value, caps and holds)."
        )
        highlights[f"Budget plan over {len(weekly)} weeks: spend"] = f"{weekly['total'].sum():,.0f}"
    spend_cols = [c for c in weekly.columns if c not in ("total", "expected_value")]
    shown = weekly.round(2).reset_index().rename(columns={"expected_value": "expected value"})
    tables.append(("Spend per channel, week by week", shown))
    if caps is not None:
        tables.append(("Evidence caps (the most a week may spend on a channel)", caps))
    plots = [charts.chart_weekly_plan(weekly[spend_cols], tmp / "weekly_plan.png")]
    return Block(
        "budget_plan", "Budget over the coming weeks", "allocate plan spreads the budget over "
        "the weeks ahead (carry-over and season counted), never beyond the spend the history "
        "has seen; channels whose curve is not trusted are held near today's spend.",
        tuple(lines), tuple(tables), tuple(plots), highlights,
    )  # fmt: skip


def _pct_change(before: Any, after: float) -> str:
    if before is None or before != before or before == 0:
        return ""
    change = after / before - 1
    return "0%" if abs(change) < 0.0005 else f"{change:+.1%}"


def campaign_step_section(inp: Inputs, tmp: Path) -> Block | None:
    """``campaign step``: the split of the coming period (its JSON and the --out table)."""
    steps = {int(d["next_period"]): (p, d) for p, d in inp.json.get("campaign_step", [])}
    splits = {}
    for path, frame in inp.tables.get("split", []):
        for period, part in frame.groupby("period"):
            splits[int(period)] = (path, part)
    if not steps and not splits:
        return None
    by_period = {
        period: pd.Series({str(c): float(v) for c, v in d["allocation"].items()})
        for period, (_, d) in steps.items()
    }

    def by_table(part: pd.DataFrame) -> pd.Series:
        return part.groupby(part["channel"].astype(str), sort=False)["spend"].sum().astype(float)

    for period, (_, part) in splits.items():
        by_period.setdefault(period, by_table(part))
    last = max(by_period)
    split = by_period[last]
    lines, highlights, tables, plots = [], {}, [], []
    frame = pd.DataFrame({"channel": list(split.index), "spend": split.to_numpy(dtype=float)})
    if last in steps:
        d = steps[last][1]
        lines.append(f"Period {last}: spend {split.sum():,.0f}. {d['explanation']}")
        previous = d.get("previous") or {}
        direction = {a["channel"]: a for a in d.get("agreement") or []}
        limits = {e["channel"]: e for e in d.get("evidence_limits") or []}
        if previous:
            frame.insert(1, "current_spend", [previous.get(c) for c in frame["channel"]])
            frame["change"] = [
                _pct_change(a, b)
                for a, b in zip(frame["current_spend"], frame["spend"], strict=True)
            ]
        frame["direction"] = [direction.get(c, {}).get("direction", "") for c in frame["channel"]]
        frame["limit"] = [
            limits[c]["status"] if c in limits
            else ("weekly limit" if c in (d.get("limited") or []) else "")
            for c in frame["channel"]
        ]  # fmt: skip
        if d.get("limited") and d.get("max_change") is not None:
            lines.append(
                f"Moved at most {d['max_change']:.0%} from last period's spend: "
                + ", ".join(map(str, d["limited"])) + " would have moved more."
            )  # fmt: skip
        lines.extend(f"{e['channel']} ({e['status']}): {e['why']}" for e in limits.values())
        if d.get("unallocated"):
            lines.append(
                f"Unallocated: {d['unallocated']:,.0f} (the evidence limits cannot carry it)."
            )
        lines.extend(
            f"{a['channel']} moves {a['direction']} where allocate solve says "
            f"{a['recommended_direction']}: {a['why']}"
            for a in direction.values() if not a.get("agrees", True)
        )  # fmt: skip
        if d.get("feedback_note"):
            lines.append(str(d["feedback_note"]))
        lines.extend(map(str, d.get("notes") or []))
    else:
        lines.append(
            f"Period {last}: spend {split.sum():,.0f} (from {splits[last][0].name}; save the "
            "--json output too for the source, the limits and the agreement with allocate solve)."
        )
    if last in splits and last in steps:
        table_split = by_table(splits[last][1])
        gap = (table_split.reindex(split.index) - split).abs().max()
        name = splits[last][0].name
        lines.append(
            f"The split table {name} holds this split (to the cent)."
            if gap == gap and gap <= 0.01 and set(table_split.index) == set(split.index)
            else f"The split table {name} differs from {steps[last][0].name} for period {last} "
            "(from different runs?): the JSON's split is shown."
        )
    plots.append(
        charts.chart_spend(
            frame, tmp / "campaign_step.png",
            title=f"Closed loop: spend per channel, period {last}",
            labels=("last period", f"period {last}"),
        )
    )  # fmt: skip
    shown = frame.round(2).rename(
        columns={"current_spend": "last period", "spend": f"period {last}"}
    )
    tables.append((f"Spend per channel, period {last}", shown))
    if len(by_period) > 1:
        history = pd.DataFrame(by_period).T.sort_index().round(2)
        tables.append(("Spend per channel by period", history.rename_axis("period").reset_index()))
    highlights[f"Closed-loop split for period {last}: total spend"] = f"{split.sum():,.0f}"
    return Block(
        "campaign_step", "This period's split (closed loop)", "campaign step proposes the "
        "split of the coming period from the fitted curves, then from its own weekly feedback, "
        "moving a channel at most the weekly limit and within the same evidence limits as "
        "allocate solve.", tuple(lines), tuple(tables), tuple(plots), highlights,
    )  # fmt: skip


def curve_channels(inp: Inputs) -> tuple[Path, pd.DataFrame, dict[str, Any] | None] | None:
    doc = inp.first_json("allocate_fit")
    if doc is not None:
        return doc[0], pd.DataFrame(doc[1]["channels"]), doc[1]
    table = inp.first_table("curves")
    return None if table is None else (table[0], table[1], None)


def curves_section(inp: Inputs, tmp: Path) -> Block | None:
    """``allocate fit``: each channel's curve, its verdict and why."""
    found = curve_channels(inp)
    if found is None:
        return None
    _, frame, d = found
    if "quality" not in frame.columns:
        return None
    frame = frame.copy()
    if "reasons" in frame.columns:
        frame["reasons"] = frame["reasons"].map(
            lambda r: (
                "; ".join(map(str, r)) if isinstance(r, list) else ("" if pd.isna(r) else str(r))
            )
        )
    counts = frame["quality"].astype(str).value_counts()
    lines = []
    if d is not None:
        lines.append(
            f"{d['kind']} curves fitted on {d['n_periods']:,} periods of {len(frame):,} channels "
            f"({d['n_draws']:,} posterior draws)."
        )
        lines.extend(map(str, d.get("notes") or []))
    cols = [c for c in ("channel", "quality", "r2", "n", "current_spend", "max_observed_spend",
                        "reasons") if c in frame.columns]  # fmt: skip
    plots = []
    if "r2" in frame.columns:
        plots.append(charts.chart_curve_quality(frame, tmp / "curve_quality.png"))
    return Block(
        "curves", "Response curves per channel", "How well each channel's history shows how "
        "value responds to spend: a trusted curve may move budget; a weak or unidentified one "
        "is held near today's spend by allocate solve, plan and campaign step.",
        tuple(lines), (("Fit and verdict per channel", frame[cols]),), tuple(plots),
        {"Channels with a trusted curve": f"{int(counts.get('trusted', 0)):,} of {len(frame):,}"},
    )  # fmt: skip
