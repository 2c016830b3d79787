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
from leadlever.simulations.report._budget_sections import (
    budget_plan_section,
    budget_section,
    campaign_step_section,
    curve_channels,
    curves_section,
)
from leadlever.simulations.report._collect import Inputs, collect
from leadlever.simulations.report._html import Block, Page, render_page
from leadlever.simulations.report._lead_sections import (
    contacts_section,
    plan_section,
    profile_section,
    sell_section,
)

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
    found = curve_channels(inp)
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
                _guard(inp, ("queue", "plan"), plan_section, inp, t),
                _guard(inp, ("priced", "price_leads", "package"), sell_section, inp, t),
                _guard(inp, ("roi_evaluate", "allocation"), budget_section, inp, t),
                _guard(inp, ("allocate_plan", "weekly_plan"), budget_plan_section, inp, t),
                _guard(inp, ("campaign_step", "split"), campaign_step_section, inp, t),
                _guard(inp, ("deals", "deals_file"), _deals, inp),
                _guard(inp, ("price_deal", "price_solve"), _economics, inp),
                _guard(inp, ("roi_target", "contacts"), contacts_section, inp, t),
            )
            if b
        ]
        evidence = [
            b
            for b in (
                _guard(inp, ("qualify_apply", "score_apply", "score_rules"), profile_section, inp),
                _guard(
                    inp, ("score_fit", "oof", "score_evaluate", "score_compare"), _model, inp, t
                ),
                _guard(inp, ("allocate_fit", "curves"), curves_section, inp, t),
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
