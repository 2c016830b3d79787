"""``leadlever report``: one self-contained page from whatever a user's run produced.

:func:`build_report` recognises the run's files (:mod:`leadlever.simulations.report._collect`)
and lays them out decisions first: who to work (the plan), what to sell at what price
(prices and bundles), where to move budget (ROI feedback, allocation), which deal (p* and
the odds), whom to contact (a campaign's contact list); then the evidence: model
strength (out-of-fold AUC with its interval, gains and calibration), the export checks and
the qualification criteria. The warnings and assumptions of every output are gathered at
the top. Each number is taken from one object, so a number shown twice agrees.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from leadlever.engine.exceptions import InputFileError, LeadLeverError
from leadlever.engine.io._numbers import shorten
from leadlever.simulations.report import _charts as charts
from leadlever.simulations.report._collect import Inputs, collect
from leadlever.simulations.report._html import Block, Page, render_page

__all__ = ["ReportResult", "build_report"]


@dataclass(frozen=True)
class ReportResult:
    """The rendered page and what went into it (the ``report --json`` object)."""

    html: str
    page: Page
    inputs: Inputs

    def to_dict(self) -> dict[str, Any]:
        return {
            "recognised": list(self.inputs.recognised),
            "skipped": list(self.inputs.skipped),
            "decisions": [{"key": b.key, "title": b.title} for b in self.page.decisions],
            "evidence": [{"key": b.key, "title": b.title} for b in self.page.evidence],
            "warnings": list(self.page.warnings),
            "assumptions": list(self.page.assumptions),
            "n_images": sum(len(b.plots) for b in (*self.page.decisions, *self.page.evidence)),
        }


def _plan(inp: Inputs, tmp: Path) -> Block | None:
    table = inp.first_table("queue")
    doc = inp.first_json("plan")
    if table is None and doc is None:
        return None
    lines, highlights, tables, plots = [], {}, [], []
    if doc is not None:
        d = doc[1]
        lines.append(
            f"{d['n_in_house']:,} leads to work now, {d['n_nurture']:,} to nurture, {d['n_sell']:,} "
            f"to sell; expected profit {d['expected_profit']:,.0f} ({d['status']})."
        )
        highlights["Leads to work / nurture / sell"] = (
            f"{d['n_in_house']:,} / {d['n_nurture']:,} / {d['n_sell']:,}"
        )
    if table is not None:
        queue = table[1]
        work = queue[queue["action"] == "in_house"]
        cols = [
            c
            for c in ("priority", "lead_id", "consultant", "p_convert", "expected_value", "reason")
            if c in queue.columns
        ]
        tables.append(("Work these leads first (priority order)", work[cols]))
        sell = queue[queue["action"] == "sell"]
        if len(sell):
            tables.append(
                (
                    "Leads to sell",
                    sell[
                        [
                            c
                            for c in ("lead_id", "p_convert", "expected_value", "reason")
                            if c in sell.columns
                        ]
                    ],
                )
            )
        plots.append(charts.chart_actions(queue, tmp / "plan_actions.png"))
        if doc is None:
            counts = queue["action"].value_counts()
            highlights["Leads to work / nurture / sell"] = " / ".join(
                f"{int(counts.get(a, 0)):,}" for a in ("in_house", "nurture", "sell")
            )
    return Block(
        "plan", "Who to work this week", "The plan assigns the most valuable open leads to "
        "consultants within their hours; the rest are nurtured or sold.", tuple(lines),
        tuple(tables), tuple(plots), highlights,
    )  # fmt: skip


def _sell(inp: Inputs, tmp: Path) -> Block | None:
    priced = inp.first_table("priced")
    price_doc = inp.first_json("price_leads")
    pack = inp.first_json("package")
    if priced is None and price_doc is None and pack is None:
        return None
    lines, highlights, tables, plots = [], {}, [], []
    if price_doc is not None:
        d = price_doc[1]
        lines.append(
            f"{d['n_leads']:,} open leads priced: mean {d['mean_price']:,.2f} per lead, "
            f"expected revenue {d['expected_revenue']:,.0f}, profit {d['expected_profit']:,.0f}."
        )
        highlights["Mean price per lead for sale"] = f"{d['mean_price']:,.2f}"
    if priced is not None:
        frame = priced[1]
        plots.append(charts.chart_prices(frame, tmp / "prices.png"))
        by = frame.groupby("grade")["price"].agg(["size", "mean", "min", "max"]).reset_index()
        tables.append(("Prices by pricing grade", by.rename(columns={"size": "leads"})))
        if price_doc is None:
            highlights["Mean price per lead for sale"] = f"{frame['price'].mean():,.2f}"
    if pack is not None:
        d = pack[1]
        lines.append(
            f"Bundles: revenue {d['revenue']:,.0f} for {d.get('n_sold', 0):,} leads; profit "
            f"after generation cost {d.get('profit', 0):,.0f}; gain over keeping them "
            f"{d.get('gain_over_keeping', d['revenue'] - d.get('cost', 0)):,.0f}."
        )
        rec = d.get("reconciliation")
        if rec:
            lines.append(
                f"Against the list prices of the same leads ({rec['list_revenue']:,.0f}): {rec['why']}"
            )
        if d["packages"]:
            cols = ["package_id", "buyer", "n_leads", "mean_p", "grade", "price_per_lead", "price"]
            tables.append(("Bundles for partners", pd.DataFrame(d["packages"])[cols]))
        highlights["Revenue from bundles"] = f"{d['revenue']:,.0f}"
    return Block(
        "sell", "What to sell, at what price", "Leads are priced so the batch reaches its target "
        "margin; bundles sell a lead only when a partner pays more than it is worth in-house.",
        tuple(lines), tuple(tables), tuple(plots), highlights,
    )  # fmt: skip


def _budget(inp: Inputs, tmp: Path) -> Block | None:
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
                    frame[
                        [
                            "channel",
                            "n",
                            "mean_expected_roi",
                            "share_above",
                            "feedback",
                            "suggested_spend_change",
                        ]
                    ],
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
    return f"{float(level):.0%} interval" if isinstance(level, (int, float)) else "interval"


def _budget_plan(inp: Inputs, tmp: Path) -> Block | None:
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


def _campaign_step(inp: Inputs, tmp: Path) -> Block | None:
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


def _profile(inp: Inputs) -> Block | None:
    """``qualify apply`` (and ``score apply``) --json: the open leads the decisions rest on."""
    q = inp.first_json("qualify_apply")
    sa = inp.first_json("score_apply")
    rules = inp.first_json("score_rules")
    if q is None and sa is None and rules is None:
        return None
    lines, highlights, tables = [], {}, []
    if q is not None:
        d = q[1]
        mean = "" if d.get("mean_p_convert") is None else (
            f" mean probability of conversion {d['mean_p_convert']:.1%},"
        )  # fmt: skip
        lines.append(
            f"{d['n_leads']:,} open leads profiled ({d['n_closed_excluded']:,} closed leads left "
            f"out):{mean} total expected value {d['total_expected_value']:,.0f}."
        )
        lines.extend(map(str, d.get("notes") or []))
        highlights["Open leads profiled (closed left out)"] = (
            f"{d['n_leads']:,} ({d['n_closed_excluded']:,})"
        )
        highlights["Expected value of the open leads"] = f"{d['total_expected_value']:,.0f}"
        tiers = d.get("tiers") or {}
        if tiers:
            total = sum(tiers.values())
            tables.append(
                (
                    "Open leads by tier (qualify apply)",
                    pd.DataFrame(
                        {
                            "tier": list(tiers),
                            "leads": list(tiers.values()),
                            "share": [f"{v / total:.1%}" for v in tiers.values()],
                        }
                    ),
                )
            )
    if sa is not None:
        d = sa[1]
        lines.append(
            f"Scored {d['n_rows']:,} leads ({d['n_closed']:,} closed)"
            + ("" if d.get("mean_p_convert") is None else f", mean p {d['mean_p_convert']:.1%}")
            + (f"; {d['tier_note']}" if d.get("tier_note") else ".")
        )
        if d.get("tiers") and q is None:
            tables.append(
                ("Leads by tier (score apply)",
                 pd.DataFrame({"tier": list(d["tiers"]), "leads": list(d["tiers"].values())}))
            )  # fmt: skip
    if rules is not None:
        d = rules[1]
        lines.append(
            f"Manual rules (score rules): {d['n_hot']:,} of {d['n_rows']:,} leads hot (at least "
            f"{d['hot_threshold']:g} points; mean {d['mean_points']:.1f} points)."
        )
    return Block(
        "profile", "The open leads", "What the decisions rest on: the open leads profiled, "
        "those left out because they are closed, the tiers and their expected value.",
        tuple(lines), tuple(tables), (), highlights,
    )  # fmt: skip


def _curve_channels(inp: Inputs) -> tuple[Path, pd.DataFrame, dict[str, Any] | None] | None:
    doc = inp.first_json("allocate_fit")
    if doc is not None:
        return doc[0], pd.DataFrame(doc[1]["channels"]), doc[1]
    table = inp.first_table("curves")
    return None if table is None else (table[0], table[1], None)


def _curves(inp: Inputs, tmp: Path) -> Block | None:
    """``allocate fit``: each channel's curve, its verdict and why."""
    found = _curve_channels(inp)
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


