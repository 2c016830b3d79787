"""Bounded memory of ``score apply`` and ``qualify apply`` on millions of leads.

Writes a lead table of ``--n`` simulated leads as a CRM export would look (no ground-truth
columns), fits a model and a qualification bundle on 20,000 other leads, then runs each
command in its own process and reads that process's peak resident memory from the kernel
(``os.wait4``). The peer is the same work done the way the commands did it before
(whole table in memory: ``read_table`` + ``score_table`` + ``write_table``), run at
``--baseline-n`` leads only (at 10 million it needed 21 GB). Also: the scoring rate of a
loaded table (no reasons, and with reasons) and whether two ``.csv.gz`` runs give the same
bytes.

The second peer is pandas reading the same big file whole and writing it back
(``read_csv`` + ``to_csv``), in the same run. Run alone on the machine (the 10-million-lead file is about 1.7 GB):

    python benchmarks/streaming.py --n 10000000 --baseline-n 1000000
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import machine_line  # noqa: E402

CLI = "from leadlever.cli import main; main()"
BASELINE = """
import sys
from leadlever.engine.io import read_table, write_table
from leadlever.engine.scoring import ConversionModel
model, data, out, reasons = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
m = ConversionModel.load(model)
write_table(m.score_table(read_table(data), reasons=reasons), out)
"""
#: the plainest way to pass the same file through memory: pandas reads it whole and writes it
PANDAS_PEER = """
import sys
import pandas as pd
pd.read_csv(sys.argv[1], dtype={"lead_id": str}).to_csv(sys.argv[2], index=False)
"""


#: starts the measured command from a small process: a child's peak RSS counts from its
#: parent's peak at fork time (Linux copies the high-water mark), so a command started
#: directly by this script would report at least this script's own peak
LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def run_measured(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a process running ``args`` (via :data:`LAUNCHER`)."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *args], env=env, capture_output=True, text=True
    )
    seconds, maxrss, code = done.stdout.split()
    if int(code) != 0:
        raise SystemExit(f"{' '.join(args[3:])} failed:\n{done.stderr[-2000:]}")
    return float(seconds), int(maxrss) / 1024.0


def write_leads(path: Path, n: int, block: int = 500_000) -> None:
    """``n`` simulated leads (ids L000000001 ...), written block by block."""
    from leadlever.simulations.world import TRUE_COLUMNS, simulate_leads

    with open(path, "w", encoding="utf-8", newline="") as handle:
        done = 0
        while done < n:
            k = min(block, n - done)
            frame = simulate_leads(k, seed=1000 + done // block).drop(columns=list(TRUE_COLUMNS))
            frame["lead_id"] = [f"L{i:09d}" for i in range(done + 1, done + k + 1)]
            frame.to_csv(handle, index=False, header=done == 0, lineterminator="\n")
            done += k


def scoring_rates(model_path: Path, data: Path) -> tuple[float, float]:
    """Leads per second of ``score_table`` on a loaded table: without and with reasons."""
    import pandas as pd

    from leadlever.engine.io import read_table
    from leadlever.engine.scoring import ConversionModel

    model = ConversionModel.load(model_path)
    frame = read_table(data)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        model.score_table(frame, reasons=False)
        best = min(best, time.perf_counter() - start)
    small = frame.head(100_000) if len(frame) > 100_000 else frame
    start = time.perf_counter()
    model.score_table(pd.DataFrame(small), reasons=True)
    with_reasons = len(small) / (time.perf_counter() - start)
    return len(frame) / best, with_reasons


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000, help="leads in the big table")
    ap.add_argument("--baseline-n", type=int, default=1_000_000, help="leads for the peer run")
    ap.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp one)")
    ap.add_argument("--reuse", action="store_true", help="keep lead files already in --dir")
    args = ap.parse_args()
    from leadlever.simulations.world import TRUE_COLUMNS, simulate_leads

    work = args.dir or Path(tempfile.mkdtemp(prefix="leadlever-stream-"))
    work.mkdir(parents=True, exist_ok=True)
    train = work / "train.csv"
    if not args.reuse or not train.exists():
        simulate_leads(20_000, seed=0).drop(columns=list(TRUE_COLUMNS)).to_csv(train, index=False)
    py = [sys.executable, "-c", CLI]
    subprocess.run(
        [*py, "score", "fit", str(train), "--target", "converted", "--cv", "2",
         "--drop", "created_at", "--model-out", str(work / "model.json")],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        [*py, "qualify", "fit", str(train), "--bundle-out", str(work / "bundle.json")],
        check=True, capture_output=True,
    )  # fmt: skip
    big, small = work / "big.csv", work / "small.csv"
    t = time.perf_counter()
    if not args.reuse or not big.exists():
        write_leads(big, args.n)
    if not args.reuse or not small.exists():
        write_leads(small, args.baseline_n)
    print(f"{machine_line()}; input {args.n:,} leads, {big.stat().st_size / 1e9:.2f} GB "
          f"(written in {time.perf_counter() - t:.0f} s)")  # fmt: skip
    model, bundle = str(work / "model.json"), str(work / "bundle.json")
    rows = []
    for label, n, data, cmd in (
        ("score apply, reasons", args.n, big, ["score", "apply", model]),
        ("score apply, --no-reasons", args.n, big, ["score", "apply", model, "--no-reasons"]),
        ("qualify apply", args.n, big, ["qualify", "apply", bundle]),
        ("score apply, reasons", args.baseline_n, small, ["score", "apply", model]),
        ("score apply, --no-reasons", args.baseline_n, small, ["score", "apply", model, "--no-reasons"]),
    ):  # fmt: skip
        out = work / "out.csv"
        full = [*py, *cmd[:3], str(data), *cmd[3:], "--out", str(out)]
        seconds, rss = run_measured(full)
        rows.append((label, n, "streamed (this branch)", seconds, rss))
        out.unlink()
    seconds, rss = run_measured([sys.executable, "-c", PANDAS_PEER, str(big), str(work / "p.csv")])
    rows.append(("pandas read_csv + to_csv", args.n, "whole table in memory (peer)", seconds, rss))
    (work / "p.csv").unlink()
    for reasons in ("1", "0"):
        seconds, rss = run_measured(
            [sys.executable, "-c", BASELINE, model, str(small), str(work / "b.csv"), reasons]
        )
        label = "score apply, reasons" if reasons == "1" else "score apply, --no-reasons"
        rows.append((label, args.baseline_n, "whole table in memory (peer)", seconds, rss))
    print("| run | leads | how | wall s | leads/s | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for label, n, how, seconds, rss in rows:
        print(f"| {label} | {n:,} | {how} | {seconds:.0f} | {n / seconds:,.0f} | {rss:,.0f} |")
    gz = []
    for k in range(2):
        out = work / f"r{k}.csv.gz"
        run_measured([*py, "score", "apply", model, str(small), "--out", str(out)])
        gz.append(sha256(out))
    print(f"two .csv.gz runs on {args.baseline_n:,} leads: identical bytes = {gz[0] == gz[1]}")
    plain, reasons = scoring_rates(work / "model.json", small)
    print(f"scoring a loaded table of {args.baseline_n:,} leads: {plain:,.0f} leads/s without "
          f"reasons, {reasons:,.0f} leads/s with reasons")  # fmt: skip
    if args.dir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
