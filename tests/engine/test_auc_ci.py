"""DeLong's AUC interval against an independent brute-force computation and the bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from leadlever.engine.exceptions import DataError
from leadlever.engine.scoring import CHANCE_AUC_LOWER, auc_ci, chance_warning, roc_auc


def brute_delong(y, p):
    """DeLong (1988) by its definition: placement values from all m x n comparisons."""
    pos, neg = p[y == 1], p[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    var = v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg)
    return psi.mean(), np.sqrt(var)


@pytest.mark.parametrize("seed", range(4))
def test_delong_equals_brute_force_with_ties(seed):
    rng = np.random.default_rng(seed)
    y = (rng.random(120) < 0.3).astype(int)
    p = np.round(np.clip(0.3 + 0.25 * y + rng.normal(0, 0.2, 120), 0, 1), 1)  # many ties
    ci = auc_ci(y, p)
    auc, se = brute_delong(y, p)
    assert ci.auc == pytest.approx(auc, abs=1e-12) == pytest.approx(roc_auc(y, p), abs=1e-12)
    assert ci.se == pytest.approx(se, rel=1e-10)
    assert ci.lower == pytest.approx(max(0, auc - 1.959963984540054 * se), abs=1e-9)


def test_delong_se_agrees_with_the_bootstrap():
    rng = np.random.default_rng(7)
    n = 600
    y = (rng.random(n) < 0.25).astype(int)
    p = 1 / (1 + np.exp(-(rng.normal(0, 1, n) + 1.0 * y - 1)))
    boot = []
    for _ in range(600):
        idx = rng.integers(0, n, n)
        if 0 < y[idx].sum() < n:
            boot.append(roc_auc(y[idx], p[idx]))
    assert auc_ci(y, p).se == pytest.approx(np.std(boot, ddof=1), rel=0.12)


def test_interval_covers_a_known_auc():
    # y | score: scores N(d, 1) for wins and N(0, 1) for losses give AUC = Phi(d / sqrt 2)
    from scipy.stats import norm

    rng = np.random.default_rng(3)
    d, hits = 0.8, 0
    for _ in range(60):
        y = (rng.random(400) < 0.4).astype(int)
        z = rng.normal(0, 1, 400) + d * y
        ci = auc_ci(y, 1 / (1 + np.exp(-z)))
        hits += ci.lower <= norm.cdf(d / np.sqrt(2)) <= ci.upper
    assert 50 <= hits <= 60  # nominal 95 % coverage (57 expected)


def test_chance_warning_depends_on_the_lower_bound():
    rng = np.random.default_rng(0)
    y = (rng.random(300) < 0.5).astype(int)
    noise = auc_ci(y, rng.random(300)).to_dict()
    assert noise["lower"] < CHANCE_AUC_LOWER
    assert "no better than chance" in chance_warning(noise)
    strong = auc_ci(y, np.clip(0.2 + 0.6 * y + rng.normal(0, 0.1, 300), 0, 1)).to_dict()
    assert chance_warning(strong) is None
    with pytest.raises(DataError, match="two won and two lost"):
        auc_ci([1, 0, 0], [0.2, 0.3, 0.4])