def _economics(inp: Inputs) -> Block | None:
    """``price`` and ``price solve`` --json: a deal's unit economics and the lever it needs."""
    one = inp.first_json("price_deal")
    solve = inp.first_json("price_solve")
    if one is None and solve is None:
        return None
    lines, highlights = [], {}
    if one is not None:
        d = one[1]
        lv = d["levers"]
        even = (
            f"breaks even at p = {d['break_even_p']:.3f}"
            if d.get("break_even_p") is not None
            else str(d["break_even_status"]).replace("_", " ")
        )
        lines.append(
            f"At p = {lv['p']:g} (share of high-quality leads): expected profit "
            f"{d['expected_profit_per_lead']:,.2f} per lead, {d['expected_profit_total']:,.0f} for "
            f"{lv['n']:,} leads; margin {d['margin']:.1%}; {even}."
        )
        highlights["Expected profit per lead (price)"] = f"{d['expected_profit_per_lead']:,.2f}"
    if solve is not None:
        d = solve[1]
        target = str(d["target"]).replace("_", " ")
        if d.get("value") is None:
            lines.append(
                f"No value of {d['lever']} reaches a {target} of {d['target_value']:,.2f}."
            )
        else:
            lines.append(
                f"For a {target} of {d['target_value']:,.2f}, {d['lever']} must be "
                f"{d['value']:,.4g}" + (" (any value does)" if d.get("any_value") else "")
                + f"; margin {d['margin']:.1%}."
            )  # fmt: skip
            highlights[f"{d['lever']} needed for the target (price solve)"] = f"{d['value']:,.4g}"
    return Block(
        "economics", "What a lead is worth under the deal", "A deal's expected profit per lead "
        "from the share of high-quality leads and the revenue and cost of each kind.",
        tuple(lines), (), (), highlights,
    )  # fmt: skip


