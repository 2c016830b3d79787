"""Forecast of p, P(best) and regret: exact vs Monte Carlo vs numerical integration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from leadlever.simulations.deals import line_deal
from leadlever.simulations.deals._compare import (
    compare_deals,
    exact_odds,
    monte_carlo_odds,
    p_star_sensitivity,
)
from leadlever.simulations.deals._forecast import (
    forecast_from_probabilities,
    forecast_pool_p,
    season_of,
)
from leadlever.simulations.exceptions import DealError
from leadlever.simulations.world import simulate_leads

DEALS = [
    line_deal("contract", -74000, 342000),
    line_deal("sale", 1000, 57000),
    line_deal("retainer", 9000, 0),
]


@pytest.fixture(scope="module")
def scored():
    return simulate_leads(2000, seed=5).assign(p_convert=lambda d: d["true_p_convert"])


CUTS = [8000 / 57000, 75000 / 285000, 83000 / 342000]  # the three crossings


def test_season_of():
    s = season_of(
        pd.Series(
            pd.to_datetime(["2026-01-15", "2026-04-01", "2026-07-31", "2026-10-10", "2026-12-01"])
        )
    )
    assert s.tolist() == ["winter", "spring", "summer", "autumn", "winter"]


def test_poisson_binomial_forecast_matches_bernoulli_simulation():
    rng = np.random.default_rng(0)
    p = rng.beta(2, 6, 80)
    fc = forecast_from_probabilities(p)
    assert fc.mean == pytest.approx(p.mean())
    assert fc.std == pytest.approx(np.sqrt((p * (1 - p)).sum()) / p.size)
    draws = (rng.random((20000, p.size)) < p).mean(axis=1)
    # empirical cdf at a few points within 4 standard errors of the exact one
    for x in (0.15, 0.2, 0.25, 0.3):
        emp = (draws <= x + 1e-12).mean()
        se = np.sqrt(fc.cdf(x) * (1 - fc.cdf(x)) / draws.size) + 1e-4
        assert abs(emp - fc.cdf(x)) < 4 * se


def test_beta_forecast_parameters():
    p = np.array([0.2, 0.4, 0.9])
    fc = forecast_from_probabilities(p, method="beta")
    assert (fc.alpha, fc.beta) == pytest.approx((0.5 + 1.5, 0.5 + 1.5))


def test_pool_filters_city_and_season(scored):
    fc = forecast_pool_p(scored, city="Berlin", season="autumn")
    mask = (scored["city"].astype(str) == "Berlin") & (season_of(scored["created_at"]) == "autumn")
    assert fc.n_leads == int(mask.sum())
    assert fc.mean == pytest.approx(scored.loc[mask, "p_convert"].mean())
    with pytest.raises(DealError, match="No scored leads"):
        forecast_pool_p(scored, city="Atlantis")
    with pytest.raises(DealError, match="season"):
        forecast_pool_p(scored, season="monsoon")


@pytest.mark.parametrize("method", ["poisson_binomial", "beta"])
def test_monte_carlo_within_standard_error_of_exact(scored, method):
    fc = forecast_pool_p(scored, city="London", method=method)
    exact = exact_odds(DEALS, fc)
    mc = monte_carlo_odds(DEALS, fc, n_draws=40_000, seed=1)
    assert sum(exact.prob_best.values()) == pytest.approx(1.0)
    for name in exact.prob_best:
        se = mc.prob_best_se[name] + 1.0 / mc.n_draws  # zero-variance guard for tiny probabilities
        assert abs(mc.prob_best[name] - exact.prob_best[name]) < 4 * se
        se_r = mc.expected_regret_se[name] + 1e-6
        assert abs(mc.expected_regret[name] - exact.expected_regret[name]) < 4 * se_r


def test_beta_exact_matches_numerical_integration():
    fc = forecast_from_probabilities(np.full(40, 0.22), method="beta")
    exact = exact_odds(DEALS, fc)
    pdf = lambda x: stats.beta.pdf(x, fc.alpha, fc.beta)  # noqa: E731
    top = lambda x: max(d.profit(x) for d in DEALS)  # noqa: E731
    e_max = integrate.quad(lambda x: top(x) * pdf(x), 0, 1, points=CUTS, limit=200)[0]
    for d in DEALS:
        e_d = d.intercept + d.slope * fc.mean
        assert exact.expected_regret[d.name] == pytest.approx(e_max - e_d, rel=1e-6, abs=1e-3)
        best = integrate.quad(
            lambda x, d=d: pdf(x) * (d.profit(x) >= top(x) - 1e-9),
            0,
            1,
            points=CUTS,
            limit=200,
        )[0]
        assert exact.prob_best[d.name] == pytest.approx(best, abs=1e-6)


def test_compare_deals_needs_two_and_rejects_parallel_pair():
    with pytest.raises(DealError, match="at least two"):
        compare_deals(DEALS[:1])
    with pytest.raises(DealError, match="no break-even"):
        compare_deals([line_deal("a", 0, 5), line_deal("b", 10, 5)])
    # among three deals a parallel pair is reported, not an error
    res = compare_deals([line_deal("a", 0, 5), line_deal("b", 10, 5), line_deal("c", 0, 50)])
    statuses = {(c.deal_a, c.deal_b): c.status for c in res.crossings}
    assert statuses[("a", "b")] == "parallel"


def test_comparison_dict_keys(scored):
    fc = forecast_pool_p(scored)
    d = compare_deals(DEALS, fc, n_draws=2000, seed=0).to_dict()
    assert {"p_star", "envelope", "p_forecast", "prob_best", "expected_regret"} <= set(d)
    assert set(d["p_star"][0]) >= {"deal_a", "deal_b", "p"}
    assert set(d["envelope"][0]) == {"deal", "p_from", "p_to"}
    assert compare_deals(DEALS).to_dict().keys() == {
        "deals", "p_star", "envelope", "assumptions", "notes"
    }  # fmt: skip


def test_tornado_recomputes_p_star_by_hand():
    a, b = line_deal("a", -100, 1000), line_deal("b", 100, 200)  # p* = 200 / 800 = 0.25
    t = p_star_sensitivity(a, b)
    row = t[(t.deal == "a") & (t.term == "intercept") & (t.change == 0.2)].iloc[0]
    assert row["p_star"] == pytest.approx((100 + 120) / 800)
    row = t[(t.deal == "b") & (t.term == "slope") & (t.change == -0.1)].iloc[0]
    assert row["p_star"] == pytest.approx(200 / (1000 - 180))
    assert row["delta"] == pytest.approx(200 / 820 - 0.25)
    largest = t.assign(a=t.delta.abs()).groupby(["deal", "term"], sort=False)["a"].max().tolist()
    assert largest == sorted(largest, reverse=True)


def test_tornado_for_terms_built_deals():
    from leadlever.simulations.deals import deal_from_terms

    c = deal_from_terms(
        "c",
        "client_contract",
        dict(
            commission=12000,
            n_leads=300,
            placement_rate_high=0.1,
            placement_rate_low=0.005,
            hours_per_lead=3.5,
            hourly_cost=40,
            fixed_cost=50000,
        ),
    )
    s = deal_from_terms(
        "s",
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
    t = p_star_sensitivity(c, s)
    row = t[(t.deal == "c") & (t.term == "fixed_cost") & (t.change == 0.1)].iloc[0]
    assert row["p_star"] == pytest.approx((1000 + 74000 + 5000) / 285000)
    assert set(t.term) >= {"commission", "price_high", "displaced_profit"}


def test_figure3_written(tmp_path, scored):
    from leadlever.simulations.deals.plots import plot_deals

    for method in ("poisson_binomial", "beta"):
        res = compare_deals(DEALS, forecast_pool_p(scored, method=method), n_draws=100, seed=0)
        out = plot_deals(res, tmp_path / f"f3_{method}.png")
        assert out.stat().st_size > 1000
