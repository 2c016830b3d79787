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

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import (
    DataError,
    MissingColumnsError,
    ParameterError,
)
from leadlever.engine.io._lead_schema import unique_ids
from leadlever.engine.io._lock import locked
from leadlever.engine.io._persist import read_json_text
from leadlever.engine.io._schema import ColumnSpec, TableSchema, validate_table
from leadlever.engine.io._tables import atomic_write_text
from leadlever.optimisers.allocation._agreement import compare_directions, move_toward
from leadlever.optimisers.allocation._curve_table import read_curves
from leadlever.optimisers.allocation._entry import solve_curves
from leadlever.optimisers.learning._learner import (
    CampaignLearner,
    LearnerSettings,
    LearnerStep,
)

#: a channel's weekly spend moves at most this share by default
DEFAULT_MAX_CHANGE = 0.25
#: periods of its own feedback per channel before the learner takes over from fitted curves
DEFAULT_CURVE_PERIODS = 8

__all__ = [
    "DEFAULT_MAX_CHANGE",
    "DEFAULT_CURVE_PERIODS",
    "CampaignStepResult",
    "campaign_step",
    "leads_value_by_channel",
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


@dataclass(frozen=True)
class CampaignStepResult:
    """What one ``campaign step`` did and proposes.

    ``source`` says where the split comes from: ``"curves"`` (the fitted curves'
    recommendation, the same as ``allocate solve``, while the learner has fewer than
    ``curve_periods`` periods of its own feedback), ``"learner"`` (a Thompson draw of the
    learner's curves) or ``"exploration"`` (a random split around an equal one: the learner
    has no data and no curves were given; not a recommendation). ``agreement`` compares
    every channel's move with the curves' recommendation and says why they differ.
    """

    created: bool
    updated_period: int | None
    value_by_channel: dict[str, float]
    revisions: int
    step: LearnerStep
    change_points: dict[str, list[int]]
    source: str = "learner"
    previous: dict[str, float] | None = None
    limited: tuple[str, ...] = ()
    max_change: float | None = None
    agreement: tuple[dict[str, Any], ...] = ()
    assumptions: tuple[dict[str, Any], ...] = ()

    @property
    def explanation(self) -> str:
        if self.source == "exploration":
            return (
                "Exploration: the learner has no feedback for some channels yet and no curves "
                "were given, so this split is random around an equal split, to learn from. It is "
                "not a recommendation; pass --curves curves.csv to start from the fitted curves."
            )
        if self.source == "curves":
            return (
                "From the fitted curves (the allocate solve recommendation), moved at most "
                f"{self.max_change:.0%} a week; the learner takes over once it has its own feedback."
                if self.max_change is not None
                else "From the fitted curves (the allocate solve recommendation)."
            )
        return "A Thompson draw of the learner's curves, learned from the weekly feedback."

    def to_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated_period": self.updated_period,
            "value_by_channel": dict(self.value_by_channel),
            "revisions": self.revisions,
            "next_period": self.step.period,
            "explored": self.step.explored,
            "source": self.source,
            "explanation": self.explanation,
            "allocation": self.step.to_dict()["allocation"],
            "previous": self.previous,
            "max_change": self.max_change,
            "limited": list(self.limited),
            "agreement": [dict(a) for a in self.agreement],
            "change_points": self.change_points,
            "assumptions": [dict(a) for a in self.assumptions],
        }

    def to_frame(self) -> pd.DataFrame:
        frame = self.step.to_frame()
        frame.insert(0, "period", self.step.period)
        return frame


