"""The bundle-composition plot and the demo step on a small simulated world."""

from __future__ import annotations

import numpy as np

from leadlever.optimisers.packaging import package, parse_buyers
from leadlever.optimisers.packaging.plots import plot_bundle_composition


def test_plot_written(tmp_path, small_leads):
    frame = small_leads.assign(p_convert=small_leads["true_p_convert"])
    market = parse_buyers(
        {
            "buyer": [
                {"name": "x", "packages": 2, "min_leads": 20, "max_leads": 40, "price_per_lead": 10}
            ]
        }
    )
    result = package(frame, market)
    path = plot_bundle_composition(result, frame["p_convert"].to_numpy(), tmp_path / "c.png")
    assert path.exists() and path.stat().st_size > 1000


def test_demo_step_packages_open_leads(tmp_path, small_leads):
    from leadlever.simulations.demo import DemoContext
    from leadlever.simulations.demo._packaging_step import packaging_step

    open_leads = small_leads[small_leads["converted"].isna()].reset_index(drop=True)
    ctx = DemoContext(seed=1, out_dir=tmp_path, data={"open": open_leads})
    section = packaging_step(ctx)
    result = ctx.data["packages"]
    assert result.status in ("optimal", "feasible")
    assert any("true_p_convert plus noise" in line for line in section.lines)
    sold = {r for b in result.bundles for r in b.rows}
    assert len(sold) + len(result.unsold) == min(len(open_leads), 3000)
    assert np.all([b.rating != "NR" for b in result.bundles if b.buyer != "volume-broker"])
