"""Closed-loop campaign benchmark (issue 6): learner vs baselines vs the oracle.

Prints, for the record in BENCHMARKS.md:

1. 52 weeks x 20 seeds, all policies: total true expected profit (mean, 95%
   t-interval), % of oracle overall and over the last 13 weeks, regret.
2. Regret growth: the learner over 104 weeks x 20 seeds; cumulative regret at
   13, 26, 52, 104 weeks and the log-log slope.
3. Adaptation: a quality shift (professional_network -1.0 log-odds at week 26),
   learner's mean share of that channel per week vs the oracle's new optimum.
4. A new OKR threshold at week 26 (leads below 3,000 EUR of value at arrival are
   not worked): learner's % of the new oracle and shares per channel.
5. Speed: one 52-week run of all policies, one seed (wall clock; the first
   call also builds the evaluator's predictor and lead pools, timed apart).

Run: ``python benchmarks/closed_loop.py [--seeds 20] [--out-dir benchmarks/out]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from leadlever.simulations.campaign import CampaignSetup, compare_policies, run_campaign
from leadlever.simulations.campaign._env import fit_predictor, lead_pool  # noqa: E402
from leadlever.simulations.world import default_world


def _speed() -> None:
    t0 = time.perf_counter()
    fit_predictor()
    lead_pool(default_world())
    t1 = time.perf_counter()
    run_campaign(seed=123, setup=CampaignSetup(weeks=52))
    t2 = time.perf_counter()
    print(f"[speed] predictor + pool build (once per process): {t1 - t0:.2f} s")
    print(f"[speed] one 52-week run, all 8 policies, one seed: {t2 - t1:.2f} s (target <= 10 s)")


def _main_table(seeds: int, out_dir: Path | None) -> None:
    t0 = time.perf_counter()
    comp = compare_policies(seeds=seeds, setup=CampaignSetup(weeks=52))
    frame = comp.to_frame()
    print(f"\n[52 weeks x {seeds} seeds, all policies] ({time.perf_counter() - t0:.1f} s)")
    print(frame.round(1).to_string(index=False))
    by = {p.name: p for p in comp.policies}
    learner = by["learner"]
    others = [p for p in comp.policies if p.name not in ("learner", "oracle")]
    beats = all(learner.profit_mean > p.profit_mean for p in others)
    print(
        f"learner last-13-weeks % of oracle: {learner.pct_of_oracle_last_quarter:.2f} (target >= 95)"
    )
    print(f"learner beats every non-oracle policy on the mean total profit: {beats}")
    for name in ("equal", "fit_once"):
        p = by[name]
        print(
            f"  95% intervals (total profit) learner {learner.profit_ci} vs {name} {p.profit_ci}: "
            f"non-overlapping = {learner.profit_ci[0] > p.profit_ci[1]}"
        )
    # last 13 weeks: intervals per policy
    tail = comp.profit[:, :, -13:].sum(axis=2)
    i_l = comp.names.index("learner")
    for name in ("equal", "fit_once"):
        i = comp.names.index(name)
        diff = tail[i_l] - tail[i]
        se = diff.std(ddof=1) / np.sqrt(diff.size)
        print(
            f"  last 13 weeks, learner - {name}: mean {diff.mean():,.0f}, paired 95% CI "
            f"[{diff.mean() - 2.093 * se:,.0f}, {diff.mean() + 2.093 * se:,.0f}]"
        )
    if out_dir is not None:
        from leadlever.simulations.campaign.plots import plot_regret, plot_spend_share

        out_dir.mkdir(parents=True, exist_ok=True)
        print(
            "plots:",
            plot_regret(comp, out_dir / "closed_loop_regret.png"),
            plot_spend_share(comp, out_dir / "closed_loop_share.png", policy="learner"),
        )


def _regret_slope(seeds: int) -> None:
    t0 = time.perf_counter()
    comp = compare_policies(["learner"], seeds=seeds, setup=CampaignSetup(weeks=104))
    reg = comp.regret_curves()["learner"].to_numpy()
    horizons = np.array([13, 26, 52, 104])
    r = reg[horizons - 1]
    slope = np.polyfit(np.log(horizons), np.log(r), 1)[0]
    print(
        f"\n[regret growth, learner, 104 weeks x {seeds} seeds] ({time.perf_counter() - t0:.1f} s)"
    )
    for h, v in zip(horizons, r, strict=True):
        print(f"  cumulative regret at {h:3d} weeks: {v:,.0f}")
    print(f"  log-log slope: {slope:.3f} (target < 0.8)")


def _shift(seeds: int, predictor: str = "logit") -> None:
    channel, delta, week = "professional_network", -1.0, 26
    setup = CampaignSetup(
        weeks=52, shift_week=week, shift_channel=channel, shift_delta=delta, predictor=predictor
    )
    t0 = time.perf_counter()
    comp = compare_policies(["learner", "equal"], seeds=seeds, setup=setup)
    j = comp.channels.index(channel)
    share = comp.spend[..., j] / comp.spend.sum(axis=-1)
    learner = share[comp.names.index("learner")]
    oracle = share[comp.names.index("oracle")]
    before = learner[:, week - 6 : week].mean()
    print(
        f"\n[quality shift: {channel} {delta:+} log-odds at week {week}, {seeds} seeds, "
        f"evaluator {predictor}] ({time.perf_counter() - t0:.1f} s)"
    )
    print(f"  oracle share before {oracle[0, week - 1]:.3f}, after {oracle[0, week]:.3f}")
    print(f"  learner mean share, weeks {week - 6}-{week - 1}: {before:.3f}")
    for k in range(0, 13):
        s = learner[:, week + k]
        print(
            f"  week {week + k} (+{k}): learner share {s.mean():.3f} "
            f"(+/- {1.96 * s.std(ddof=1) / np.sqrt(s.size):.3f})"
        )
    after6 = learner[:, week : week + 6].mean()
    after6_12 = learner[:, week + 6 : week + 12].mean()
    gap = oracle[0, week] - before
    print(
        f"  mean share weeks +0..+5: {after6:.3f}; +6..+11: {after6_12:.3f}; "
        f"gap closed by +6..+11: {(after6_12 - before) / gap:.0%}"
    )
    s = {p.name: p for p in comp.policies}
    print(
        f"  % of oracle over the run: learner {s['learner'].pct_of_oracle:.1f}, equal {s['equal'].pct_of_oracle:.1f}"
    )


def _okr(seeds: int) -> None:
    week, tau = 26, 3000.0
    setup = CampaignSetup(weeks=52, okr_week=week, okr_threshold=tau)
    t0 = time.perf_counter()
    comp = compare_policies(["learner", "equal"], seeds=seeds, setup=setup)
    o, i_l = comp.names.index("oracle"), comp.names.index("learner")
    pct = comp.profit[i_l].mean(axis=0) / comp.profit[o].mean(axis=0) * 100
    print(
        f"\n[new OKR at week {week}: leads with value at arrival < {tau:,.0f} EUR count 0, "
        f"{seeds} seeds] ({time.perf_counter() - t0:.1f} s)"
    )
    print(
        f"  learner % of oracle, weeks {week - 6}-{week - 1}: {pct[week - 6 : week].mean():.1f}; "
        f"weeks {week}-{week + 5}: {pct[week : week + 6].mean():.1f}; weeks {week + 6}-{week + 11}: "
        f"{pct[week + 6 : week + 12].mean():.1f}"
    )
    share = comp.spend / comp.spend.sum(axis=-1, keepdims=True)
    for ch in comp.channels:
        j = comp.channels.index(ch)
        print(
            f"  {ch:22s} oracle {share[o, 0, week - 1, j]:.3f} -> {share[o, 0, week, j]:.3f}; learner "
            f"{share[i_l, :, week - 6 : week, j].mean():.3f} -> {share[i_l, :, week : week + 6, j].mean():.3f} "
            f"(+0..+5) -> {share[i_l, :, week + 6 : week + 12, j].mean():.3f} (+6..+11)"
        )
    s = {p.name: p for p in comp.policies}
    print(
        f"  % of oracle over the run: learner {s['learner'].pct_of_oracle:.1f}, equal {s['equal'].pct_of_oracle:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--out-dir", type=Path, default=None)
    parser.add_argument(
        "--skip", default="", help="comma-separated parts to skip: speed,main,regret,shift"
    )
    args = parser.parse_args()
    from _util import machine_line

    print(f"machine: {machine_line()}", flush=True)
    skip = set(args.skip.split(","))
    if "speed" not in skip:
        _speed()
    if "main" not in skip:
        _main_table(args.seeds, args.out_dir)
    if "regret" not in skip:
        _regret_slope(args.seeds)
    if "shift" not in skip:
        _shift(args.seeds)
    if "shift_truth" not in skip:
        _shift(args.seeds, predictor="noisy_truth")
    if "okr" not in skip:
        _okr(args.seeds)


if __name__ == "__main__":
    main()
