"""The grid posterior of the Bayesian Hill curve against direct numerical integration."""

import numpy as np
import pytest
from scipy import integrate, stats

from leadlever.optimisers.curves import hill_basis as hill
from leadlever.optimisers.learning._bayes_curves import (
    HillGrid,
    draw_curves,
    grid_log_posterior,
    make_grid,
    posterior_summary,
)


def _numeric_evidence(h, y, w, c):
    """Integral of power likelihood x g-prior x 1/sigma^2 over a and sigma^2 (brute-force quadrature)."""
    s_hh = float(np.sum(w * h * h))
    a = np.linspace(-15.0, 15.0, 1501)[:, None]
    log_s2 = np.linspace(-14.0, 6.0, 801)[None, :]
    s2 = np.exp(log_s2)
    loglik = sum(
        wi * stats.norm.logpdf(yi, a * hi, np.sqrt(s2)) for hi, yi, wi in zip(h, y, w, strict=True)
    )
    prior = stats.norm.logpdf(a, 0.0, np.sqrt(c * s2 / s_hh))
    f = np.exp(loglik + prior)  # d(sigma^2)/sigma^2 = d log sigma^2
    return integrate.trapezoid(integrate.trapezoid(f, a[:, 0], axis=0), log_s2[0])


def test_grid_posterior_matches_numerical_integration():
    grid = HillGrid(np.array([1.0, 3.0]), np.array([1.0, 2.0]))
    x = np.array([0.5, 1.5, 3.0])
    y = np.array([0.45, 0.9, 1.2])
    w = np.array([0.8, 1.0, 1.0])
    log_post, a_mean, s_hh, resid, nu = grid_log_posterior(grid, x, y, w)
    ev = []
    for g in range(2):
        h = hill(x, grid.half_saturation[g], grid.shape[g])
        ev.append(_numeric_evidence(h, y, w, nu))
    # the power likelihood carries (2 pi)^(-nu/2) and w^(1/2) factors common to all grid points
    ratio_numeric = ev[0] / ev[1]
    ratio_closed = np.exp(log_post[0] - log_post[1])
    assert ratio_closed == pytest.approx(ratio_numeric, rel=2e-3)
    assert np.exp(log_post).sum() == pytest.approx(1.0)


def test_posterior_mean_of_scale_by_monte_carlo():
    grid = HillGrid(np.array([2.0]), np.array([1.5]))
    rng = np.random.default_rng(0)
    x = np.linspace(0.5, 6.0, 8)
    y = 3.0 * hill(x, 2.0, 1.5) + rng.normal(0, 0.1, x.size)
    w = np.ones(x.size)
    draws = draw_curves(grid, x, y, w, np.random.default_rng(1), n=4000)
    a = np.array([d.scale for d in draws])
    h = hill(x, 2.0, 1.5)
    rho = x.size / (1 + x.size)
    closed = rho * np.sum(h * y) / np.sum(h * h)
    assert a.mean() == pytest.approx(closed, abs=4 * a.std() / np.sqrt(a.size))
    # the mean of a drawn Student-t: sd matches rho*sigma^2/S_hh with sigma^2 ~ InvGamma(nu/2, R/2)
    resid = np.sum(y * y) - closed * np.sum(h * y)
    sd_closed = np.sqrt(rho * resid / (x.size - 2) / np.sum(h * h))
    assert a.std() == pytest.approx(sd_closed, rel=0.1)


def test_posterior_recovers_true_curve_and_is_unit_free():
    rng = np.random.default_rng(3)
    grid = make_grid(10_000.0)
    x = rng.uniform(500, 15_000, 40)
    true = 2e5 * hill(x, 4000.0, 2.0)
    y = true + rng.normal(0, 0.05 * true.mean(), x.size)
    w = np.ones(x.size)
    mode = posterior_summary(grid, x, y, w)
    assert mode.value(8000.0) == pytest.approx(2e5 * hill(8000.0, 4000.0, 2.0), rel=0.05)
    # rescaling spend and value by constants rescales the answer and nothing else
    grid2 = make_grid(10_000.0 * 1e3)
    lp1 = grid_log_posterior(grid, x, y, w)[0]
    lp2 = grid_log_posterior(grid2, x * 1e3, y * 1e-4, w)[0]
    np.testing.assert_allclose(lp1, lp2, atol=1e-8)