def _simulation(inp: Inputs) -> Block | None:
    """``simulate campaign`` --json: the learner against fixed splits and the oracle."""
    doc = inp.first_json("simulate_campaign")
    if doc is None:
        return None
    d = doc[1]
    frame = pd.DataFrame(d["policies"])
    cols = [c for c in ("name", "profit_mean", "regret", "pct_of_oracle",
                        "pct_of_oracle_last_quarter") if c in frame.columns]  # fmt: skip
    shift = (
        f"; {d['shift_channel']} shifts in week {d['shift_week']}"
        if d.get("shift_week") is not None
        else ""
    )
    return Block(
        "simulation", "Closed loop on the simulated world", "How the policies compare over "
        "the same simulated weeks, as a share of the profit of an oracle that knows the curves.",
        (f"{d['weeks']} weeks, {d['seeds']} seed(s){shift}.",),
        (("Profit per policy", frame[cols]),),
    )  # fmt: skip


def _deals(inp: Inputs) -> Block | None:
    doc = inp.first_json("deals")
    if doc is None and inp.deals_files:
        from leadlever.simulations.deals import compare_deals_file

        leads = inp.first_table("scored") or inp.first_table("profile")
        doc = (
            inp.deals_files[0],
            compare_deals_file(
                inp.deals_files[0], None if leads is None else leads[1], n_draws=0
            ).to_dict(),
        )
    if doc is None:
        return None
    d = doc[1]
    lines = [
        f"{c['deal_a']} and {c['deal_b']} break even at p* = {c['p']:.3f}: {c['better_below']} below, {c['better_above']} above."
        for c in d["p_star"] if c.get("p") is not None
    ]  # fmt: skip
    highlights = {}
    if d.get("best_deal"):
        f = d["p_forecast"]
        lines.append(
            f"Forecast p = {f['mean']:.3f} ({f['n_leads']:,} open leads): take {d['best_deal']} (P(best) = {d['prob_best'][d['best_deal']]:.2f})."
        )
        highlights["Deal to take"] = str(d["best_deal"])
    envelope = pd.DataFrame(d["envelope"])
    return Block(
        "deals", "Which deal", "Each deal's expected profit is a line in p, the share of "
        "high-quality leads; take the deal that is best at the forecast p.",
        tuple(lines), (("Best deal on each interval of p", envelope),), (), highlights,
    )  # fmt: skip


