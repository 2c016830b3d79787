"""Planner: the seniority uplift is announced and shown per lead; one resale value with package."""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest

from leadlever.engine.economics import Economics
from leadlever.engine.scoring._fit_record import MODEL_WARNING_COLUMN
from leadlever.optimisers.packaging import package, parse_buyers
from leadlever.optimisers.planning._planner import PlannerSettings, plan_actions

TEAM = pd.DataFrame(
    {"name": ["Jun", "Mid", "Sen"], "weekly_hours": [40.0, 40.0, 40.0], "seniority": [0, 1, 2]}
)


def _profile(n=30, seed=0, **extra):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(n)],
            "p_convert": rng.uniform(0.05, 0.9, n),
            "expected_commission": rng.uniform(2_000, 20_000, n),
            "expected_effort_hours": rng.uniform(2, 12, n),
            "city": rng.choice(["Mumbai", "Pune"], n),
            **extra,
        }
    )


def _by_name(plan):
    return {a.name: a for a in plan.assumptions}


@pytest.mark.parametrize(("factor", "source"), [(1.3, "default"), (1.7, "option")])
def test_seniority_factor_and_base_are_announced(factor, source):
    plan = plan_actions(_profile(), TEAM, PlannerSettings(seniority_odds_factor=factor))
    got = _by_name(plan)
    assert got["seniority_odds_factor"].value == factor
    assert got["seniority_odds_factor"].source == source
    assert got["base_seniority"].value == 0.0 and got["base_seniority"].source == "default"
    names = [a["name"] for a in plan.to_dict()["assumptions"]]
    assert {"seniority_odds_factor", "base_seniority"} <= set(names)


def test_queue_shows_the_p_used_for_the_assigned_consultant():
    prof = _profile()
    s = PlannerSettings(seniority_odds_factor=1.5)
    q = plan_actions(prof, TEAM, s).queue.set_index("lead_id")
    p = prof.set_index("lead_id")["p_convert"]
    work = q[q["action"] == "in_house"]
    assert len(work) > 0
    for lead, row in work.iterrows():  # independent: odds x f^(level - 0)
        odds = p[lead] / (1 - p[lead]) * 1.5 ** row["seniority"]
        assert row["p_convert_assigned"] == pytest.approx(odds / (1 + odds))
        assert row["p_convert"] == pytest.approx(p[lead])
        k = prof.set_index("lead_id").loc[lead]
        pa = odds / (1 + odds)  # V = p K - (60 h + 300 p + 40), the economics' defaults
        v = pa * k["expected_commission"] - (60 * k["expected_effort_hours"] + 300 * pa + 40)
        assert row["expected_value"] == pytest.approx(v)
    assert q.loc[q["action"] != "in_house", "p_convert_assigned"].isna().all()


@pytest.mark.parametrize(("factor", "flagged"), [(1.3, True), (1.0, False)])
def test_uplift_on_a_chance_level_model_is_flagged(factor, flagged):
    prof = _profile(**{MODEL_WARNING_COLUMN: "no better than chance (AUC 0.49)"})
    plan = plan_actions(prof, TEAM, PlannerSettings(seniority_odds_factor=factor))
    uplift = [w for w in plan.warnings if "seniority uplift" in w]
    assert bool(uplift) is flagged


def test_resale_value_defaults_to_zero_announced():
    plan = plan_actions(_profile(), TEAM)
    a = _by_name(plan)["expected_resale_value"]
    assert a.value == 0.0 and a.source == "default"
    assert (plan.queue["expected_resale_value"] == 0).all()


def test_resale_value_is_the_list_price_when_priced():
    rng = np.random.default_rng(3)
    prof = _profile(price=rng.uniform(0, 15_000, 30))
    plan = plan_actions(prof, TEAM)
    a = _by_name(plan)["expected_resale_value"]
    assert a.source == "data" and "price" in a.value
    q = plan.queue.set_index("lead_id")
    price = prof.set_index("lead_id")["price"]
    best = q["expected_in_house_value"]
    expected_sell = price > np.maximum(best.reindex(price.index), 0.0)
    assert expected_sell.any() and not expected_sell.all()
    assert ((q["action"] == "sell") == expected_sell.reindex(q.index)).all()


BUYERS = """
[[buyer]]
name = "mumbai"
packages = 1
min_leads = 2
max_leads = 6
price_per_lead = 6000
filters = { city = ["Mumbai"] }
"""


def test_with_buyers_the_plan_sells_what_the_packager_sells():
    prof = _profile(n=24, seed=5)
    market = parse_buyers(tomllib.loads(BUYERS))
    s = PlannerSettings()
    plan = plan_actions(prof, TEAM, s, market=market)
    # independent: each lead's best in-house value over the three levels, then the packager
    p = prof["p_convert"].to_numpy()
    odds = p / (1 - p)
    best = np.full(len(prof), -np.inf)
    for level in (0, 1, 2):
        o = odds * 1.3**level
        pa = o / (1 + o)
        v = Economics().in_house_value(
            pa, prof["expected_commission"], prof["expected_effort_hours"]
        )
        best = np.maximum(best, v)
    direct = package(
        prof.assign(opportunity_cost=np.maximum(best, 0.0)), market, cost_col="opportunity_cost"
    )
    sold = {str(i) for b in direct.bundles for i in b.lead_ids}
    assert sold
    q = plan.queue
    assert set(q.loc[q["action"] == "sell", "lead_id"]) == sold
    assert (q.loc[q["action"] == "sell", "expected_value"] == 6000).all()
    assert _by_name(plan)["expected_resale_value"].source == "file"


def test_without_buyers_the_plan_says_why_package_may_differ():
    notes = plan_actions(_profile(), TEAM).notes
    assert any("--buyers" in n and "package" in n for n in notes)
    with_buyers = plan_actions(_profile(), TEAM, market=parse_buyers(tomllib.loads(BUYERS)))
    assert not any("give --buyers" in n for n in with_buyers.notes)
