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

from leadlever.engine.exceptions import InputFileError
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
        tables.append(("Recommended spend per channel", frame))
        plots.append(charts.chart_spend(frame, tmp / "spend.png"))
        lines.append(f"Allocate {d['budget']:,.0f}: expected value {d['total_value']:,.0f}.")
        highlights["Budget allocated"] = f"{d['budget']:,.0f}"
    return Block(
        "budget", "Where to move budget", "Reinforce the channels whose open leads clear the OKR "
        "threshold, correct the others; the allocator equalises marginal returns.",
        tuple(lines), tuple(tables), tuple(plots), highlights,
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
    if fit is None and oof is None:
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
    lines.append(
        f"Out-of-fold AUC {ci['auc']:.3f} (95% interval {ci['lower']:.3f}-{ci['upper']:.3f})."
    )
    highlights["Model AUC (95% interval)"] = (
        f"{ci['auc']:.3f} ({ci['lower']:.3f}-{ci['upper']:.3f})"
    )
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


def _notes(inp: Inputs) -> tuple[list[str], list[str]]:
    warnings: dict[str, None] = {}
    assumed: dict[str, list[str]] = {}
    for kind, items in inp.json.items():
        for _, doc in items:
            for w in doc.get("warnings") or []:
                warnings[str(w)] = None
            for a in doc.get("assumptions") or []:
                key = f"{a['name'].replace('_', ' ')} {a['value']} ({a['source']}"
                assumed.setdefault(key, []).append(kind.replace("_", " "))
    for kind in ("scored", "profile", "queue"):
        for _, frame in inp.tables.get(kind, []):
            if "model_warning" in frame.columns and frame["model_warning"].notna().any():
                label = frame["model_warning"].dropna().astype(str).iloc[0]
                warnings[
                    f"The scores come from a conversion model {label}: do not use them to prioritise leads."
                ] = None
    return list(warnings), [f"{k}; {', '.join(dict.fromkeys(v))})" for k, v in assumed.items()]


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
            for b in (_plan(inp, t), _sell(inp, t), _budget(inp, t), _deals(inp), _contacts(inp, t))
            if b
        ]
        evidence = [b for b in (_model(inp, t), _checks(inp)) if b]
        warnings, assumed = _notes(inp)
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