def _contacts(inp: Inputs, tmp: Path) -> Block | None:
    doc = inp.first_json("roi_target")
    table = inp.first_table("contacts")
    if doc is None and table is None:
        return None
    lines, highlights, plots = [], {}, []
    if doc is not None:
        d = doc[1]
        lines.append(
            f"Contact {d['n_contact']:,} of {d['n']:,} leads (p > {d['threshold_p']:.4f}): expected "
            f"profit {d['expected_profit']:,.0f} vs {d['expected_profit_contact_all']:,.0f} contacting everyone."
        )
        if d.get("realised_profit") is not None:
            lines.append(
                f"Realised on known outcomes: {d['realised_profit']:,.0f} (everyone: {d['realised_profit_contact_all']:,.0f})."
            )
        highlights["Leads to contact"] = f"{d['n_contact']:,}"
    if table is not None and len(table[1]):
        plots.append(charts.chart_contacts(table[1], tmp / "contacts.png"))
    return Block(
        "contacts", "Whom to contact", "Contact a lead when its expected profit p x V - C is "
        "positive, the most probable first.", tuple(lines), (), tuple(plots), highlights,
    )  # fmt: skip


def _model(inp: Inputs, tmp: Path) -> Block | None:
    fit = inp.first_json("score_fit")
    oof = inp.first_table("oof")
    ev = inp.first_json("score_evaluate")
    cmp = inp.first_json("score_compare")
    if fit is None and oof is None and ev is None and cmp is None:
        return None
    from leadlever.engine.scoring._metrics import auc_ci

    lines, highlights, tables, plots = [], {}, [], []
    ci = None if fit is None else fit[1]["auc_ci"]
    if oof is not None:
        frame = oof[1]
        target = next(
            c
            for c in frame.columns
            if c != "p_convert" and set(pd.unique(frame[c].dropna())) <= {0, 1}
        )
        y = frame[target].to_numpy(dtype=float)
        p = frame["p_convert"].to_numpy(dtype=float)
        if ci is None:
            ci = auc_ci(y, p).to_dict()
        plots += [
            charts.chart_gains(y, p, tmp / "gains.png"),
            charts.chart_calibration(y, p, tmp / "calibration.png"),
        ]
    if ci is not None:
        lines.append(
            f"Out-of-fold AUC {ci['auc']:.3f} (95% interval {ci['lower']:.3f}-{ci['upper']:.3f})."
        )
        highlights["Model AUC (95% interval)"] = (
            f"{ci['auc']:.3f} ({ci['lower']:.3f}-{ci['upper']:.3f})"
        )
    if ev is not None:  # its AUC is stated only when no interval is (one AUC on the page)
        d = ev[1]
        lines.append(
            f"score evaluate on {d['n']:,} leads with a known outcome (base rate "
            f"{d['base_rate']:.1%})" + ("" if ci is not None else f": AUC {d['auc']:.3f}")
            + f"; at threshold {d['threshold']:g} precision {d['precision']:.1%}, recall "
            f"{d['recall']:.1%}; top-decile lift {d['lift']:.2f}; Brier score {d['brier']:.3f}."
        )  # fmt: skip
        if ci is None:
            highlights["Model AUC (score evaluate)"] = f"{d['auc']:.3f}"
        if d.get("gains"):
            gains = pd.DataFrame(d["gains"])
            cols = [c for c in ("decile", "n", "conversion_rate", "lift", "cumulative_gain")
                    if c in gains.columns]  # fmt: skip
            tables.append(("Gains by decile of the score (score evaluate)", gains[cols]))
    if cmp is not None:
        d = cmp[1]
        frame = pd.DataFrame(d["scores"])
        tables.append(
            (f"Manual rules, model and blend on {d['n']:,} leads ({d['evaluation']})", frame)
        )
        lines.extend(map(str, d.get("notes") or []))
    if fit is not None:
        tables.append(("Attribute importance", pd.DataFrame(fit[1]["importance"]).head(10)))
    return Block(
        "model", "Model strength", "How well the scores rank and how well their probabilities "
        "match reality, on leads the model did not see.", tuple(lines), tuple(tables), tuple(plots), highlights,
    )  # fmt: skip


