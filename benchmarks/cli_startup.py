"""Benchmark: start-up and small-command times of the ``leadlever`` command, side by side
with ``python -c "import pandas"`` in one run.

Run: ``python benchmarks/cli_startup.py [--repeat 7] [--n 10000]``

``python -c "import typer"`` is shown too: the part of every command's start-up that the CLI
framework sets. Each command runs in a fresh process; the commands take turns (round robin), so a busy
moment of this shared machine hits them all alike; the median of ``--repeat`` runs is
reported. Targets: ``leadlever --help`` <= 0.3 s and below the pandas import;
``leadlever price --p 0.3 ... --json`` <= 0.6 s; ``leadlever score apply`` on 10,000
simulated leads (saved as a CSV export with the simulator's truth columns dropped; the
model is fitted beforehand, untimed) <= 1.5 s end to end.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _leadlever() -> str:
    """The ``leadlever`` script of this interpreter's environment."""
    beside = Path(sys.executable).with_name("leadlever")
    return str(beside) if beside.exists() else (shutil.which("leadlever") or "leadlever")


def _prepare(folder: Path, n: int) -> tuple[Path, Path]:
    """Simulated leads as a real export looks (no truth columns) and a fitted model."""
    from leadlever.simulations.world import TRUE_COLUMNS, simulate_leads

    leads = simulate_leads(n, seed=11).drop(columns=list(TRUE_COLUMNS))
    path = folder / "leads.csv"
    leads.to_csv(path, index=False)
    model = folder / "model.json"
    subprocess.run(
        [_leadlever(), "score", "fit", str(path), "--target", "converted",
         "--drop", "created_at", "--model-out", str(model)],
        check=True, capture_output=True,
    )  # fmt: skip
    return path, model


def _time(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    from _util import machine_line

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--n", type=int, default=10_000, help="leads for score apply")
    args = parser.parse_args()
    print(f"machine: {machine_line()}", flush=True)
    ll = _leadlever()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        leads, model = _prepare(folder, args.n)
        commands = {
            'python -c "import pandas"': ([sys.executable, "-c", "import pandas"], None),
            # the floor the CLI framework sets (typer imports click, rich, pydantic)
            'python -c "import typer"': ([sys.executable, "-c", "import typer"], None),
            "leadlever --help": ([ll, "--help"], 0.3),
            "leadlever price --p 0.3 ... --json": (
                [ll, "price", "--p", "0.3", "--r-high", "500", "--c-high", "120",
                 "--r-low", "80", "--c-low", "40", "--json"],
                0.6,
            ),
            f"leadlever score apply, {args.n:,} leads": (
                [ll, "score", "apply", str(model), str(leads), "--out", str(folder / "out.csv")],
                1.5,
            ),
        }  # fmt: skip
        for argv, _ in commands.values():  # warm the file cache once, untimed
            _time(argv)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, (argv, _) in commands.items():
                times[name].append(_time(argv))
    pandas = statistics.median(times['python -c "import pandas"'])
    print(f"\n| command | target | median of {args.repeat} | ratio to the pandas import |")
    print("|---|---|---|---|")
    for name, (_, target) in commands.items():
        med = statistics.median(times[name])
        goal = "-" if target is None else f"<= {target} s"
        ok = "" if target is None else (" (met)" if med <= target else " (MISSED)")
        print(f"| `{name}` | {goal} | {med:.3f} s{ok} | {med / pandas:.2f}x |")
    help_med = statistics.median(times["leadlever --help"])
    print(f"\nleadlever --help below the pandas import: {help_med < pandas}")


if __name__ == "__main__":
    main()
