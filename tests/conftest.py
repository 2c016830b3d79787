"""Shared fixtures: small simulated tables."""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def small_leads():
    from simulations.leads import simulate_leads

    return simulate_leads(3000, seed=11)


@pytest.fixture(scope="session")
def small_history():
    from simulations.history import simulate_channels

    return simulate_channels(52, seed=11)
