"""Exports as users bring them, written once per session, and a runner for the journeys.

Each file is a simulated export with known truth saved the way real exports look:
foreign column names, a stage column, day/month dates, id columns, leaks, columns
missing and closed leads mixed with open ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from leadlever.simulations.world import simulate_export


@pytest.fixture(scope="session")
def exports(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("exports")
    out = {"dir": d}
    for kind, n in (("valiant", 2500), ("pipeline", 1800), ("education", 1600)):
        frame, truth = simulate_export(kind, n, seed=21)
        path = d / f"{kind}.csv"
        frame.to_csv(path, index=False)
        out[kind] = path
        out[f"{kind}_truth"] = truth
    return out
