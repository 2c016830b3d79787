"""Planner: brute-force optimum on tiny instances, rules, reasons, errors, scale path."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from leadlever.optimisers.exceptions import (
    ConsultantsFileError,
    NoConsultantsError,
    PlannerError,
    ZeroCapacityError,
)
from leadlever.optimisers.planning._planner import PlannerSettings, load_consultants, plan_actions


def profile(n, rng, resale=0.0):
    return pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(n)],
            "p_convert": rng.uniform(0.05, 0.9, n),
            "expected_commission": rng.uniform(2000, 20000, n),
            "expected_effort_hours": rng.uniform(2, 12, n),
            "p_fit": np.ones(n),
            "p_convert_180d": np.ones(n),
            "expected_resale_value": np.full(n, resale),
        }
    )


def brute_force(prof, cons, s):
    p = prof["p_convert"].to_numpy()
    odds = p / (1 - p)
    levels = cons["seniority"].to_numpy(float)
    cap = cons["weekly_hours"].to_numpy(float) * s.horizon_weeks
    hours = prof["expected_effort_hours"].to_numpy()
    best = 0.0
    for choice in itertools.product(range(-1, len(cons)), repeat=len(prof)):
        used = np.zeros(len(cons))
        total = 0.0
        for i, j in enumerate(choice):
            if j < 0:
                continue
            used[j] += hours[i]
            o = odds[i] * s.seniority_odds_factor ** (levels[j] - s.base_seniority)
            p_adj = o / (1 + o)  # V = p K - (c_h h + L p + A), the economics' defaults
            cost = 60.0 * hours[i] + 300.0 * p_adj + 40.0
            total += p_adj * prof["expected_commission"].iat[i] - cost
        if np.all(used <= cap + 1e-9):
            best = max(best, total)
    return best


@pytest.mark.parametrize("seed", range(5))
def test_exact_plan_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    prof = profile(6, rng)
    cons = pd.DataFrame(
        {"name": ["a", "b"], "weekly_hours": rng.uniform(8, 20, 2), "seniority": [0, 2]}
    )
    s = PlannerSettings(seniority_odds_factor=1.5, gap_rel=0.0)
    plan = plan_actions(prof, cons, s)
    assert plan.method == "exact"
    worked = plan.queue.loc[plan.queue["action"] == "in_house", "expected_value"].sum()
    assert worked == pytest.approx(brute_force(prof, cons, s), rel=1e-9, abs=1e-6)
    assert plan.status == "Optimal"
    assert plan.bound >= worked - 1e-6
    used = plan.consultants["hours_assigned"].to_numpy()
    assert np.all(used <= plan.consultants["capacity_hours"].to_numpy() + 1e-9)


def test_class_mode_is_feasible_and_close_to_the_bound():
    rng = np.random.default_rng(7)
    prof = profile(3000, rng)
    cons = pd.DataFrame(
        {
            "name": [f"c{j}" for j in range(12)],
            "weekly_hours": 40.0,
            "seniority": ["junior", "mid", "senior"] * 4,
        }
    )
    plan = plan_actions(prof, cons, PlannerSettings(horizon_weeks=4))
    assert plan.method == "seniority_classes"
    used = plan.consultants["hours_assigned"].to_numpy()
    assert np.all(used <= plan.consultants["capacity_hours"].to_numpy() + 1e-9)
    worked = plan.queue.loc[plan.queue["action"] == "in_house", "expected_value"].sum()
    assert worked <= plan.bound + 1e-6
    assert 0 <= plan.gap < 0.02
    inh = plan.queue[plan.queue["action"] == "in_house"]
    assert list(inh["priority"]) == list(range(1, len(inh) + 1))
    assert inh["expected_value"].is_monotonic_decreasing


def test_sell_rules_and_reasons():
    rng = np.random.default_rng(1)
    prof = profile(5, rng)
    prof.loc[0, "expected_resale_value"] = 1e6  # resale beats any in-house value
    prof.loc[1, ["p_fit", "p_convert_180d"]] = [0.1, 0.01]  # low fit and timing ...
    prof.loc[1, "expected_resale_value"] = 50.0  # ... and someone pays for it
    prof.loc[2, "expected_commission"] = 1.0  # never worth working now
    prof.loc[4, ["p_fit", "p_convert_180d"]] = [0.1, 0.01]  # low fit and timing ...
    prof.loc[4, "expected_resale_value"] = 0.0  # ... but nothing is paid for it
    cons = pd.DataFrame({"name": ["a"], "weekly_hours": [100.0], "seniority": ["senior"]})
    q = plan_actions(prof, cons).queue.set_index("lead_id")
    assert q.loc["L0", "action"] == "sell" and "resale" in q.loc["L0", "reason"]
    assert q.loc["L1", "action"] == "sell" and "low fit" in q.loc["L1", "reason"]
    assert q.loc["L2", "action"] == "nurture" and "<= 0" in q.loc["L2", "reason"]
    assert q.loc["L3", "action"] == "in_house" and q.loc["L3", "consultant"] == "a"
    # not sold for nothing, and not worked either: the low rule keeps it off the consultants
    assert q.loc["L4", "action"] == "nurture" and "nothing is paid" in q.loc["L4", "reason"]
    assert q.loc["L4", "consultant"] == ""


def test_seniority_raises_conversion_odds():
    rng = np.random.default_rng(2)
    prof = profile(1, rng)
    cons = pd.DataFrame(
        {"name": ["junior", "senior"], "weekly_hours": [50.0, 50.0], "seniority": [0, 1]}
    )
    q = plan_actions(prof, cons, PlannerSettings(seniority_odds_factor=2.0)).queue
    assert q["consultant"].iat[0] == "senior"


def test_degenerate_inputs_raise_clear_errors(tmp_path):
    rng = np.random.default_rng(3)
    prof = profile(5, rng)
    with pytest.raises(NoConsultantsError):
        plan_actions(prof, pd.DataFrame(columns=["name", "weekly_hours", "seniority"]))
    with pytest.raises(ZeroCapacityError):
        plan_actions(prof, pd.DataFrame({"name": ["a"], "weekly_hours": [0.0], "seniority": [1]}))
    with pytest.raises(ConsultantsFileError, match="seniority"):
        load_consultants(pd.DataFrame({"name": ["a"], "weekly_hours": [10], "seniority": ["guru"]}))
    with pytest.raises(ConsultantsFileError, match="weekly_hours"):
        load_consultants(pd.DataFrame({"name": ["a"], "weekly_hours": [-1], "seniority": [1]}))
    # 400 hours a week is not one person's week (a monthly figure, say): named, not planned
    team = pd.DataFrame({"name": ["a", "b"], "weekly_hours": [40, 400], "seniority": [1, 1]})
    with pytest.raises(ConsultantsFileError, match=r"row\(s\) \[2\].*from 0 to 168"):
        load_consultants(team)
    assert load_consultants(team.assign(weekly_hours=[40, 168]))["weekly_hours"].max() == 168
    with pytest.raises(PlannerError, match="p_convert"):
        plan_actions(
            prof.drop(columns="p_convert"),
            pd.DataFrame({"name": ["a"], "weekly_hours": [10.0], "seniority": [1]}),
        )
    # a profile without a value estimate takes the economics' figure, and says so
    plan = plan_actions(
        prof.drop(columns="expected_commission"),
        pd.DataFrame({"name": ["a"], "weekly_hours": [10.0], "seniority": [1]}),
    )
    assumed = {a.name: a.source for a in plan.assumptions}
    assert assumed["value_per_conversion"] == "default"
    with pytest.raises(PlannerError):
        PlannerSettings(horizon_weeks=0)


def test_consultants_from_toml(tmp_path):
    path = tmp_path / "team.toml"
    path.write_text(
        '[[consultant]]\nname = "ann"\nweekly_hours = 40\nseniority = "senior"\n\n'
        '[[consultant]]\nname = "bob"\nweekly_hours = 20\nseniority = 0\n'
    )
    cons = load_consultants(path)
    assert list(cons["name"]) == ["ann", "bob"]
    assert list(cons["seniority"]) == [2.0, 0.0]
    (tmp_path / "empty.toml").write_text("")
    with pytest.raises(NoConsultantsError):
        load_consultants(tmp_path / "empty.toml")


def test_plan_to_dict_and_frame():
    rng = np.random.default_rng(4)
    plan = plan_actions(
        profile(20, rng), pd.DataFrame({"name": ["a"], "weekly_hours": [30.0], "seniority": [1]})
    )
    d = plan.to_dict()
    assert {"n_in_house", "n_nurture", "n_sell", "expected_profit", "status", "gap"} <= set(d)
    assert d["n_in_house"] + d["n_nurture"] + d["n_sell"] == 20
    assert len(plan.to_frame()) == 20


def test_closed_leads_are_never_planned():
    rng = np.random.default_rng(6)
    prof = profile(30, rng).assign(converted=[1, 0, None] * 10)
    team = pd.DataFrame({"name": ["a"], "weekly_hours": [40.0], "seniority": [1]})
    plan = plan_actions(prof, team)
    assert plan.n_closed_excluded == 20 and len(plan.queue) == 10
    assert set(plan.queue["lead_id"]) == set(prof.loc[prof["converted"].isna(), "lead_id"])


def test_a_table_without_lead_id_is_planned_by_its_id_column_as_read_leads_finds_it():
    """score apply keeps the export's id column ('Lead ID'); plan finds it as every lead table
    is read (lead_id_column) instead of failing, and says so."""
    rng = np.random.default_rng(4)
    prof = profile(6, rng).rename(columns={"lead_id": "Lead ID"})
    cons = pd.DataFrame({"name": ["a"], "weekly_hours": [100.0], "seniority": ["senior"]})
    result = plan_actions(prof, cons)
    assert sorted(result.queue["lead_id"]) == sorted(prof["Lead ID"].astype(str))
    assert any("named by 'Lead ID'" in n for n in result.notes)
