"""``price leads``: a lead is not listed below its in-house value unless asked; the floors
keep the target solver exact."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leadlever.engine.economics import Economics
from leadlever.pricing import price_leads, price_open_leads


def _profile(n=200, seed=0):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.02, 0.9, n)
    delivery = np.full(n, 42.5)
    return pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(n)],
            "p_convert": p,
            "expected_delivery_cost": delivery,
            "expected_value": p * 900 - delivery,
        }
    )


ECON = Economics(generation_cost=12.0, value_per_conversion=900.0)


def test_default_floor_is_the_in_house_value():
    prof = _profile()
    listing = price_open_leads(prof, economics=ECON, target_margin=0.3)
    prices = listing.pricing.prices
    floor = np.maximum(prof["expected_value"].to_numpy(), 12.0)
    assert np.all(prices >= floor - 1e-9)
    assert listing.to_dict()["n_below_in_house_value"] == 0
    names = {a.name: a for a in listing.assumptions}
    assert names["price_floor"].value == "in-house-value"
    assert names["price_floor"].source == "default"
    assert "base seniority" in names["price_floor"].note  # plan's value can be higher: said
    assert names["expected_value"].source == "data"
    # profit and margin count the generation cost only, as package does
    assert listing.pricing.expected_profit == pytest.approx(prices.sum() - 12.0 * len(prof))


def test_generation_cost_floor_warns_with_the_count_below_in_house_value():
    prof = _profile()
    listing = price_open_leads(prof, economics=ECON, target_margin=0.3, floor="generation-cost")
    prices = listing.pricing.prices
    below = int(np.sum(prices < prof["expected_value"].to_numpy() - 0.005))
    assert below > 0
    assert listing.to_dict()["n_below_in_house_value"] == below
    assert any(f"{below:,} of {len(prof):,} leads" in w for w in listing.warnings)
    # the medians quoted are those of the leads below their value (not of every lead)
    mask = prices < prof["expected_value"].to_numpy() - 0.005
    value = np.median(np.maximum(prof["expected_value"].to_numpy(), 0)[mask])
    assert any(f"median in-house value {value:,.2f}" in w for w in listing.warnings)
    # the solver still hits the margin exactly on generation-cost floors
    assert listing.pricing.margin == pytest.approx(0.3)


@pytest.mark.parametrize("seed", range(4))
def test_floors_give_the_smallest_multiplier_reaching_the_target(seed):
    rng = np.random.default_rng(seed)
    n = 40
    p = rng.uniform(0, 1, n)
    c = rng.uniform(5, 20, n)
    f = np.where(rng.uniform(size=n) < 0.3, rng.uniform(0, 200, n), 0.0)
    target = 2_000.0
    res = price_leads(p, c, target_profit=target / n, floors=f)
    lo = np.maximum(c, f)
    assert np.all(res.prices >= lo - 1e-9)

    def profit(m):  # brute force: the batch profit at multiplier m
        return np.maximum(m * p, lo).sum() - c.sum()

    if profit(0.0) >= target:
        assert res.multiplier == 0.0
    else:
        assert profit(res.multiplier) == pytest.approx(target)
        assert profit(res.multiplier * (1 - 1e-6)) < target
    assert res.expected_profit == pytest.approx(res.prices.sum() - c.sum())


def test_the_grade_threshold_is_announced_and_floor_only_prices_are_said():
    prof = _profile()
    listing = price_open_leads(prof, economics=ECON, target_margin=0.3)
    said = {a.name: a for a in listing.assumptions}
    assert said["quality_threshold"].value == 0.5 and said["quality_threshold"].source == "default"
    lifted = price_open_leads(prof, economics=ECON, target_margin=0.3, floor="generation-cost")
    assert lifted.pricing.multiplier > 0 and not any("multiplier 0" in n for n in lifted.notes)
    # a target the in-house floors already exceed: every price is a floor, and it is said
    low = price_open_leads(prof, economics=ECON, target_margin=0.3, thresholds=(0.7,))
    assert low.pricing.multiplier == 0
    floors = np.maximum(prof["expected_value"].to_numpy(), 12.0)
    np.testing.assert_allclose(low.pricing.prices, floors)
    assert any("multiplier 0" in n for n in low.notes)
    assert {a.name: a for a in low.assumptions}["quality_threshold"].source == "option"
