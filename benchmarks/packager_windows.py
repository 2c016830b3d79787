"""Benchmark: rating windows on sale pools of unlikely leads.

Run: python benchmarks/packager_windows.py

A sale pool is what the action plan sells: leads unlikely to convert in-house (the
demo's plan sells 247 leads with p from 0.002 to 0.12, mean 0.03). For 5 seeds and two
caps (p < 0.06 and p < 0.12), 250 leads drawn at random among the simulated leads below
the cap (p = true_p_convert plus noise, out of 20,000) are packaged for the demo's three partners
(``simulations/examples/data/demo_partners.toml``: one pays by grade B/BB/BBB, one buys volume,
one shares leads). Printed per seed: the greedy baseline's profit, the MILP plan's profit
(no greedy fallback) with rating windows and with the certified line only, the ratings of
the graded partner's bundles and the MILP's time.
"""

from __future__ import annotations

import json
import time
from unittest import mock

import numpy as np

from leadlever.optimisers.packaging import (
    PackagerSettings,
    greedy_packaging,
    package,
    prepare_leads,
    read_buyers,
)
from leadlever.optimisers.packaging._result import plan_totals, plan_violations  # noqa: E402
from leadlever.simulations.demo._packaging_step import DEMO_PARTNERS  # noqa: E402
from leadlever.simulations.world import simulate_leads


def sale_pool(seed: int, cap: float, n: int = 250):
    rng = np.random.default_rng(seed)
    frame = simulate_leads(20_000, seed=seed)
    noisy = frame["true_p_convert"].to_numpy() + rng.normal(0, 0.03, len(frame))
    frame["p_convert"] = np.clip(noisy, 0.001, 0.999)
    unlikely = frame[frame["p_convert"] < cap]
    return unlikely.sample(n, random_state=seed).reset_index(drop=True)


def main() -> None:
    from _util import machine_line

    print(f"machine: {machine_line()}", flush=True)
    market = read_buyers(DEMO_PARTNERS)
    settings = PackagerSettings(on_infeasible="skip", greedy_fallback=False)
    for cap, seed in [(cap, seed) for cap in (0.06, 0.12) for seed in range(1, 6)]:
        leads = sale_pool(seed, cap)
        pool = prepare_leads(leads, market)
        revenue, cost, _ = plan_totals(greedy_packaging(pool, market), pool)
        t = time.perf_counter()
        win = package(leads, market, settings=settings)
        seconds = time.perf_counter() - t
        with mock.patch(
            "leadlever.optimisers.packaging._model.certified_windows", lambda *a, **k: ()
        ):
            line = package(leads, market, settings=settings)
        row = {
            "seed": seed,
            "p_below": cap,
            "pool_mean_p": round(float(leads["p_convert"].mean()), 4),
            "greedy_profit": revenue - cost,
            "milp_windows_profit": win.profit,
            "milp_line_only_profit": line.profit,
            "windows_over_greedy": round(win.profit / (revenue - cost), 4),
            "line_only_over_greedy": round(line.profit / (revenue - cost), 4),
            "graded_bundles_windows": [
                b.rating for b in win.bundles if b.buyer == "graded-sourcer"
            ],
            "graded_bundles_line_only": [
                b.rating for b in line.bundles if b.buyer == "graded-sourcer"
            ],
            "partners_served_windows": len({b.buyer for b in win.bundles}),
            "violations": len(plan_violations(win.bundles, pool, market)),
            "rounding_loss_pct": round(
                100 * (win.model_objective - win.rounded_objective) / win.model_objective, 2
            ),
            "seconds": round(seconds, 3),
        }
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
