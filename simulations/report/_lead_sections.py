"""The lead sections of the run report: who to work (the plan), what to sell at what price,
the open leads' profile and whom to contact."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from leadlever.simulations.report import _charts as charts
from leadlever.simulations.report._collect import Inputs
from leadlever.simulations.report._html import Block

__all__ = ["plan_section", "sell_section", "profile_section", "contacts_section"]


def plan_section(inp: Inputs, tmp: Path) -> Block | None:
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


def sell_section(inp: Inputs, tmp: Path) -> Block | None:
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


def profile_section(inp: Inputs) -> Block | None:
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


def contacts_section(inp: Inputs, tmp: Path) -> Block | None:
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
