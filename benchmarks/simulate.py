"""Benchmark: simulating 1,000,000 leads (target <= 10 s, <= 1.5 GB peak memory).

Run: python benchmarks/simulate.py
Each measurement runs in a fresh subprocess so the peak memory is that of the
simulation alone (imports included).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, time, sys
from leadlever.simulations.world import simulate_leads
from leadlever.simulations.world import simulate_channels
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.perf_counter(); frame = simulate_leads({n}, seed=1); t_leads = time.perf_counter() - t
t = time.perf_counter(); hist = simulate_channels(520, seed=1); t_hist = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"n": {n}, "seconds": t_leads, "history_520_weeks_s": t_hist,
                  "peak_rss_mb": peak, "rss_after_imports_mb": base,
                  "table_mb": frame.memory_usage(deep=True).sum() / 2**20}}))
"""


def run(n: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), n=n)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    from _util import machine_line

    print(f"machine: {machine_line()}")
    for n in (100_000, 1_000_000):
        runs = [run(n) for _ in range(3)]
        best = min(runs, key=lambda r: r["seconds"])
        print(
            f"simulate_leads n={n:>9,}: {best['seconds']:.2f} s (best of 3), peak RSS "
            f"{max(r['peak_rss_mb'] for r in runs):,.0f} MB (imports alone {best['rss_after_imports_mb']:,.0f} MB), "
            f"table {best['table_mb']:,.0f} MB; 520 weeks of channel history {best['history_520_weeks_s']:.2f} s"
        )
    print("targets: 1,000,000 leads <= 10 s and <= 1,500 MB peak")


if __name__ == "__main__":
    main()