def leads_value_by_channel(
    leads: pd.DataFrame, *, threshold: float | None = None, source: str = "leads"
) -> pd.Series:
    """Sum of the leads' evaluated value per channel (see the module docstring)."""
    if "channel" not in leads.columns:
        raise MissingColumnsError(
            f"{source} has no 'channel' column. Add the channel of every lead.", ["channel"], {}
        )
    if "expected_value" in leads.columns:
        spec = (ColumnSpec("channel", "category"), ColumnSpec("expected_value", "numeric"))
        frame = validate_table(leads, TableSchema("scored leads", spec), source=source)
        value = frame["expected_value"].to_numpy(float)
    elif {"p_convert", "commission"} <= set(leads.columns):
        spec = (
            ColumnSpec("channel", "category"),
            ColumnSpec("p_convert", "probability"),
            ColumnSpec("commission", "numeric", min=0.0),
        )
        frame = validate_table(leads, TableSchema("scored leads", spec), source=source)
        value = frame["p_convert"].to_numpy(float) * frame["commission"].to_numpy(float)
    else:
        raise MissingColumnsError(
            f"{source} needs an 'expected_value' column, or 'p_convert' and 'commission' columns "
            "(value = p_convert x commission). Score the leads first.",
            ["expected_value"],
            {},
        )
    if threshold is not None:
        if "expected_roi" not in frame.columns:
            raise MissingColumnsError(
                f"{source} has no 'expected_roi' column, needed with an OKR threshold. "
                "Evaluate the leads' expected ROI first or drop the threshold.",
                ["expected_roi"],
                {},
            )
        roi = pd.to_numeric(frame["expected_roi"], errors="coerce").to_numpy(float)
        value = np.where(roi >= threshold, value, 0.0)
    return pd.Series(value, index=frame["channel"].astype(str).to_numpy()).groupby(level=0).sum()


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
) -> CampaignStepResult:
    """Update the learner in ``state_path`` with last period's feedback and propose the next split.

    Parameters
    ----------
    curves : path or DataFrame, optional
        Fitted curves (``allocate fit``): while the learner has fewer than
        ``curve_periods`` periods of its own feedback per channel, the split is
        their recommendation (the same as ``allocate solve``); afterwards they are the
        reference the step's directions are compared with.
    max_change : float or None
        A channel's spend moves at most this share away from last week's (scaled to the
        new budget); None: no limit.

    Notes
    -----
    The state is written (atomically) only after everything succeeded, and the whole
    read-update-write holds an exclusive lock on ``state_path``, so concurrent steps on one
    state run one after the other (each advances its own period).
    """
    if max_change is not None and not (np.isfinite(max_change) and max_change >= 0):
        raise ParameterError(f"--max-change must be a share >= 0 (e.g. 0.25). Got {max_change!r}.")
    table = None
    if curves is not None:
        table = read_curves(curves, sidecar=curves_fit, channels=None)
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
    value_by_channel: dict[str, float] = {}
    updated = None
    if leads is not None:
        values = leads_value_by_channel(
            leads, threshold=threshold, source=sources.get("leads", "leads")
        )
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
    limits = None
    if previous is not None and max_change is not None and previous.sum() > 0:
        ref = previous * (budget / previous.sum())
        limits = (ref * (1.0 - max_change), ref * (1.0 + max_change))
    rec = None
    if table is not None:
        missing = set(learner.channels) - set(table.channels)
        if missing:
            raise DataError(
                f"The curves file has no curve for channel(s) {sorted(missing)} of the learner. "
                "Fit curves for every channel the campaign runs."
            )
        rec = solve_curves(curves, budget, sidecar=curves_fit, channels=list(learner.channels))
    own = learner.effective_observations()
    if rec is not None and np.any(own < curve_periods):
        target = np.array([rec.spend[c] for c in learner.channels])
        spend = target if limits is None else move_toward(ref, target, *limits, float(budget))
        step = LearnerStep(learner.period, learner.channels, spend, float(budget), False, ())
        source = "curves"
    else:
        step = learner.propose(budget, limits=limits)
        source = "exploration" if step.explored else "learner"
    tol = 1e-6 * budget
    limited = ()
    if limits is not None:
        at = (step.spend <= limits[0] + tol) | (step.spend >= limits[1] - tol)
        limited = tuple(c for c, a in zip(learner.channels, at, strict=True) if a)
    agreement: tuple[dict[str, Any], ...] = ()
    if rec is not None:
        base = (
            previous
            if previous is not None
            else np.array([rec.channels[i].current_spend for i in range(len(rec.channels))])
        )
        base = base * (budget / base.sum()) if base.sum() > 0 else base
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
    learner.last_proposal = step.spend.tolist()
    atomic_write_text(learner.to_json(), path)
    assumptions = [
        {
            "name": "max change",
            "value": "none" if max_change is None else f"{max_change:.0%} of last week's spend",
            "source": "option" if max_change != DEFAULT_MAX_CHANGE else "default",
        }
    ]
    if rec is not None:
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
    )


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
