"""One recommendation: the expected-ROI feedback per channel, joined with the allocator's answer.

``roi evaluate --curves curves.csv`` evaluates the leads as before (the case's
positive / negative feedback: do a channel's leads clear the OKR threshold on
average?) and adds, per channel, what ``allocate solve`` recommends on the same
curves at today's budget: ``spend_direction`` (up / down / hold) and
``suggested_spend_change`` (its relative change, replacing the lead-quality
heuristic), ``agrees`` (reinforce goes with up, correct with down) and, when
they differ, ``why``: average lead quality and the return of the next unit of spend are
different questions (a channel with good leads can be saturated; one with
weaker leads can still be the cheapest way to more value), or the evidence
limits hold the channel.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.economics import Economics
from leadlever.engine.io._outcomes import OutcomeSpec
from leadlever.engine.roi._evaluate import RoiReport, evaluate_file
from leadlever.engine.roi._feedback import TOO_FEW
from leadlever.optimisers.allocation._agreement import direction
from leadlever.optimisers.allocation._decision import DecisionSettings
from leadlever.optimisers.allocation._entry import solve_curves
from leadlever.optimisers.allocation._recommendation import Recommendation

__all__ = ["ChannelFeedback", "evaluate_with_curves", "HOLD_TOLERANCE"]

#: a recommended change within this share of today's spend counts as "hold"
HOLD_TOLERANCE = 0.02


@dataclass(frozen=True)
class ChannelFeedback:
    """The ROI report with the allocator's direction per channel and the agreement."""

    report: RoiReport
    recommendation: Recommendation
    notes: tuple[str, ...] = ()

    @property
    def by_channel(self) -> pd.DataFrame:
        return self.report.by_channel

    def to_dict(self) -> dict[str, Any]:
        report = self.report.to_dict()
        return {
            **report,
            "spend_recommendation": {
                "budget": self.recommendation.budget,
                "allocation": self.recommendation.spend,
                "uplift": self.recommendation.uplift,
                "uplift_interval": None
                if self.recommendation.uplift_interval is None
                else list(self.recommendation.uplift_interval),
                "p_better": self.recommendation.p_better,
            },
            "notes": [*report.get("notes", []), *self.notes],
        }

    def to_frame(self) -> pd.DataFrame:
        return self.report.to_frame()


def _key(name: object) -> str:
    """A channel name compared without case or surrounding spaces."""
    return " ".join(str(name).split()).casefold()


def _why(feedback: str, direction: str, status: str, why_limit: str) -> str:
    limited = status in ("held", "capped") and why_limit
    if feedback == "reinforce" and direction == "down":
        why = (
            "its leads clear the threshold on average, but by the fitted curves the next unit of "
            "spend there returns less than elsewhere (saturation): spend moves to channels with "
            "higher marginal returns"
        )
    elif feedback == "correct" and direction == "up":
        why = (
            "its leads are below the threshold on average, but by the fitted curves the next unit "
            "of spend there still returns more than elsewhere"
        )
    elif limited:
        return f"the allocator's move is limited: {why_limit}"
    else:
        return "the allocator keeps it where it is: its marginal return equals the others'"
    # the move's direction is the curves'; a hold band or cap only bounds how far it goes
    return f"{why} (as far as it is allowed to move: {why_limit})" if limited else why


def evaluate_with_curves(
    scored: str | os.PathLike,
    *,
    threshold: str | float,
    curves: str | os.PathLike,
    economics: Economics | None = None,
    metric: str = "roi",
    include_closed: bool = False,
    settings: DecisionSettings | None = None,
    sidecar: str | os.PathLike | bool | None = None,
    outcome: OutcomeSpec | None = None,
) -> ChannelFeedback:
    """Evaluate the leads and join the allocator's recommendation at today's budget.

    ``economics``, ``metric``, ``include_closed`` and ``outcome`` are
    :func:`leadlever.engine.roi.evaluate_file`'s.
    """
    report = evaluate_file(
        str(scored),
        threshold=threshold,
        economics=economics,
        metric=metric,
        include_closed=include_closed,
        outcome=outcome,
    )
    rec = solve_curves(str(curves), None, settings=settings, sidecar=sidecar)
    if report.by_channel is None:
        return ChannelFeedback(
            report,
            rec,
            (
                "The leads name no channel: the allocator's per-channel answer cannot be set "
                "beside them (give the table a channel column).",
            ),
        )
    rows = report.by_channel.copy()
    exact = {c.channel: c for c in rec.channels}
    by_key = {_key(c.channel): c for c in reversed(rec.channels)}
    lead_names = ["(no channel)" if pd.isna(c) else str(c) for c in rows["channel"]]
    decisions = {
        name: exact.get(name) or by_key[_key(name)]
        for name in lead_names
        if name in exact or _key(name) in by_key
    }
    notes = []
    renamed = sorted({f"'{n}' = '{d.channel}'" for n, d in decisions.items() if n != d.channel})
    if renamed:
        notes.append(
            "Channels matched without case and surrounding spaces (leads = curves): "
            f"{', '.join(renamed)}."
        )
    directions, changes, agrees, whys = [], [], [], []
    for name, (_, row) in zip(lead_names, rows.iterrows(), strict=True):
        d = decisions.get(name)
        if d is None:
            directions.append(None)
            changes.append(np.nan)
            agrees.append(None)
            whys.append("no curve for this channel in the curves file")
            continue
        change = (d.spend - d.current_spend) / d.current_spend if d.current_spend > 0 else np.nan
        way = direction(d.spend, d.current_spend, HOLD_TOLERANCE * max(d.current_spend, 1e-12))
        ok = (row["feedback"] == "reinforce") == (way == "up") or way == "hold"
        if row["feedback"] == TOO_FEW:  # no verdict from the leads to disagree with
            ok = None
        directions.append(way)
        changes.append(change)
        agrees.append(ok)
        # a held channel says why even when holding agrees with its leads (an ended one, say)
        whys.append(
            _why(row["feedback"], way, d.status, d.why)
            if not ok
            else d.why
            if d.status == "held"
            else ""
        )
    rows["lead_feedback"] = rows["feedback"]
    rows["spend_direction"] = directions
    rows["suggested_spend_change"] = changes
    rows["recommended_spend"] = [
        decisions[n].spend if n in decisions else np.nan for n in lead_names
    ]
    rows["agrees"] = agrees
    rows["why"] = whys
    no_curve = [n for n in lead_names if n not in decisions]
    if no_curve:
        notes.append(
            f"No curve for channel{'s' if len(no_curve) > 1 else ''} "
            f"{', '.join(repr(n) for n in no_curve)} in {curves}: no spend recommendation."
        )
    matched = {d.channel for d in decisions.values()}
    missing = [c.channel for c in rec.channels if c.channel not in matched]
    if missing:
        notes.append(
            f"Channels with a curve but no leads in this file: {', '.join(map(repr, missing))}."
        )
    if not decisions:
        notes.append(
            "No channel of the leads matches a channel of the curves: suggested_spend_change is "
            "empty. Use the same channel names in both files."
        )
        return ChannelFeedback(replace(report, by_channel=rows), rec, tuple(notes))
    notes.append(
        "suggested_spend_change is the allocator's recommendation (allocate solve on the same "
        "curves at today's budget); feedback is the leads' average against the threshold."
    )
    return ChannelFeedback(replace(report, by_channel=rows), rec, tuple(notes))
