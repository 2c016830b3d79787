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


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """One ``leadlever demo --json`` run shared by the tests that inspect its output."""
    import json

    from typer.testing import CliRunner

    from leadlever.cli import app

    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--seed", "3", "--json"])
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout), result
