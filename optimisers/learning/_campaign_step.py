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

from leadlever.engine.exceptions import DataError, MissingColumnsError, ParameterError
from leadlever.engine.io._lead_schema import unique_ids
from leadlever.engine.io._lock import locked
from leadlever.engine.io._persist import read_json_text
from leadlever.engine.io._schema import ColumnSpec, TableSchema, validate_table
from leadlever.engine.io._tables import atomic_write_text
from leadlever.optimisers.learning._learner import CampaignLearner, LearnerSettings, LearnerStep

__all__ = [
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
    """What one ``campaign step`` did and proposes."""

    created: bool
    updated_period: int | None
    value_by_channel: dict[str, float]
    revisions: int
    step: LearnerStep
    change_points: dict[str, list[int]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated_period": self.updated_period,
            "value_by_channel": dict(self.value_by_channel),
            "revisions": self.revisions,
            "next_period": self.step.period,
            "explored": self.step.explored,
            "allocation": self.step.to_dict()["allocation"],
            "change_points": self.change_points,
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
) -> CampaignStepResult:
    """Update the learner in ``state_path`` with last period's feedback and propose the next split.

    The state is written (atomically) only after everything succeeded, and the whole
    read-update-write holds an exclusive lock on ``state_path``, so concurrent steps on one
    state run one after the other (each advances its own period).
    """
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
    step = learner.propose(budget)
    learner.last_proposal = step.spend.tolist()
    atomic_write_text(learner.to_json(), path)
    return CampaignStepResult(
        created, updated, value_by_channel, revisions, step, learner.change_points()
    )
