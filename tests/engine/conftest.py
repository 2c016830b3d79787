"""Shared fixtures for the scoring tests: small simulated closed leads."""

from __future__ import annotations

import pandas as pd
import pytest

from simulations.leads import TRUE_COLUMNS, simulate_leads

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


def features(frame: pd.DataFrame) -> pd.DataFrame:
    """Only what is known when a lead arrives (no outcomes, no ground truth, no timestamp)."""
    return frame.drop(columns=[*TRUE_COLUMNS, *OUTCOME_COLUMNS, "created_at"])


@pytest.fixture(scope="session")
def sim_closed() -> pd.DataFrame:
    leads = simulate_leads(4000, seed=11)
    return leads[leads["converted"].notna()].reset_index(drop=True)
