"""Joint curve fitting + allocation on marketing-mix tables (Robyn/Meridian demo data; simulator)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leadlever.optimisers.allocation import allocate
from leadlever.optimisers.curves import fit_additive
from leadlever.simulations.world import channel_economics, default_world, simulate_channels

ROBYN = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "data"
    / "robyn-simulated-weekly"
    / "dt_simulated_weekly.csv"
)


def _fit_and_allocate(frame, spend, target, controls):
    fit = fit_additive(frame, spend, target, controls=controls, n_random_starts=0)
    curves = fit.curves.as_mapping()
    current = np.array([curves[c].current_spend for c in spend])
    alloc = allocate(curves, float(current.sum()), names=spend, current_spend=current)
    return fit, alloc


def test_same_code_path_on_simulated_channels():
    """From the noiseless weekly totals the joint fit recovers every channel's true Hill curve."""
    world = default_world()
    hist = simulate_channels(156, seed=8, world=world)
    wide = hist.pivot(index="week", columns="channel", values="spend")[world.channel_names]
    wide["value"] = hist.groupby("week")["true_expected_value"].sum()
    spend = world.channel_names
    fit, alloc = _fit_and_allocate(wide.reset_index(), spend, "value", [])
    econ = channel_economics(world)
    for c in world.channels:
        got = fit.curves.as_mapping()[c.name].curve
        assert got.scale == pytest.approx(c.scale * econ.loc[c.name, "value_per_lead"], rel=1e-3)
        assert got.half_saturation == pytest.approx(c.half_saturation, rel=1e-3)
        assert got.shape == pytest.approx(c.shape, rel=1e-3)
    assert abs(alloc.certificate.budget_residual) <= 1e-9 * alloc.budget

    # the fitted uplift is the true uplift
    def true(x):
        return sum(
            c.expected_leads(v) * econ.loc[c.name, "value_per_lead"]
            for c, v in zip(world.channels, x, strict=True)
        )

    assert true(alloc.spend) / true(alloc.current_spend) - 1 == pytest.approx(
        alloc.uplift / alloc.baseline_objective, abs=1e-3
    )
    assert alloc.uplift > 0


@pytest.mark.shared_data
@pytest.mark.skipif(
    not ROBYN.exists(), reason="../shared/data not present: Robyn's simulated demo data is needed"
)
def test_robyn_simulated_weekly():
    d = pd.read_csv(ROBYN)
    d["event"] = (d["events"] != "na").astype(float)
    spend = ["tv_S", "ooh_S", "print_S", "facebook_S", "search_S"]
    fit, alloc = _fit_and_allocate(
        d, spend, "revenue", ["competitor_sales_B", "newsletter", "event"]
    )
    assert fit.r2 > 0.8
    assert alloc.total_spend == pytest.approx(alloc.budget)
    assert alloc.objective >= alloc.baseline_objective
    for c, x in zip(
        spend, alloc.spend, strict=False
    ):  # never beyond the trusted range of the fitted curves
        assert x <= 2 * d[c].max() + 1e-6