def _checks(inp: Inputs) -> Block | None:
    blocks = []
    doc = inp.first_json("inspect")
    if doc is not None:
        frame = pd.DataFrame(doc[1]["columns"])[["name", "kind", "role", "warnings"]]
        frame["warnings"] = frame["warnings"].map("; ".join)
        blocks.append(("Columns of the export", frame[frame["warnings"] != ""]))
    q = inp.first_json("qualify_fit")
    if q is not None:
        blocks.append(
            (
                "Qualification criteria",
                pd.DataFrame(q[1]["criteria"])[["criterion", "status", "reason"]],
            )
        )
    if not blocks:
        return None
    return Block(
        "checks",
        "Data checks and criteria",
        "What the export supports and what to watch in it.",
        (),
        tuple(blocks),
    )


def _value(value: Any) -> str:
    """An assumption's value as a reader reads it (no float noise: 94,724.11, not 94724.10999)."""
    if isinstance(value, float) and value == value:
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.6g}"
    return str(value)


def _notes(inp: Inputs) -> tuple[list[str], list[str]]:
    warnings: dict[str, None] = {}
    assumed: dict[str, list[str]] = {}
    for kind, items in inp.json.items():
        for _, doc in items:
            for w in doc.get("warnings") or []:
                warnings[str(w)] = None
            for a in doc.get("assumptions") or []:
                key = f"{a['name'].replace('_', ' ')} {_value(a['value'])} ({a['source']}"
                assumed.setdefault(key, []).append(kind.replace("_", " "))
    found = _curve_channels(inp)
    if found is not None and {"quality", "channel"} <= set(found[1].columns):
        for _, row in found[1].iterrows():
            if str(row["quality"]) != "trusted":
                reasons = row.get("reasons")
                why = "; ".join(map(str, reasons)) if isinstance(reasons, list) else reasons
                why = "" if why is None or (isinstance(why, float) and why != why) else f" ({why})"
                warnings[
                    f"Channel {row['channel']}: its response curve is {row['quality']}{why}; "
                    "the budget decisions hold it near today's spend."
                ] = None
    for _, doc in inp.json.get("campaign_step", []):
        if doc.get("source") == "exploration" or doc.get("explored"):
            warnings[
                f"The closed loop's split for period {doc['next_period']} is exploration: "
                "random around an equal split, to learn from, not a recommendation."
            ] = None
    for kind in ("scored", "profile", "queue"):
        for _, frame in inp.tables.get(kind, []):
            if "model_warning" in frame.columns and frame["model_warning"].notna().any():
                label = frame["model_warning"].dropna().astype(str).iloc[0]
                warnings[
                    f"The scores come from a conversion model {label}: do not use them to prioritise leads."
                ] = None
    return list(warnings), [f"{k}; {', '.join(dict.fromkeys(v))})" for k, v in assumed.items()]


