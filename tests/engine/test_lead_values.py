"""One in-house value and resale value per lead, and the assumptions a profile carries."""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd
import pytest

from leadlever.engine.economics import (
    Economics,
    implied_value_per_conversion,
    in_house_values,
    load_economics,
    resale_values,
)
from leadlever.optimisers.packaging import package_open_leads, parse_buyers


def _profile(k, n=50, seed=0):
    """A profile as ``qualify apply`` writes it: V = p K - D, no per-lead commission."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.0, 0.9, n)
    hours = 10.0
    d = hours * 60 + 300 * p + 40  # the economics' default delivery cost
    return pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(n)],
            "p_convert": p,
            "expected_delivery_cost": d,
            "expected_commission": np.nan,
            "expected_value": p * k - d,
        }
    )


@pytest.mark.parametrize("k", [900.0, 10_000.0])
def test_implied_value_per_conversion_recovers_k(k):
    assert implied_value_per_conversion(_profile(k)) == pytest.approx(k)


def test_no_implied_value_when_leads_have_their_own_commission():
    prof = _profile(900.0).assign(expected_commission=np.linspace(800, 1000, 50))
    assert implied_value_per_conversion(prof) is None


def test_profile_value_is_data_and_its_k_is_carried_forward():
    prof = _profile(10_000.0)
    econ = load_economics(None, value_per_conversion=900.0)
    got = in_house_values(prof, econ, source="p.csv")
    assert np.allclose(got.values, prof["expected_value"])
    by = {a.name: a for a in got.assumptions}
    assert by["expected_value"].source == "data"
    assert by["value_per_conversion"].source == "data"
    assert by["value_per_conversion"].value == pytest.approx(10_000.0)
    assert "default" in by["value_per_conversion"].note
    assert len(got.warnings) == 1 and "10,000.00" in got.warnings[0] and "900.00" in got.warnings[0]
    assert not in_house_values(prof, Economics()).warnings  # nothing given: nothing contradicts


def test_in_house_value_from_the_economics_announces_each_figure():
    prof = pd.DataFrame({"p_convert": [0.2, 0.6]})
    econ = Economics(value_per_conversion=1_000.0, effort_hours=2.0, hourly_rate=30.0)
    got = in_house_values(prof, econ)
    p = np.array([0.2, 0.6])
    assert np.allclose(got.values, p * 1_000 - (2 * 30 + 300 * p + 40))
    names = {a.name for a in got.assumptions}
    assert {"value_per_conversion", "effort_hours", "hourly_rate", "legal_fees"} <= names


def test_resale_value_sources():
    assert resale_values(pd.DataFrame({"x": [1, 2]})).assumptions[0].source == "default"
    priced = resale_values(pd.DataFrame({"price": [3.0, np.nan]}))
    assert priced.values.tolist() == [3.0, 0.0]
    assert priced.assumptions[0].source == "data"


BUYERS = """
[[buyer]]
name = "bulk"
packages = 1
min_leads = 1
max_leads = 10
price_per_lead = 20
"""


def test_package_announces_what_its_opportunity_cost_rests_on():
    prof = _profile(10_000.0)
    sale = package_open_leads(
        prof, parse_buyers(tomllib.loads(BUYERS)), economics=Economics(generation_cost=5.0)
    )
    by = {a["name"]: a for a in sale.to_dict()["assumptions"]}
    assert by["expected_value"]["source"] == "data"
    assert by["value_per_conversion"]["value"] == pytest.approx(10_000.0)
    assert by["generation_cost"]["value"] == 5.0


def test_package_names_leads_sold_below_their_own_worth_and_cost():
    """A bundle needs a mean p of 0.5: the optimiser lifts it with leads worth more in-house
    than the bundle pays a lead. Those leads, and leads sold below their generation cost, are
    counted again here from the output (brute force) and must match the warnings."""
    n_hi, n_lo = 15, 45
    prof = pd.DataFrame(
        {
            "lead_id": [f"L{i:03d}" for i in range(n_hi + n_lo)],
            "p_convert": [0.95] * n_hi + [0.3] * n_lo,
            "worth": [900.0] * n_hi + [50.0] * n_lo,
        }
    )
    buyers = """
[[buyer]]
name = "lift"
packages = 1
min_leads = 40
max_leads = 60
min_mean_p = 0.45
price_per_lead = 400
"""
    sale = package_open_leads(
        prof,
        parse_buyers(tomllib.loads(buyers)),
        cost_col="worth",
        economics=Economics(generation_cost=500.0),
    )
    (bundle,) = sale.result.bundles
    sold = prof[prof["lead_id"].isin([str(i) for i in bundle.lead_ids])]
    below = sold[sold["worth"] > bundle.price_per_lead]
    assert len(below) > 0  # the case exists: high-p leads lift the mean
    words = " ".join(sale.warnings)
    assert f"{len(below):,} lead(s) are sold below their own in-house value" in words
    gap = (below["worth"] - bundle.price_per_lead).sum()
    assert f"({gap:,.0f} in all;" in words
    assert f"{len(sold):,} lead(s) are sold for less than they cost to generate" in words
    said = {a["name"]: a for a in sale.to_dict()["assumptions"]}
    assert "taken as calibrated" in said["p_convert"]["value"]  # the grades rest on it
