"""Benchmark: the PuLP packager at marketplace scale.

Run: python benchmarks/packager.py [--quick]

1. 200,000 simulated leads (p = true_p_convert plus noise, opportunity cost =
   a random fraction of the lead's expected in-house value), 20 buyers: end-to-end
   time of the class formulation (target <= 5 s, proven optimal; class model with continuous
   lead counts, integer bundle counts, rounded and repaired), every concrete
   bundle re-checked; profit against the greedy baseline on the same instances.
2. 2,000 leads, 12 buyers (about 40 per-lead bundle slots): class vs per-lead
   formulation (per-lead capped at 120 s): time ratio and profit difference.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

import numpy as np

from leadlever.optimisers.packaging import (
    PackagerSettings,
    greedy_packaging,
    package,
    parse_buyers,
    prepare_leads,
)
from leadlever.optimisers.packaging._feasibility import infeasible_by_buyer  # noqa: E402
from leadlever.optimisers.packaging._model import build_slots  # noqa: E402
from leadlever.optimisers.packaging._result import plan_totals, plan_violations  # noqa: E402
from leadlever.simulations.world import simulate_leads

ROLES = [
    "data_scientist",
    "data_engineer",
    "bi_engineer",
    "software_engineer",
    "analyst",
    "product_manager",
]
CITIES = ["London", "Berlin", "Paris", "Warsaw", "Munich", "Amsterdam", "Lisbon", "Manchester"]
RATINGS = ["AAA", "AA", "A", "BBB", "BB", "B"]


def make_leads(n: int, seed: int):
    rng = np.random.default_rng(seed)
    frame = simulate_leads(n, seed=seed)
    noisy = frame["true_p_convert"].to_numpy() + rng.normal(0, 0.03, n)
    frame["p_convert"] = np.clip(noisy, 0.001, 0.999)
    frame["p_fit"] = frame["true_p_fit"]
    frame["in_house_value"] = frame["p_convert"] * rng.uniform(20, 200, n)
    return frame


def make_market(n_buyers: int, seed: int, scale: float = 1.0) -> dict:
    """Random buyers over the simulated lead columns (sizes scaled by ``scale``)."""
    rng = np.random.default_rng(seed)
    buyers = []
    for i in range(n_buyers):
        lo = int(rng.integers(20, 200) * scale) + 5
        b = {
            "name": f"agency-{i + 1:02d}",
            "packages": int(rng.integers(1, 4)),
            "min_leads": lo,
            "max_leads": int(lo * rng.uniform(1.5, 4)),
        }
        kind = i % 4
        if kind == 0:
            b["price_per_lead"] = float(rng.integers(10, 40))
        elif kind == 1:
            top = float(rng.integers(60, 150))
            b["price_per_lead"] = {"AAA": top, "AA": round(top * 0.85), "A": round(top * 0.7)}
            b["min_grade"] = "A"
        elif kind == 2:
            b["price_per_lead"] = float(rng.integers(30, 90))
            b["min_mean_p"] = round(float(rng.uniform(0.3, 0.5)), 2)
        else:
            b["price_per_lead"] = {
                "AA": float(rng.integers(50, 100)),
                "BBB": float(rng.integers(20, 50)),
            }
            b["min_grade"] = "BBB"
            b["exclusive"] = bool(rng.random() < 0.5)
            if not b["exclusive"]:
                b["share_discount"] = 0.3
        if rng.random() < 0.6:
            b["filters"] = {
                "role_category": sorted(
                    rng.choice(ROLES, int(rng.integers(1, 4)), replace=False).tolist()
                )
            }
        if rng.random() < 0.3:
            b["filters"] = {
                **b.get("filters", {}),
                "city": sorted(rng.choice(CITIES, 3, replace=False).tolist()),
            }
        if rng.random() < 0.25:
            b["min_p_fit"] = 0.3
        if rng.random() < 0.2:
            b["budget"] = float(rng.integers(5, 20) * 1000)
        buyers.append(b)
    return {"market": {"max_share": 2}, "buyer": buyers}


def run_once(frame, doc, settings, with_greedy=True):
    market = parse_buyers(doc, source="benchmark")
    t = time.perf_counter()
    result = package(
        frame, market, prob_col="p_convert", cost_col="in_house_value", settings=settings
    )
    seconds = time.perf_counter() - t
    pool = prepare_leads(frame, market, prob_col="p_convert", cost_col="in_house_value")
    violations = plan_violations(result.bundles, pool, market)
    out = {
        "status": result.status,
        "gap": result.gap,
        "seconds": seconds,
        "stages": result.seconds,
        "profit": result.profit,
        "revenue": result.revenue,
        "n_bundles": len(result.bundles),
        "n_classes": result.n_classes,
        "model_objective": result.model_objective,
        "rounded_objective": result.rounded_objective,
        "rounding_loss_pct": (
            100 * (result.model_objective - result.rounded_objective) / result.model_objective
            if result.model_objective and result.rounded_objective is not None
            else None
        ),
        "method": result.method,
        "violations": len(violations),
        "notes": list(result.notes)[:3],
    }
    if with_greedy:
        t = time.perf_counter()
        greedy = greedy_packaging(pool, market)
        rev, cost, _ = plan_totals(greedy, pool)
        out.update(
            greedy_profit=rev - cost,
            greedy_seconds=time.perf_counter() - t,
            greedy_violations=len(plan_violations(greedy, pool, market)),
            profit_ratio=(result.profit / (rev - cost)) if rev - cost > 0 else None,
        )
    return out


def _solve_row(frame, doc, solver: str, time_limit: float, **kw) -> dict:
    return run_once(
        frame,
        doc,
        PackagerSettings(solver=solver, on_infeasible="skip", time_limit=time_limit, **kw),
        with_greedy=False,
    )


def main() -> None:
    from _util import machine_line

    from leadlever.optimisers._solvers import available_solvers

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="20,000 leads instead of 200,000")
    parser.add_argument("--solvers", nargs="+", default=available_solvers())
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--per-lead-limit", type=float, default=120.0)
    parser.add_argument("--per-lead-only", action="store_true")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6, 7, 8])
    args = parser.parse_args()
    print(f"machine: {machine_line()}; solvers {args.solvers}", flush=True)
    n_large = 20_000 if args.quick else 200_000
    large: list[dict] = []
    for seed in args.seeds if not args.per_lead_only else ():
        frame = make_leads(n_large, seed)
        doc = make_market(20, seed)
        # side by side on the same instance; the order rotates with the seed (a table's
        # first packaging pays some one-off caching in the class stage)
        k = seed % len(args.solvers)
        for solver in args.solvers[k:] + args.solvers[:k]:
            res = run_once(
                frame,
                doc,
                PackagerSettings(solver=solver, on_infeasible="skip", time_limit=args.time_limit),
                with_greedy=solver == args.solvers[0],
            )
            res.update(seed=seed, solver=solver)
            large.append(res)
            print(json.dumps(res), flush=True)
    per_lead: list[dict] = []
    for seed in (1, 2):
        frame = make_leads(2_000, 100 + seed)
        doc = make_market(12, 100 + seed, scale=0.2)  # about 40 per-lead bundle slots
        market = parse_buyers(doc, source="benchmark")
        pool = prepare_leads(frame, market, prob_col="p_convert", cost_col="in_house_value")
        served = [
            i for i in range(len(market.buyers)) if i not in infeasible_by_buyer(pool, market)
        ]
        served_market = dataclasses.replace(market, buyers=tuple(market.buyers[i] for i in served))
        for solver in args.solvers:
            cls = _solve_row(frame, doc, solver, args.time_limit)
            per = _solve_row(frame, doc, solver, args.per_lead_limit, formulation="per_lead")
            row = {
                "seed": seed,
                "solver": solver,
                "per_lead_bundle_slots": len(build_slots(served_market, aggregate=False)),
                "class": cls,
                "per_lead": per,
                "time_ratio_per_lead_over_class": per["seconds"] / cls["seconds"],
                "profit_difference_per_lead_minus_class": per["profit"] - cls["profit"],
            }
            per_lead.append(row)
            print(json.dumps(row), flush=True)
    _summary(large, per_lead, args.solvers)


def _pct(gap: float | None) -> str:
    return "n/a" if gap is None or gap != gap or gap == float("inf") else f"{gap:.2%}"


def _summary(large: list[dict], per_lead: list[dict], solvers: list[str]) -> None:
    """Markdown tables for BENCHMARKS.md: one row per instance, solvers side by side."""
    if large:
        print("\n| seed | " + " | ".join(f"{s}: end to end / solve, status, gap" for s in solvers)
              + " | class-model objective | profit / greedy |")  # fmt: skip
        print("|---" * (len(solvers) + 3) + "|")
        for seed in sorted({r["seed"] for r in large}):
            rows = {r["solver"]: r for r in large if r["seed"] == seed}
            cells = [
                f"{rows[s]['seconds']:.2f} s / {rows[s]['stages']['solve']:.2f} s, "
                f"{rows[s]['status']}, gap {_pct(rows[s]['gap'])}"
                for s in solvers
            ]
            objectives = " vs ".join(f"{rows[s]['model_objective']:,.1f}" for s in solvers)
            ratio = rows[solvers[0]].get("profit_ratio")
            print(f"| {seed} | " + " | ".join(cells) + f" | {objectives} | {ratio:.2f} |")
        for s in solvers:
            times = [r["seconds"] for r in large if r["solver"] == s]
            print(f"{s}: total {sum(times):.2f} s, worst {max(times):.2f} s, "
                  f"violations {sum(r['violations'] for r in large if r['solver'] == s)}")  # fmt: skip
    for row in per_lead:
        c, p = row["class"], row["per_lead"]
        print(
            f"per-lead comparison seed {row['seed']} ({row['per_lead_bundle_slots']} slots), "
            f"{row['solver']}: class {c['seconds']:.2f} s {c['status']} profit {c['profit']:,.0f}; "
            f"per-lead {p['seconds']:.1f} s {p['status']} ({p['method']}) gap {_pct(p['gap'])} "
            f"profit {p['profit']:,.0f}"
        )


if __name__ == "__main__":
    main()
