"""One period of the closed loop for a real campaign tool: read feedback, update, propose.

``campaign_step`` is what ``leadlever campaign step`` runs. Inputs:

- the **state** file (JSON, created on first use);
- last period's **scored leads**: one row per lead with ``channel`` and either
  ``expected_value`` or ``p_convert`` and ``commission`` (value
  :math:`= p \\times commission`); with an OKR ``threshold`` and an
  ``expected_roi`` column, leads below the threshold count 0;
- last period's **spend** per channel (``channel``, ``spend``); if omitted the
  split the learner proposed last time is taken as what was spent;
- optional **outcomes**: revised values of earlier periods (``period``,
  ``channel``, ``value``), realised conversions replacing predictions.

Channels that spent but brought no leads get value 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.economics import Economics
from leadlever.engine.exceptions import DataError, ParameterError
from leadlever.engine.io._lead_schema import unique_ids
from leadlever.engine.io._lock import locked
from leadlever.engine.io._persist import read_json_text
from leadlever.engine.io._schema import ColumnSpec, TableSchema, validate_table
from leadlever.engine.io._tables import atomic_write_text
from leadlever.optimisers.allocation._agreement import compare_directions, move_toward
from leadlever.optimisers.allocation._curve_table import read_curves
from leadlever.optimisers.allocation._entry import solve_curves
from leadlever.optimisers.learning._curves_ref import recall_curves, record_curves
from leadlever.optimisers.learning._lead_values import leads_feedback
from leadlever.optimisers.learning._learner import (
    CampaignLearner,
    LearnerSettings,
    LearnerStep,
)
from leadlever.optimisers.learning._step_limits import step_limits
from leadlever.optimisers.learning._step_result import CampaignStepResult

#: a channel's weekly spend moves at most this share by default
DEFAULT_MAX_CHANGE = 0.25
#: periods of its own feedback per channel before the learner takes over from fitted curves
DEFAULT_CURVE_PERIODS = 8

__all__ = [
    "DEFAULT_MAX_CHANGE",
    "DEFAULT_CURVE_PERIODS",
    "CampaignStepResult",
    "campaign_step",
    "SPEND_SCHEMA",
    "OUTCOMES_SCHEMA",
]

SPEND_SCHEMA = TableSchema(
    "campaign spend",
    (
        ColumnSpec("channel", "category", description="channel name"),
        ColumnSpec("spend", "numeric", min=0.0, description="spend of the period on the channel"),
    ),
)
OUTCOMES_SCHEMA = TableSchema(
    "campaign outcomes",
    (
        ColumnSpec("period", "integer", min=0, description="period number the value belongs to"),
        ColumnSpec("channel", "category"),
        ColumnSpec(
            "value", "numeric", description="revised evaluated value of that period and channel"
        ),
    ),
)


def _load_state(path: Path) -> CampaignLearner | None:
    if not path.exists():
        return None
    source = f"State file '{path}'"
    hint = "Give a state written by `leadlever campaign step`, or a new file name to start one."
    return CampaignLearner.from_json(read_json_text(path, source=source, hint=hint), source=source)


def _check_channels(names: list[str], known: tuple[str, ...], source: str) -> None:
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise DataError(
            f"{source} names channel(s) {unknown} that the state does not know (it has {list(known)}). "
            "Fix the channel names, or start a new state file for a new set of channels."
        )


@locked("state_path")
def campaign_step(
    state_path: str | Path,
    *,
    budget: float,
    leads: pd.DataFrame | None = None,
    spend: pd.DataFrame | None = None,
    outcomes: pd.DataFrame | None = None,
    channels: list[str] | None = None,
    threshold: float | None = None,
    settings: LearnerSettings | None = None,
    seed: int = 0,
    sources: dict[str, str] | None = None,
    curves: str | Path | pd.DataFrame | None = None,
    curves_fit: str | Path | bool | None = None,
    max_change: float | None = DEFAULT_MAX_CHANGE,
    curve_periods: int = DEFAULT_CURVE_PERIODS,
    economics: Economics | None = None,
) -> CampaignStepResult:
    """Update the learner in ``state_path`` with last period's feedback and propose the next split.

    Parameters
    ----------
    curves : path or DataFrame, optional
        Fitted curves (``allocate fit``): while the learner has fewer than
        ``curve_periods`` periods of its own feedback per channel, the split is
        their recommendation (the same as ``allocate solve``); afterwards they are the
        reference the step's directions are compared with.
    economics : Economics, optional
        Its ``value_per_conversion`` values leads scored without a ``commission`` column.
    max_change : float or None
        A channel's spend moves at most this share away from last week's spend, or from its
        share of a new budget; None: no limit. Within the curves' evidence limits: where
        the two disagree, the evidence wins and the budget it cannot carry is left unallocated.

    Notes
    -----
    The state is written (atomically) only after everything succeeded, and the whole
    read-update-write holds an exclusive lock on ``state_path``, so concurrent steps on one
    state run one after the other (each advances its own period).
    """
    if max_change is not None and not (np.isfinite(max_change) and max_change >= 0):
        raise ParameterError(f"--max-change must be a share >= 0 (e.g. 0.25). Got {max_change!r}.")
    sources = sources or {}
    if not np.isfinite(budget) or budget <= 0:
        raise ParameterError(f"The budget must be a positive number. Got {budget!r} instead.")
    path = Path(state_path)
    learner = _load_state(path)
    created = learner is None
    spend_tab = (
        None
        if spend is None
        else unique_ids(
            validate_table(spend, SPEND_SCHEMA, source=sources.get("spend", "spend")),
            "channel",
            source=sources.get("spend", "spend"),
            fix="Give one row per channel (add up its spend).",
        )
    )
    if learner is None:
        names = channels or (
            list(dict.fromkeys(spend_tab["channel"].astype(str))) if spend_tab is not None else None
        )
        if not names and leads is not None and "channel" in leads.columns:
            names = sorted(leads["channel"].astype(str).unique())
        if not names:
            raise ParameterError(
                f"No state at {path} yet and no channels to start one: give --spend (channel, spend) "
                "or --channels a,b,c on the first call."
            )
        learner = CampaignLearner(
            channels=names, reference_spend=budget, settings=settings, seed=seed
        )
    given = curves is not None
    curves, curves_fit, table = _follow_curves(learner, curves, curves_fit, f"State file '{path}'")
    value_by_channel: dict[str, float] = {}
    updated = feedback = None
    silent: list[str] = []
    if leads is not None:
        feedback = leads_feedback(
            leads, threshold=threshold, source=sources.get("leads", "leads"), economics=economics
        )
        values = feedback.value
        _check_channels(list(values.index), learner.channels, sources.get("leads", "leads"))
        if spend_tab is not None:
            _check_channels(
                list(spend_tab["channel"].astype(str)),
                learner.channels,
                sources.get("spend", "spend"),
            )
            by = spend_tab.groupby(spend_tab["channel"].astype(str))["spend"].sum()
            x = np.array([float(by.get(c, 0.0)) for c in learner.channels])
        elif learner.last_proposal is not None:
            x = np.asarray(learner.last_proposal, float)
        else:
            raise ParameterError(
                "Last period's spend is unknown: give --spend (a CSV with channel, spend) "
                "because the state holds no earlier proposal."
            )
        v = np.array([float(values.get(c, 0.0)) for c in learner.channels])
        silent = [
            c for c, xc in zip(learner.channels, x, strict=True) if xc > 0 and c not in values
        ]
        updated = learner.period
        learner.update(x, v)
        value_by_channel = dict(zip(learner.channels, v.tolist(), strict=True))
    revisions = 0
    if outcomes is not None:
        tab = validate_table(outcomes, OUTCOMES_SCHEMA, source=sources.get("outcomes", "outcomes"))
        _check_channels(
            list(tab["channel"].astype(str)), learner.channels, sources.get("outcomes", "outcomes")
        )
        for period, grp in tab.groupby("period"):
            by = grp.groupby(grp["channel"].astype(str))["value"].sum()
            learner.revise(
                int(period), np.array([float(by.get(c, np.nan)) for c in learner.channels])
            )
            revisions += 1
    previous = _previous_split(learner, spend_tab, table)
    rec = None
    if table is not None:
        missing = set(learner.channels) - set(table.channels)
        if missing:
            raise DataError(
                f"The curves file has no curve for channel(s) {sorted(missing)} of the learner. "
                "Fit curves for every channel the campaign runs."
            )
        rec = solve_curves(curves, budget, sidecar=curves_fit, channels=list(learner.channels))
    box = step_limits(float(budget), previous, max_change, table, learner.channels)
    limits, spendable = box.bounds, box.spendable(float(budget))
    own = learner.effective_observations()
    if rec is not None and np.any(own < curve_periods):
        target = np.array([rec.spend[c] for c in learner.channels])
        spend = target if limits is None else move_toward(target, target, *limits, spendable)
        step = LearnerStep(learner.period, learner.channels, spend, float(budget), False, ())
        source = "curves"
    else:
        step = learner.propose(spendable, limits=limits)
        step = LearnerStep(
            step.period, step.channels, step.spend, float(budget), step.explored, step.draws
        )
        source = "exploration" if step.explored else "learner"
    tol = 1e-6 * budget
    limited = box.limited(step.spend, learner.channels, tol)
    unallocated = max(float(budget) - float(step.spend.sum()), 0.0)
    unallocated = unallocated if unallocated > tol else 0.0
    agreement: tuple[dict[str, Any], ...] = ()
    evidence: tuple[dict[str, Any], ...] = ()
    if rec is not None:
        current = {c.channel: c.current_spend for c in rec.channels}
        # directions against last week's spend as it was (not scaled to the new budget), the
        # base allocate solve's output shows as current spend
        base = (
            previous if previous is not None else np.array([current[c] for c in learner.channels])
        )
        agreement = compare_directions(
            learner.channels,
            step.spend,
            base,
            rec.spend,
            source=source,
            limited=limited,
            statuses={c.channel: c.status for c in rec.channels},
            tol=max(0.02 * budget / len(learner.channels), tol),
        )
        if source == "curves":
            agreement = tuple(_forced(a, limited) for a in agreement)
        evidence = tuple(
            {"channel": c.channel, "status": c.status, "why": c.why}
            for c in rec.channels
            if c.status in ("held", "capped")
        )
    learner.last_proposal = step.spend.tolist()
    atomic_write_text(learner.to_json(), path)
    assumptions = [
        {
            "name": "max change",
            "value": "none" if max_change is None else f"{max_change:.0%} of last week's spend",
            "source": "option" if max_change != DEFAULT_MAX_CHANGE else "default",
        }
    ]
    if feedback is not None:
        assumptions.extend(feedback.assumptions)
    if rec is not None:
        assumptions.append(
            {
                "name": "curves",
                "value": str(curves) if learner.curves is None else learner.curves["path"],
                "source": "option" if given else "state (recorded by an earlier step)",
            }
        )
        assumptions.append(
            {
                "name": "evidence limits",
                "value": "those of allocate solve on the same curves (default margin, channels "
                "not trusted held near their current share)",
                "source": "default",
            }
        )
        assumptions.append(
            {
                "name": "curves used until",
                "value": f"the learner has {curve_periods} periods of feedback per channel",
                "source": "default",
            }
        )
    return CampaignStepResult(
        created,
        updated,
        value_by_channel,
        revisions,
        step,
        learner.change_points(),
        source=source,
        previous=None
        if previous is None
        else dict(zip(learner.channels, map(float, previous), strict=True)),
        limited=limited,
        max_change=max_change,
        agreement=agreement,
        assumptions=tuple(assumptions),
        evidence=evidence,
        unallocated=unallocated,
        leads=None if feedback is None else feedback.counts(),
        feedback_note=None if feedback is None else feedback.note,
        notes=tuple(
            n
            for n in [
                box.unallocated_note(float(budget), max_change) if unallocated else None,
                _no_leads_note(silent, sources.get("leads", "leads")),
            ]
            if n
        ),
    )


def _no_leads_note(channels: list[str], source: str) -> str | None:
    """Channels that spent last period but have no lead in the leads table: their value is
    recorded as 0, which the learner takes as evidence; said, so a missing file is noticed."""
    if not channels:
        return None
    return (
        f"channel(s) {channels} spent last period but have no lead in {source}: recorded as "
        "value 0. If their leads are in another file, add them; the learner counts this as a "
        "period in which they brought nothing."
    )


def _follow_curves(learner: CampaignLearner, curves, curves_fit, source: str):
    """The curves this step follows: those given (recorded in the state when a file), else
    the ones the state recorded (checked unchanged); and their table."""
    if curves is None and learner.curves is not None:
        curves, curves_fit = recall_curves(learner.curves, source)
    if curves is None:
        return None, curves_fit, None
    table = read_curves(curves, sidecar=curves_fit, channels=None)
    if not isinstance(curves, pd.DataFrame):
        ref = record_curves(curves, table.fit_path, learner.period)
        old = learner.curves
        same = old is not None and all(old[k] == ref[k] for k in ("path", "sha256", "fit_sha256"))
        learner.curves = old if same else ref
    return curves, curves_fit, table


def _forced(row: dict[str, Any], limited: tuple[str, ...]) -> dict[str, Any]:
    """Following the curves, a channel goes against their direction only when the budget forces
    it: the channels the recommendation moves the money to cannot take it this week."""
    if row["agrees"] or row["channel"] in limited:
        return row
    why = (
        "the weekly move limit (--max-change) keeps the channels the recommendation moves money "
        "to from taking all of it this week, so part of the budget goes here"
    )
    return {**row, "why": why}


def _previous_split(learner: CampaignLearner, spend_tab, table) -> np.ndarray | None:
    """Last week's spend: the --spend table, else the last proposal, else the curves' current."""
    if spend_tab is not None:
        by = spend_tab.groupby(spend_tab["channel"].astype(str))["spend"].sum()
        return np.array([float(by.get(c, 0.0)) for c in learner.channels])
    if learner.last_proposal is not None:
        return np.asarray(learner.last_proposal, float)
    if table is not None and table.current_spend is not None:
        idx = {c: i for i, c in enumerate(table.channels)}
        if all(c in idx for c in learner.channels):
            return np.array([table.current_spend[idx[c]] for c in learner.channels])
    return None
