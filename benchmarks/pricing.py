"""Pricing and deal benchmarks (issue 7). Run once: ``python benchmarks/pricing.py``.

Targets: per-lead pricing of 1,000,000 leads <= 1 s; the exact
Poisson-binomial for 100,000 leads <= 1 s; 100,000 Monte Carlo draws of a
20-deal comparison <= 1 s. Each figure is the best of 3 runs (wall clock).
"""

from __future__ import annotations

import time

import numpy as np  # noqa: E402

from leadlever.pricing import high_quality_pmf, price_leads
from leadlever.simulations.deals import (
    exact_odds,
    forecast_from_probabilities,
    line_deal,
    monte_carlo_odds,
)


def best_of(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    from _util import machine_line

    print(f"machine: {machine_line()}")
    rng = np.random.default_rng(0)
    p_big = rng.beta(2, 5, 1_000_000)
    cost = np.where(p_big >= 0.5, 40.0, 20.0)
    caps = rng.uniform(40, 200, p_big.size)
    p_pb = rng.beta(2, 5, 100_000)
    deals = [
        line_deal(f"deal{i}", float(a), float(b))
        for i, (a, b) in enumerate(zip(rng.normal(0, 1e4, 20), rng.normal(0, 5e4, 20), strict=True))
    ]
    forecast = forecast_from_probabilities(rng.beta(2, 5, 400))

    rows = [
        (
            "per-lead prices, 1,000,000 leads (margin target, floor)",
            1.0,
            best_of(lambda: price_leads(p_big, cost, target_margin=0.3)),
        ),
        (
            "per-lead prices, 1,000,000 leads (floor + cap)",
            1.0,
            best_of(lambda: price_leads(p_big, cost, target_margin=0.3, caps=caps)),
        ),
        ("exact Poisson-binomial pmf, 100,000 leads", 1.0, best_of(lambda: high_quality_pmf(p_pb))),
        (
            "per-lead prices with 90% confidence, 100,000 leads",
            None,
            best_of(lambda: price_leads(p_pb, 20.0, target_margin=0.3, confidence=0.9)),
        ),
        (
            "Monte Carlo, 100,000 draws x 20 deals",
            1.0,
            best_of(lambda: monte_carlo_odds(deals, forecast, n_draws=100_000, seed=1)),
        ),
        (
            "exact odds, 20 deals (Poisson-binomial forecast, 400 leads)",
            None,
            best_of(lambda: exact_odds(deals, forecast)),
        ),
    ]
    print(f"{'benchmark':<62} {'seconds':>8} {'target':>7}")
    for name, target, secs in rows:
        tgt = f"{target:.1f}" if target else "-"
        print(f"{name:<62} {secs:8.3f} {tgt:>7}")


if __name__ == "__main__":
    main()
