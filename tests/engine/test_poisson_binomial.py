"""The exact Poisson-binomial against brute-force enumeration and scipy's binomial
(equal probabilities), with scipy's meanings of cdf and sf."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from leadlever.engine.stats import poisson_binomial

#: absolute tolerance of a probability (FFT round-off on long products)
PROB_ATOL = 1e-10


def test_pmf_matches_enumeration():
    p = np.array([0.1, 0.35, 0.5, 0.8, 0.95, 0.02])
    brute = np.zeros(p.size + 1)
    for outcome in itertools.product((0, 1), repeat=p.size):
        x = np.array(outcome)
        brute[x.sum()] += np.prod(np.where(x == 1, p, 1 - p))
    assert poisson_binomial.pmf(p) == pytest.approx(brute, abs=PROB_ATOL)


@pytest.mark.parametrize("n", [7, 1200])  # direct products, and the FFT path (>= 500)
def test_cdf_and_sf_have_scipys_meaning(n):
    q = 0.013 if n > 100 else 0.4
    p = np.full(n, q)
    k = np.arange(-2, n + 3)
    assert poisson_binomial.cdf(k, p) == pytest.approx(stats.binom.cdf(k, n, q), abs=PROB_ATOL)
    assert poisson_binomial.sf(k, p) == pytest.approx(stats.binom.sf(k, n, q), abs=PROB_ATOL)
    assert poisson_binomial.sf(3, p) == pytest.approx(1 - poisson_binomial.cdf(3, p))
    # at least k successes: sf(k - 1)
    assert poisson_binomial.sf(2, p) == pytest.approx(poisson_binomial.pmf(p)[3:].sum())


def test_quantile_is_the_smallest_k_reaching_q():
    p = np.array([0.2, 0.5, 0.7, 0.9])
    cdf = np.cumsum(poisson_binomial.pmf(p))
    for q in (0.0, 0.05, 0.5, 0.95, 1.0):
        k = poisson_binomial.quantile(q, p)
        assert cdf[k] >= q - 1e-12 and (k == 0 or cdf[k - 1] < q - 1e-12)
