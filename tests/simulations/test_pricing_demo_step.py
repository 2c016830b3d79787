"""The demo's pricing step on a small simulated world."""

from __future__ import annotations

import pandas as pd
import pytest

from leadlever.simulations.demo import DemoContext
from leadlever.simulations.demo._pricing_step import pricing_step
from leadlever.simulations.world import simulate_leads


@pytest.fixture(scope="module")
def leads():
    return simulate_leads(3000, seed=9)


def _ctx(tmp_path, leads, **extra):
    ctx = DemoContext(seed=3, out_dir=tmp_path)
    ctx.data.update(
        leads=leads, open=leads[leads["converted"].isna()].reset_index(drop=True), **extra
    )
    return ctx


def test_pricing_step_without_plan_or_scores(tmp_path, leads):
    ctx = _ctx(tmp_path, leads)
    section = pricing_step(ctx)
    priced = ctx.data["priced"]
    assert {"price", "grade"} <= set(priced.columns)
    assert (priced["p_convert"] < 0.2).all()
    assert "plus noise" in section.lines[0]
    assert "p* =" in section.lines[2] and "Forecast p" in section.lines[3]
    assert ctx.data["deals"].forecast is not None
    assert all(p.exists() for p in section.plots)


def test_pricing_step_uses_plan_and_scores(tmp_path, leads):
    scored = leads.assign(p_convert=leads["true_p_convert"])
    chosen = scored["lead_id"].iloc[:50].tolist()
    plan = pd.DataFrame(
        {
            "lead_id": scored["lead_id"],
            "action": ["sell" if i in chosen else "assign" for i in scored["lead_id"]],
        }
    )
    ctx = _ctx(tmp_path, leads, scored=scored, plan=plan)
    section = pricing_step(ctx)
    assert sorted(ctx.data["priced"]["lead_id"]) == sorted(chosen)
    assert "plan's sell list" in section.lines[0] and "scoring step" in section.lines[0]


def test_pricing_step_with_empty_sell_list(tmp_path, leads):
    plan = pd.DataFrame({"lead_id": leads["lead_id"], "action": "assign"})
    ctx = _ctx(tmp_path, leads, plan=plan)
    section = pricing_step(ctx)
    assert len(ctx.data["priced"]) == 0
    assert section.lines[1] == "No leads to sell."
    assert "p* =" in section.lines[2]
