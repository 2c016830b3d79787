"""Grades against an exact Poisson-binomial computed independently by enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from leadlever.engine.exceptions import ParameterError
from leadlever.optimisers.packaging._ratings import (
    RatingScale,
    certified_line,
    certified_windows,
    promised_conversions,
    rate_bundle,
)


def enumerate_sf(k: int, p: np.ndarray) -> float:
    """P(S >= k) by summing over all 2^n outcomes."""
    total = 0.0
    for outcome in itertools.product((0, 1), repeat=p.size):
        o = np.array(outcome)
        if o.sum() >= k:
            total += float(np.prod(np.where(o == 1, p, 1 - p)))
    return total


@pytest.mark.parametrize("seed", range(6))
def test_guarantee_matches_enumeration(seed):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.05, 0.95, rng.integers(3, 11))
    scale = RatingScale()
    g = rate_bundle(p, scale)
    k = max(1, int(np.floor(0.7 * p.sum() + 1e-9)))
    assert g.promised == k
    assert g.guarantee == pytest.approx(enumerate_sf(k, p), abs=1e-10)
    expected = next((n for n, t in scale.levels if g.guarantee >= t), "NR")
    assert g.rating == expected


def test_grade_thresholds_and_configurable_scale():
    scale = RatingScale((("GOLD", 0.9), ("SILVER", 0.5)), promise_fraction=0.5)
    assert scale.rating_of(0.95) == "GOLD"
    assert scale.rating_of(0.6) == "SILVER"
    assert scale.rating_of(0.1) == "NR"
    assert promised_conversions(9.9, scale) == 4
    assert promised_conversions(0.2, scale) == 1  # at least one conversion is promised
    assert scale.at_least("GOLD", "SILVER") and not scale.at_least("SILVER", "GOLD")


@pytest.mark.parametrize("levels", [(("A", 0.5), ("B", 0.9)), (("A", 1.2),), ()])
def test_bad_scales_raise(levels):
    with pytest.raises(ParameterError):
        RatingScale(levels)


@pytest.mark.parametrize("rating", ["AAA", "A", "BB"])
def test_certified_line_is_sufficient(rating):
    """Every random bundle above the line really reaches the grade (checked by enumeration)."""
    scale = RatingScale()
    cert = certified_line(rating, 6, 12, scale)
    assert cert is not None
    a, b, n0 = cert
    rng = np.random.default_rng(5)
    checked = 0
    for _ in range(400):
        n = int(rng.integers(max(6, n0), 13))
        p = np.clip(rng.uniform(0.6, 1.0) + rng.normal(0, rng.uniform(0, 0.3), n), 0.01, 0.99)
        if p.sum() < a + b * n:
            continue
        checked += 1
        k = max(1, int(np.floor(scale.promise_fraction * p.sum() + 1e-9)))
        assert enumerate_sf(k, p) >= scale.threshold(rating) - 1e-12
        if checked >= 25:
            break
    assert checked > 0


@pytest.mark.parametrize("rating", ["BB", "B"])
def test_certified_windows_are_sufficient(rating):
    """Random unlikely bundles whose expected conversions lie in a window reach the grade.

    Checked with an independent exact Poisson-binomial (enumeration is too slow at these
    sizes): the convolution of the leads' Bernoulli distributions.
    """
    scale = RatingScale()
    windows = certified_windows(rating, 30, 80, scale)
    assert windows  # low promises certify the lower grades
    rng = np.random.default_rng(11)
    for lo, hi in windows:
        assert 2 <= lo < hi <= 5 / scale.promise_fraction  # promises 1..4 (Hoeffding: k+1)
        for _ in range(40):
            n = int(rng.integers(30, 81))
            target = rng.uniform(lo, hi)
            p = rng.dirichlet(np.full(n, rng.uniform(0.3, 5.0))) * target
            if p.max() >= 1:
                continue
            dist = np.array([1.0])
            for q in p:
                dist = np.convolve(dist, [1 - q, q])
            k = max(1, int(np.floor(scale.promise_fraction * p.sum() + 1e-9)))
            assert dist[k:].sum() >= scale.threshold(rating) - 1e-12


def test_certified_windows_are_tight_and_absent_for_strict_grades():
    scale = RatingScale()
    for rating in ("AAA", "AA", "A", "BBB"):  # need more expected conversions than k + 1
        assert certified_windows(rating, 30, 80, scale) == ()
    (lo, hi), *_ = certified_windows("BB", 30, 80, scale)
    # just below the window's start the binomial of the largest size misses the level
    assert stats.binom.sf(0, 80, (lo - 0.01) / 80) < scale.threshold("BB")
    assert stats.binom.sf(0, 80, lo / 80) >= scale.threshold("BB")


def test_prefix_guarantees_match_the_exact_grade_of_each_prefix():
    from leadlever.optimisers.packaging._ratings import prefix_guarantees

    rng = np.random.default_rng(4)
    scale = RatingScale()
    p = rng.beta(2, 5, 300)
    fast = prefix_guarantees(p, scale)
    for n in (1, 2, 7, 50, 151, 300):
        assert fast[n - 1] == pytest.approx(rate_bundle(p[:n], scale).guarantee, abs=1e-10)
