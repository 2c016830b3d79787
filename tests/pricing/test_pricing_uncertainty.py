"""Batch uncertainty: exact distribution vs brute-force enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from leadlever.engine.stats import poisson_binomial
from leadlever.pricing._uncertainty import (
    guaranteed_count,
    high_quality_pmf,
    multiplier_for_confidence,
    prob_profit_at_least,
    profit_distribution,
)
from leadlever.pricing.exceptions import PricingError, UnreachableTargetError

P = np.array([0.1, 0.35, 0.5, 0.8, 0.25, 0.6])
TERMS = dict(r_high=500.0, c_high=120.0, r_low=80.0, c_low=40.0)


def _enumerate(p, m=1.0):
    out = []
    for outcome in itertools.product([0, 1], repeat=len(p)):
        x = np.array(outcome)
        prob = float(np.prod(np.where(x == 1, p, 1 - p)))
        s, n = x.sum(), len(p)
        profit = m * (s * 500 + (n - s) * 80) - (s * 120 + (n - s) * 40)
        out.append((prob, profit))
    return out


def test_uses_engine_poisson_binomial():
    assert high_quality_pmf(P) == pytest.approx(poisson_binomial.pmf(P))


def test_profit_distribution_matches_enumeration():
    dist = profit_distribution(P, **TERMS)
    outcomes = _enumerate(P)
    mean = sum(pr * v for pr, v in outcomes)
    assert dist.mean == pytest.approx(mean)
    # the mean is N times the case formula at p = mean probability
    assert dist.mean == pytest.approx(len(P) * (P.mean() * 380 + (1 - P.mean()) * 40))
    for target in (300.0, 800.0, 1200.0):
        brute = sum(pr for pr, v in outcomes if v >= target)
        assert prob_profit_at_least(P, target, **TERMS) == pytest.approx(brute)


def test_guaranteed_count():
    pmf = np.array([0.1, 0.2, 0.3, 0.4])  # P(S>=1)=0.9, P(S>=2)=0.7, P(S>=3)=0.4
    assert guaranteed_count(pmf, 0.9) == 1
    assert guaranteed_count(pmf, 0.7) == 2
    assert guaranteed_count(pmf, 0.5) == 2
    with pytest.raises(PricingError):
        guaranteed_count(pmf, 1.0)


@pytest.mark.parametrize("confidence", [0.5, 0.8, 0.95])
def test_multiplier_for_confidence_is_exact_and_minimal(confidence):
    target = 1000.0
    res = multiplier_for_confidence(P, **TERMS, confidence=confidence, target_total=target)
    prob = sum(pr for pr, v in _enumerate(P, res.multiplier) if v >= target - 1e-7)
    assert prob >= confidence - 1e-12
    assert res.probability == pytest.approx(prob)
    lower = sum(pr for pr, v in _enumerate(P, res.multiplier * (1 - 1e-6)) if v >= target - 1e-7)
    assert lower < confidence


def test_margin_confidence():
    res = multiplier_for_confidence(P, **TERMS, confidence=0.9, target_margin=0.5)
    assert res.probability >= 0.9
    assert res.target == "margin"


def test_unreachable_confidence():
    # r_low = 0 and costs: a batch with no high-quality lead earns nothing; P(S = 0) is large
    p = np.full(5, 0.05)
    with pytest.raises(UnreachableTargetError, match="confidence"):
        multiplier_for_confidence(p, 100, 10, 0, 10, confidence=0.5, target_total=1.0)
