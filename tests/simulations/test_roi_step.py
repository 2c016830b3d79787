"""The demo's ROI step fills ctx.data and reports a reallocation that helps under the true curves."""

import numpy as np

from leadlever.optimisers.allocation import Allocation
from leadlever.simulations.demo import DemoContext
from leadlever.simulations.demo._roi_step import roi_step
from leadlever.simulations.world import (
    channel_economics,
    default_world,
    simulate_channels,
    simulate_leads,
)


def test_roi_step(tmp_path):
    world = default_world()
    rng = np.random.default_rng(3)
    leads = simulate_leads(4000, seed=rng, world=world)
    history = simulate_channels(104, seed=rng, world=world)
    ctx = DemoContext(seed=3, out_dir=tmp_path)
    ctx.data.update(
        world=world,
        leads=leads,
        history=history,
        closed=leads[leads["converted"].notna()].reset_index(drop=True),
        open=leads[leads["converted"].isna()].reset_index(drop=True),
    )
    section = roi_step(ctx)
    alloc = ctx.data["allocation"]
    assert isinstance(alloc, Allocation)
    assert set(ctx.data["curves"].as_mapping()) == set(world.channel_names)
    assert any("stand-in" in line for line in section.lines)
    assert all(p.exists() for p in section.plots)
    # the reallocation must raise value under the simulator's true curves, not only the fitted ones
    econ = channel_economics(world)
    truth = {c.name: c.expected_leads for c in world.channels}
    true_value = lambda spend: sum(  # noqa: E731
        float(truth[n](x)) * econ.loc[n, "value_per_lead"]
        for n, x in zip(alloc.channels, spend, strict=False)
    )
    assert true_value(alloc.spend) > true_value(alloc.current_spend)
