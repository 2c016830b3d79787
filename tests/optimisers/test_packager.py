"""The packager against brute force, plan checks, infeasibility reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from packager_helpers import brute_force, tiny_instance

from leadlever.optimisers.exceptions import InfeasibleRequirementError
from leadlever.optimisers.packaging import (
    PackagerSettings,
    package,
    parse_buyers,
    plan_violations,
    prepare_leads,
)

EXACT = PackagerSettings(p_resolution=None)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("formulation", ["per_lead", "class"])
def test_tiny_instances_match_brute_force(seed, formulation):
    frame, market = tiny_instance(seed)
    settings = PackagerSettings(p_resolution=None, formulation=formulation, on_infeasible="skip")
    result = package(frame, market, cost_col="cost", settings=settings)
    if result.status == "infeasible":
        pytest.skip("no buyer can be served")
    kept = parse_buyers(
        {"buyer": []}
        | {
            "buyer": [
                {
                    k: v
                    for k, v in {
                        "name": b.name,
                        "packages": b.packages,
                        "min_leads": b.min_leads,
                        "max_leads": b.max_leads,
                        "price_per_lead": b.price_per_lead,
                        "min_mean_p": b.min_mean_p,
                        "budget": b.budget,
                        "filters": {c: list(v) for c, v in b.filters.items()},
                    }.items()
                    if v is not None
                }
                for b in market.buyers
                if not any(r.startswith(b.name) for r in result.reasons)
            ]
        }
    )
    assert result.status == "optimal"
    assert result.profit == pytest.approx(brute_force(frame, kept), abs=1e-6)
    pool = prepare_leads(frame, market, cost_col="cost")
    assert plan_violations(result.bundles, pool, market) == []


@pytest.fixture(scope="module")
def sim_leads():
    from leadlever.simulations.world import simulate_leads

    frame = simulate_leads(2500, seed=4)
    frame["p_convert"] = frame["true_p_convert"]
    return frame


def test_every_lead_in_at_most_one_bundle(sim_leads):
    from leadlever.optimisers.packaging import read_buyers
    from leadlever.simulations.examples import example_path

    market = read_buyers(example_path("example_buyers.toml"))
    exclusive = parse_buyers(
        {
            "buyer": [
                {
                    "name": "a",
                    "packages": 2,
                    "min_leads": 30,
                    "max_leads": 60,
                    "min_mean_p": 0.35,
                    "price_per_lead": 50,
                },
                {
                    "name": "b",
                    "packages": 2,
                    "min_leads": 30,
                    "max_leads": 60,
                    "min_grade": "A",
                    "price_per_lead": 40,
                },
            ]
        }
    )
    for mk in (market, exclusive):
        result = package(sim_leads, mk)
        assert result.bundles
        pool = prepare_leads(sim_leads, mk)
        assert plan_violations(result.bundles, pool, mk) == []
        counts = pd.Series(
            [r for b in result.bundles if not b.shared for r in b.rows]
        ).value_counts()
        assert counts.empty or counts.max() == 1
        sold = {r for b in result.bundles for r in b.rows}
        assert len(result.unsold) == len(sim_leads) - len(sold)
        assert result.profit == pytest.approx(result.revenue - result.cost)


def test_leads_worth_more_in_house_stay(sim_leads):
    frame = sim_leads.copy()
    frame["value"] = np.where(frame["role_category"] == "analyst", 1000.0, 0.0)
    market = parse_buyers(
        {
            "buyer": [
                {
                    "name": "x",
                    "packages": 1,
                    "min_leads": 10,
                    "max_leads": 3000,
                    "price_per_lead": 20,
                }
            ]
        }
    )
    result = package(frame, market, cost_col="value")
    sold_roles = frame.loc[list(result.bundles[0].rows), "role_category"]
    assert (sold_roles != "analyst").all()
    assert result.bundles[0].n_leads == int((frame["role_category"] != "analyst").sum())


def test_sharing_respects_max_share():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {"lead_id": [f"L{i}" for i in range(40)], "p_convert": rng.uniform(0.3, 0.9, 40)}
    )
    doc = {
        "market": {"max_share": 2},
        "buyer": [
            {
                "name": n,
                "packages": 2,
                "min_leads": 10,
                "max_leads": 20,
                "price_per_lead": 10,
                "exclusive": False,
                "share_discount": 0.2,
            }
            for n in ("s1", "s2", "s3")
        ],
    }
    market = parse_buyers(doc)
    result = package(frame, market, settings=EXACT)
    pool = prepare_leads(frame, market)
    assert plan_violations(result.bundles, pool, market) == []
    uses = pd.Series([r for b in result.bundles for r in b.rows]).value_counts()
    assert uses.max() <= 2
    # 40 leads, each sold at most twice at 8 per lead: at most 640
    assert result.revenue == pytest.approx(640.0)


def _leads(p, role=None):
    frame = pd.DataFrame({"lead_id": [f"L{i}" for i in range(len(p))], "p_convert": p})
    if role is not None:
        frame["role"] = role
    return frame


def test_infeasible_mean_p_says_how_many():
    p = np.r_[np.full(12, 0.5), np.full(30, 0.1)]
    frame = _leads(p)
    market = parse_buyers(
        {
            "buyer": [
                {
                    "name": "niche-partner",
                    "min_leads": 20,
                    "max_leads": 50,
                    "min_mean_p": 0.40,
                    "price_per_lead": 80,
                }
            ]
        }
    )
    # independent count: the largest top-k set with mean >= 0.40
    srt = np.sort(p)[::-1]
    best = max(k for k in range(1, p.size + 1) if srt[:k].mean() >= 0.40)
    result = package(frame, market)
    assert result.status == "infeasible"
    assert "niche-partner needs mean p >= 0.4 over 20 leads" in result.reasons[0]
    assert f"only {best} such leads exist" in result.reasons[0]
    with pytest.raises(InfeasibleRequirementError) as info:
        package(frame, market, settings=PackagerSettings(on_infeasible="raise"))
    assert info.value.reasons == list(result.reasons)


def test_infeasible_filters_grade_budget_each_explained():
    frame = _leads(np.full(30, 0.2), role=["ds"] * 5 + ["pm"] * 25)
    market = parse_buyers(
        {
            "buyer": [
                {
                    "name": "filt",
                    "min_leads": 10,
                    "max_leads": 20,
                    "price_per_lead": 5,
                    "filters": {"role": ["ds"]},
                },
                {
                    "name": "grader",
                    "min_leads": 5,
                    "max_leads": 10,
                    "min_grade": "AAA",
                    "price_per_lead": 5,
                },
                {
                    "name": "poor",
                    "min_leads": 10,
                    "max_leads": 20,
                    "price_per_lead": 50,
                    "budget": 200,
                },
                {"name": "fine", "min_leads": 5, "max_leads": 10, "price_per_lead": 5},
            ]
        }
    )
    result = package(frame, market)
    text = " | ".join(result.reasons)
    assert "filt needs at least 10 leads role in ['ds'] per bundle; only 5 such leads exist" in text
    assert "grader needs grade >= AAA" in text
    assert (
        "poor's budget 200 buys at most 4 leads at 50 per lead; its bundles need at least 10"
        in text
    )
    assert "fine" not in text
    skipped = package(frame, market, settings=PackagerSettings(on_infeasible="skip"))
    assert skipped.status == "optimal"
    assert {b.buyer for b in skipped.bundles} == {"fine"}


def test_result_dict_and_frame(sim_leads):
    market = parse_buyers(
        {
            "buyer": [
                {
                    "name": "x",
                    "packages": 2,
                    "min_leads": 20,
                    "max_leads": 40,
                    "min_grade": "A",
                    "price_per_lead": {"AAA": 30, "A": 20},
                }
            ]
        }
    )
    result = package(sim_leads, market)
    d = result.to_dict()
    for key in ("status", "gap", "revenue", "cost", "profit", "packages", "unsold"):
        assert key in d
    for pkg in d["packages"]:
        assert set(pkg) >= {
            "package_id",
            "buyer",
            "n_leads",
            "mean_p",
            "expected_conversions",
            "promised",
            "grade",
            "price",
        }
        assert pkg["grade"] in ("AAA", "AA", "A")
    frame = result.to_frame()
    assert list(frame.columns) == ["lead_id", "package_id", "buyer"]
    assert len(frame) == sum(b.n_leads for b in result.bundles)


def test_highs_and_cbc_agree():
    frame, market = tiny_instance(3)
    a = package(
        frame,
        market,
        cost_col="cost",
        settings=PackagerSettings(p_resolution=None, on_infeasible="skip"),
    )
    b = package(
        frame,
        market,
        cost_col="cost",
        settings=PackagerSettings(p_resolution=None, solver="highs", on_infeasible="skip"),
    )
    assert a.profit == pytest.approx(b.profit, abs=1e-6)
