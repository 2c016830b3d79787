"""The demo's ROI step fills ctx.data and reports a reallocation that helps under the true curves."""

import numpy as np

from leadlever.optimisers.allocation import Allocation
from leadlever.simulations.demo import DemoContext
from leadlever.simulations.demo._roi_step import roi_step
from leadlever.simulations.world import (
    default_world,
    simulate_channels,
    simulate_leads,
    valiant_channel_world,
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
    # the reallocation must not lose value under the simulator's true curves (the fitted curves
    # can be wrong), and it stays within the evidence: no channel above 1.2x its largest spend
    truth = valiant_channel_world(world).value_curves()
    true_value = lambda spend: sum(  # noqa: E731
        float(truth[n].value(x)) for n, x in zip(alloc.channels, spend, strict=True)
    )
    assert true_value(alloc.spend) >= true_value(alloc.current_spend) * (1 - 1e-9)
    fitted = ctx.data["curves"].as_mapping()
    for n, x in zip(alloc.channels, alloc.spend, strict=True):
        assert x <= 1.2 * fitted[n].max_observed_spend * (1 + 1e-9)
