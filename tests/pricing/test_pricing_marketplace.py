"""Marketplace terms against hand computations."""

from __future__ import annotations

import numpy as np
import pytest

from leadlever.pricing._marketplace import (
    MarketTerms,
    best_sharing,
    net_price,
    sell_or_convert,
    shared_revenue,
)
from leadlever.pricing.exceptions import PricingError


def test_shared_revenue_hand_values():
    # 3 buyers at 15% off per extra buyer: 3 * 100 * 0.7 = 210
    assert shared_revenue(100.0, 3, 0.15) == pytest.approx(210.0)
    assert shared_revenue(100.0, 1, 0.5) == pytest.approx(100.0)
    assert shared_revenue(100.0, 5, 0.3) == pytest.approx(0.0)  # discount floored at 0


@pytest.mark.parametrize("d", [0.05, 0.1, 0.15, 0.25, 0.4])
def test_best_buyers_near_continuous_optimum(d):
    terms = MarketTerms(max_buyers=30, discount_per_extra_buyer=d)
    res = best_sharing(100.0, terms)
    k_star = (1 + d) / (2 * d)
    assert abs(res.best_buyers - k_star) <= 0.5 + 1e-9
    brute = max(range(1, 31), key=lambda k: k * max(0, 1 - d * (k - 1)))
    assert res.best_buyers == brute


def test_refund_capped():
    terms = MarketTerms(refund_rate=0.3, refund_cap=0.15)
    assert net_price(200.0, terms) == pytest.approx(200 * 0.85)
    assert MarketTerms(refund_rate=0.1).refunded_share == pytest.approx(0.1)


def test_exclusive_only_when_sharing_not_allowed():
    res = best_sharing(100.0, MarketTerms(max_buyers=1, discount_per_extra_buyer=0.1))
    assert res.best_buyers == 1 and res.best_revenue == pytest.approx(100.0)
    with pytest.raises(PricingError):
        net_price(100.0, MarketTerms(max_buyers=1), buyers=2)


def test_sell_or_convert():
    # in-house value: p * 10000 - 300  -> [-200, 700, 2700]; sale 150 * 0.9 = 135
    res = sell_or_convert(
        np.array([150.0, 150.0, 150.0]),
        np.array([0.01, 0.1, 0.3]),
        10000.0,
        300.0,
        MarketTerms(refund_rate=0.1),
    )
    assert res.table["action"].tolist() == ["sell", "convert", "convert"]
    assert res.n_sell == 1
    assert res.expected_value == pytest.approx(135 + 700 + 2700)


@pytest.mark.parametrize(
    "kwargs", [dict(max_buyers=0), dict(refund_rate=1.5), dict(discount_per_extra_buyer=-0.1)]
)
def test_bad_terms(kwargs):
    with pytest.raises(PricingError):
        MarketTerms(**kwargs)
