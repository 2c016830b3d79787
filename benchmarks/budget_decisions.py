"""Budget decisions under the truth (issue 18): 20 simulated channel worlds, peers side by side.

Each world (:func:`leadlever.simulations.world.random_channel_world`): 6 channels with
Hill curves, carry-over 0-0.6, a shared season and trend, 104 weeks of Poisson-noisy leads
and value (8-40 conversions a week per channel, 3-20 times as many leads), spend wandering
+-10-35 % around a poor current split (the best split gains >= 10 % over it). The current split is the fit's (mean of the last 4
weeks); the budget is its total. Every split is judged by the world's TRUE steady-state curves:

* captured = (true value of the split - true value of the current split) /
  (the same for the capped oracle: the best split under the true curves within 1.2 x each
  channel's largest observed weekly spend);
* coverage: does the split's claimed 90 % uplift interval contain its true uplift?

Methods, each fitted on the same history:

* ``leadlever``: ``fit_curves`` (carry-over, season, saturation, posterior draws; the
  history's ``leads`` column read next to its value, so each channel's value is fitted as
  leads x its value per lead where that passes its check) then ``recommend`` with the defaults (evidence caps, channels not trusted held within their
  observed spend range, unidentified ones at their current spend, no margin for a trusted
  channel spent in a narrow range whose marginal return is uncertain);
* ``leadlever-value-only``: the defaults on the history without its ``leads`` column
  (``fit_curves(leads=False)``: the curves learnt from the few-conversion value alone);
* ``leadlever-no-narrow``, ``value-only-no-narrow``: both without the narrow-range rule
  (``narrow_range=0``: a trusted channel spent in a narrow range with an uncertain marginal
  return keeps the 1.2x margin; the defaults before it);
* ``leadlever-free``: the same with ``untrusted="free"`` (no holds);
* ``leadlever-cvar``: the same with ``risk="cvar"`` (mean of the worst 10 % of the draws);
* ``plain-hill``: the previous method, a Hill curve per channel by least squares on weekly
  spend and value (no carry-over, no season), the exact allocator within the same caps;
* ``slsqp-pymc``: the leadlever curves, solved by scipy SLSQP configured as PyMC-Marketing's
  budget optimiser does (equal-split start, bounds, one equality constraint; ftol 1e-9,
  maxiter 1000), within the same caps.

Speed: fit of 20 channels x 104 weeks with 200 draws; the recommendation with its
uncertainty. Run: ``python benchmarks/budget_decisions.py [--worlds 20] [--start 1]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from leadlever.optimisers.allocation import DecisionSettings, allocate, recommend_fit
from leadlever.optimisers.curves import CurveStack, fit_curve, fit_curves
from leadlever.simulations.world import random_channel_world, simulate_channels

MARGIN = 0.2


def slsqp(curves, budget: float, hi: np.ndarray) -> np.ndarray:
    """SLSQP as PyMC-Marketing configures it (see the module docstring), exact gradient."""
    from scipy.optimize import minimize

    stack = CurveStack(curves)
    n = len(curves)
    start = np.clip(np.full(n, budget / n), 0, hi)
    res = minimize(
        lambda x: -float(stack.value(x).sum()),
        start,
        jac=lambda x: -np.minimum(stack.derivative(np.maximum(x, 1e-12)), 1e12),
        method="SLSQP",
        bounds=list(zip(np.zeros(n), hi, strict=True)),
        constraints=[
            {"type": "eq", "fun": lambda x: x.sum() - budget, "jac": lambda x: np.ones(n)}
        ],
        options={"ftol": 1e-9, "maxiter": 1000},
    )
    return np.clip(res.x, 0, hi)


def one_world(seed: int, n_channels: int, hold_band: float = 0.5) -> list[dict]:
    world = random_channel_world(n_channels, seed=seed)
    hist = simulate_channels(104, seed=seed + 1000, world=world)
    fit = fit_curves(hist)
    by = fit.as_mapping()
    names = world.channel_names
    fcs = [by[n] for n in names]
    cur = np.array([f.current_spend for f in fcs])
    mo = np.array([f.max_observed_spend for f in fcs])
    cap = mo * (1 + MARGIN)
    budget = float(cur.sum())
    v = world.value
    base = v(cur)
    oracle_gain = v(world.oracle(budget, max_spend=cap)) - base
    rows = []

    def row(method, x, claim=None, interval=None, p=None, fitted=fit):
        gain = v(x) - base
        rows.append(
            {
                "world": seed,
                "method": method,
                "captured": gain / oracle_gain,
                "true_uplift": gain / base,
                "oracle_uplift": oracle_gain / base,
                "claimed": None if claim is None else claim / base,
                "covered": None if interval is None else bool(interval[0] <= gain <= interval[1]),
                "p_better": p,
                "not_trusted": sum(f.quality != "trusted" for f in fitted.curves),
            }
        )

    curves = [f.curve for f in fcs]
    value_only = fit_curves(hist, leads=False)
    for method, settings, fitted in (
        ("leadlever", DecisionSettings(hold_band=hold_band), fit),
        ("leadlever-value-only", DecisionSettings(hold_band=hold_band), value_only),
        ("leadlever-no-narrow", DecisionSettings(hold_band=hold_band, narrow_range=0.0), fit),
        (
            "value-only-no-narrow",
            DecisionSettings(hold_band=hold_band, narrow_range=0.0),
            value_only,
        ),
        ("leadlever-free", DecisionSettings(untrusted="free"), fit),
        ("leadlever-cvar", DecisionSettings(risk="cvar"), fit),
    ):
        rec = recommend_fit(fitted, settings=settings)
        row(
            method,
            np.array([rec.spend[n] for n in names]),
            rec.uplift,
            rec.uplift_interval,
            rec.p_better,
            fitted,
        )
    plain = []
    for n in names:
        g = hist[hist["channel"] == n]
        plain.append(fit_curve(g["spend"], g["value"], channel=n).curve)
    x = np.asarray(allocate(plain, budget, names=names, max_spend=cap, current_spend=cur).spend)
    row(
        "plain-hill",
        x,
        float(CurveStack(plain).value(x).sum() - CurveStack(plain).value(cur).sum()),
    )
    row("slsqp-pymc", slsqp(curves, budget, cap))
    return rows


def speed(n_channels: int = 20, seed: int = 99) -> dict[str, float]:
    world = random_channel_world(n_channels, seed=seed)
    hist = simulate_channels(104, seed=seed, world=world)
    t0 = time.perf_counter()
    fit = fit_curves(hist)
    t1 = time.perf_counter()
    recommend_fit(fit)
    t2 = time.perf_counter()
    return {"fit_s": t1 - t0, "solve_s": t2 - t1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=20)
    parser.add_argument("--start", type=int, default=1)
    parser.add_argument("--channels", type=int, default=6)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument(
        "--hold-band", type=float, default=0.5, help="how far weak channels may move (default 0.5)"
    )
    args = parser.parse_args()
    t0 = time.perf_counter()
    rows = [
        r
        for s in range(args.start, args.start + args.worlds)
        for r in one_world(s, args.channels, args.hold_band)
    ]
    frame = pd.DataFrame(rows)
    if args.verbose:
        with pd.option_context("display.width", 200, "display.max_rows", 500):
            print(frame.round(3).to_string(index=False))
    summary = frame.groupby("method", sort=False).agg(
        mean_captured=("captured", "mean"),
        worst_captured=("captured", "min"),
        below_current=("true_uplift", lambda s: int((s < 0).sum())),
        coverage=("covered", lambda s: s.dropna().mean() if s.notna().any() else np.nan),
        claimed_over_true=("claimed", lambda s: np.nan),
    )
    ratio = frame.dropna(subset=["claimed"]).assign(r=lambda d: d["claimed"] / d["true_uplift"])
    summary["claimed_over_true"] = ratio.groupby("method", sort=False)["r"].median()
    print(
        f"[{args.worlds} worlds from seed {args.start}, {args.channels} channels, "
        f"{time.perf_counter() - t0:.0f} s]"
    )
    print(summary.round(3).to_string())
    if not args.skip_speed:
        s = speed()
        print(
            f"[speed] fit 20 channels x 104 weeks with 200 draws: {s['fit_s']:.2f} s (target <= 5 s); "
            f"recommendation with uncertainty: {s['solve_s']:.2f} s (target <= 1 s)"
        )


if __name__ == "__main__":
    main()