def _guard(inp: Inputs, kinds: tuple[str, ...], builder, *args):
    """``builder(*args)``; a file whose content is not what its command writes (edited,
    damaged) is an input error naming the files, not a crash."""
    try:
        return builder(*args)
    except LeadLeverError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        files = [r["file"] for r in inp.recognised if r["kind"] in kinds]
        raise InputFileError(
            f"Could not read {', '.join(map(repr, files)) or 'the outputs'} as the output(s) "
            f"of LeadLever commands ({type(exc).__name__}: {shorten(str(exc), 200)}). Pass the "
            "files the commands wrote, unchanged, or leave these out."
        ) from exc


def build_report(paths: Iterable[str | Path], *, title: str | None = None) -> ReportResult:
    """Recognise the run's files and render the report (see the module docstring).

    Raises
    ------
    InputFileError
        When no file is a LeadLever output.
    """
    inp = collect(paths)
    if not inp.recognised:
        raise InputFileError(
            "No LeadLever outputs among the files given ("
            + "; ".join(f"{s['file']}: {s['reason']}" for s in inp.skipped[:5])
            + "). The report reads the tables the commands write and their --json outputs "
            "saved to files (e.g. leadlever plan ... --json > plan.json)."
        )
    with tempfile.TemporaryDirectory(prefix="leadlever-report-") as tmp:
        t = Path(tmp)
        decisions = [
            b
            for b in (
                _guard(inp, ("queue", "plan"), _plan, inp, t),
                _guard(inp, ("priced", "price_leads", "package"), _sell, inp, t),
                _guard(inp, ("roi_evaluate", "allocation"), _budget, inp, t),
                _guard(inp, ("allocate_plan", "weekly_plan"), _budget_plan, inp, t),
                _guard(inp, ("campaign_step", "split"), _campaign_step, inp, t),
                _guard(inp, ("deals", "deals_file"), _deals, inp),
                _guard(inp, ("price_deal", "price_solve"), _economics, inp),
                _guard(inp, ("roi_target", "contacts"), _contacts, inp, t),
            )
            if b
        ]
        evidence = [
            b
            for b in (
                _guard(inp, ("qualify_apply", "score_apply", "score_rules"), _profile, inp),
                _guard(
                    inp, ("score_fit", "oof", "score_evaluate", "score_compare"), _model, inp, t
                ),
                _guard(inp, ("allocate_fit", "curves"), _curves, inp, t),
                _guard(inp, ("simulate_campaign",), _simulation, inp),
                _guard(inp, ("inspect", "qualify_fit"), _checks, inp),
            )
            if b
        ]
        warnings, assumed = _guard(inp, tuple(inp.json), _notes, inp)
        page = Page(
            title=title or "LeadLever report",
            subtitle=f"Built from {len(inp.recognised):,} output file(s): "
            + ", ".join(sorted({Path(r["file"]).name for r in inp.recognised})),
            decisions=tuple(decisions),
            evidence=tuple(evidence),
            warnings=tuple(warnings),
            assumptions=tuple(assumed),
        )
        html = render_page(page)  # images are embedded before the folder goes
    return ReportResult(html, page, inp)
