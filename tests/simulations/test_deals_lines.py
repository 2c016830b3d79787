"""Deals as lines: terms, p*, degenerate pairs, the upper envelope."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from leadlever.pricing import expected_profit_per_lead
from leadlever.simulations.deals._lines import (
    ClientContractTerms,
    LeadSaleTerms,
    crossing,
    deal_from_terms,
    line_deal,
    p_star,
    upper_envelope,
)
from leadlever.simulations.exceptions import DealError, IdenticalDealsError, NoCrossingError

coef = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(a1=coef, b1=coef, a2=coef, b2=coef)
@example(a1=0.0, b1=0.0, a2=415609.0, b2=-2.8194134701351223e-11)  # p* near 1e16
def test_p_star_is_where_both_lines_are_equal(a1, b1, a2, b2):
    d1, d2 = line_deal("one", a1, b1), line_deal("two", a2, b2)
    c = crossing(d1, d2)
    if c.status != "cross":
        assert abs(b1 - b2) <= 1e-12 * max(abs(b1), abs(b2), 1.0)
        return
    p = c.p
    scale = max(abs(a1), abs(a2), abs(b1 * p), abs(b2 * p), 1.0)
    assert d1.profit(p) == pytest.approx(d2.profit(p), abs=1e-9 * scale)
    # the deal named better above wins a bit to the right
    right = p + max(1.0, abs(p))
    winner = d1 if d1.profit(right) > d2.profit(right) else d2
    assert c.better_above == winner.name


def test_client_contract_terms_hand_computed():
    # a = 300*12000*0.005 - 300*3.5*40 - 50000 = 18000 - 42000 - 50000 = -74000
    # b = 300*12000*(0.10 - 0.005) = 342000
    d = ClientContractTerms(12000, 300, 0.10, 0.005, 3.5, 40, 50000).to_deal("c")
    assert d.intercept == pytest.approx(-74000) and d.slope == pytest.approx(342000)


def test_lead_sale_uses_the_pricing_formula():
    d = LeadSaleTerms(300, 250, 60, 40, 40, displaced_profit=5000).to_deal("s")
    for p in (0.0, 0.3, 1.0):
        assert d.profit(p) == pytest.approx(
            300 * expected_profit_per_lead(p, 250, 40, 60, 40) - 5000
        )


def test_hand_p_star():
    a = deal_from_terms(
        "contract",
        "client_contract",
        dict(
            commission=12000,
            n_leads=300,
            placement_rate_high=0.10,
            placement_rate_low=0.005,
            hours_per_lead=3.5,
            hourly_cost=40,
            fixed_cost=50000,
        ),
    )
    b = deal_from_terms(
        "sale",
        "lead_sale",
        dict(
            n_leads=300,
            price_high=250,
            price_low=60,
            cost_high=40,
            cost_low=40,
            displaced_profit=5000,
        ),
    )
    # (1000 + 74000) / (342000 - 57000)
    assert p_star(a, b) == pytest.approx(75000 / 285000)
    c = crossing(a, b)
    assert (c.better_below, c.better_above) == ("sale", "contract")


def test_parallel_deals_are_a_clear_error():
    with pytest.raises(
        NoCrossingError, match="never cross.*'?b'? is better at every p|b is better at every p"
    ):
        p_star(line_deal("a", 100, 50), line_deal("b", 300, 50))
    with pytest.raises(NoCrossingError, match="200.00"):
        p_star(line_deal("a", 100, 50), line_deal("b", 300, 50))


def test_identical_deals_are_a_clear_error():
    with pytest.raises(IdenticalDealsError, match="identical"):
        p_star(line_deal("a", 100, 50), line_deal("b", 100, 50))
    with pytest.raises(IdenticalDealsError):
        upper_envelope([line_deal("a", 100, 50), line_deal("b", 100, 50), line_deal("c", 0, 1)])


def test_crossing_outside_unit_interval_is_reported():
    c = crossing(line_deal("a", 0, 10), line_deal("b", 100, 5))
    assert c.p == pytest.approx(20.0) and not c.in_unit_interval
    assert "outside [0, 1]" in c.describe()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(coef, coef), min_size=1, max_size=6, unique=True))
def test_envelope_matches_brute_force_grid(lines):
    deals = [line_deal(f"d{i}", a, b) for i, (a, b) in enumerate(lines)]
    try:
        env = upper_envelope(deals)
    except IdenticalDealsError:
        return
    assert env[0].p_from == 0.0 and env[-1].p_to == 1.0
    for s0, s1 in zip(env[:-1], env[1:], strict=True):
        assert s0.p_to == s1.p_from and s0.deal != s1.deal
    grid = np.linspace(0, 1, 1001)
    values = np.array([d.profit(grid) for d in deals])
    top = values.max(axis=0)
    by_name = {d.name: d for d in deals}
    for seg in env:
        inside = (grid > seg.p_from) & (grid < seg.p_to)
        got = by_name[seg.deal].profit(grid[inside])
        scale = np.maximum(np.abs(top[inside]), 1.0)
        assert np.all(got >= top[inside] - 1e-9 * scale)


@pytest.mark.parametrize(
    ("kind", "terms", "match"),
    [
        ("swap", {}, "kind"),
        ("line", {"intercept": 1}, "needs"),
        ("line", {"intercept": 1, "slope": 2, "bonus": 3}, "unknown terms"),
        ("client_contract", {"commission": 1}, "needs the terms"),
        (
            "client_contract",
            dict(commission=1, n_leads=1, placement_rate_high=1.5, placement_rate_low=0),
            "placement_rate_high",
        ),
        ("lead_sale", dict(n_leads=-5, price_high=1, price_low=1), "n_leads"),
        ("line", {"intercept": "x", "slope": 1}, "intercept"),
    ],
)
def test_bad_deal_terms(kind, terms, match):
    with pytest.raises(DealError, match=match):
        deal_from_terms("d", kind, terms)


def test_repeated_names_rejected():
    with pytest.raises(DealError, match="unique"):
        upper_envelope([line_deal("a", 1, 2), line_deal("a", 2, 1)])
