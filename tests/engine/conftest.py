"""Shared fixtures for the scoring tests: small simulated closed leads."""

from __future__ import annotations

import pandas as pd
import pytest

from leadlever.simulations.world import simulate_leads


@pytest.fixture(scope="session")
def sim_closed() -> pd.DataFrame:
    leads = simulate_leads(4000, seed=11)
    return leads[leads["converted"].notna()].reset_index(drop=True)
