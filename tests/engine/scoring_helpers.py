"""Helpers shared by the scoring tests."""

from __future__ import annotations

import pandas as pd

from leadlever.simulations.world import TRUE_COLUMNS

OUTCOME_COLUMNS = [
    "converted",
    "days_to_convert",
    "placement_salary",
    "commission",
    "n_interactions",
    "effort_hours",
    "fit_feedback",
    "resale_value",
]

__all__ = ["OUTCOME_COLUMNS", "features"]


def features(frame: pd.DataFrame) -> pd.DataFrame:
    """Only what is known when a lead arrives (no outcomes, no ground truth, no timestamp)."""
    return frame.drop(columns=[*TRUE_COLUMNS, *OUTCOME_COLUMNS, "created_at"])
