"""What one ``campaign step`` did and proposes (:class:`CampaignStepResult`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from leadlever.optimisers.learning._settings import LearnerStep

__all__ = ["CampaignStepResult"]


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
    evidence: tuple[dict[str, Any], ...] = ()
    unallocated: float = 0.0
    notes: tuple[str, ...] = ()
    leads: dict[str, int] | None = None
    feedback_note: str | None = None
    #: how to give fitted curves where this step was asked (the service has no curves option)
    curves_hint: str = "pass --curves curves.csv to start from the fitted curves"

    @property
    def explanation(self) -> str:
        if self.source == "exploration":
            return (
                "Exploration: the learner has no feedback for some channels yet and no curves "
                "were given, so this split is random around an equal split, to learn from. It is "
                f"not a recommendation; {self.curves_hint}."
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
            "evidence_limits": [dict(e) for e in self.evidence],
            "unallocated": self.unallocated,
            "notes": list(self.notes),
            "leads": self.leads,
            "feedback_note": self.feedback_note,
            "change_points": self.change_points,
            "assumptions": [dict(a) for a in self.assumptions],
        }

    def to_frame(self) -> pd.DataFrame:
        frame = self.step.to_frame()
        frame.insert(0, "period", self.step.period)
        return frame
