"""Load generator for ``leadlever serve`` (loopback only; bounded in count and time).

Starts the service on a fresh SQLite file (or ``--db URL``) with a bundle fitted on
simulated leads, then

1. **single-lead POSTs**: an open-loop schedule of ``--rate`` requests per second for
   ``--seconds`` seconds over ``--connections`` keep-alive connections (each request
   is sent at its scheduled time whether or not earlier ones were answered, so a slow
   server shows up as latency, not as a lower offered rate); reports the achieved
   throughput, p50/p99 latency from the scheduled send time, and errors;
2. **batches**: ``--batch``-lead POSTs (3 runs), wall time of each;
3. **the peer**, in the same run: the same single-lead schedule against a trivial FastAPI
   endpoint on the same uvicorn set-up (it parses the JSON body and answers a small JSON
   object: no validation, scoring or database), the floor this machine and load allow;
4. **scoring one lead in process**: CPU per call of the library's batch path
   (:meth:`LeadEvaluator.evaluate` on a one-row frame, the path before the fast one) and of
   the compiled fast path (:meth:`LeadEvaluator.evaluate_records`), median of 7 rounds.

Run: ``python benchmarks/server_load.py --rate 300 --seconds 20`` (figures in
BENCHMARKS.md). Every lead id is new; every answered request was committed first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

__all__ = ["main"]

OUTCOME_COLUMNS = ("converted", "days_to_convert", "placement_salary", "commission",
                   "n_interactions", "effort_hours", "fit_feedback", "resale_value")  # fmt: skip


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _leads(n: int, seed: int) -> list[dict]:
    from leadlever.simulations.world import simulate_leads

    frame = simulate_leads(n, seed=seed)
    frame = frame.drop(columns=[c for c in frame.columns if c.startswith("true_")])
    frame = frame.drop(columns=[c for c in OUTCOME_COLUMNS if c in frame.columns])
    return json.loads(frame.to_json(orient="records", date_format="iso"))


async def _post(reader, writer, path: str, body: bytes) -> tuple[int, bytes]:
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    status_line = await reader.readline()
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    payload = await reader.readexactly(length)
    return int(status_line.split()[1]), payload


async def _single(port: int, leads: list[dict], rate: float, seconds: float, conns: int):
    n = min(len(leads), int(rate * seconds))
    start = time.perf_counter() + 0.5
    schedule = start + np.arange(n) / rate
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    latency = np.full(n, np.nan)
    status = np.zeros(n, dtype=int)

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while not queue.empty():
                i = queue.get_nowait()
                delay = schedule[i] - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                body = json.dumps(leads[i]).encode()
                status[i], _ = await asyncio.wait_for(_post(reader, writer, "/leads", body), 30)
                latency[i] = time.perf_counter() - schedule[i]
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(conns)))
    elapsed = time.perf_counter() - start
    ok = status == 200
    return {
        "requests": n,
        "ok": int(ok.sum()),
        "errors": int((~ok).sum()),
        "offered_per_s": rate,
        "achieved_per_s": n / elapsed,
        "p50_ms": float(np.nanpercentile(latency, 50) * 1000),
        "p99_ms": float(np.nanpercentile(latency, 99) * 1000),
        "max_ms": float(np.nanmax(latency) * 1000),
    }


async def _batches(port: int, leads: list[dict], size: int, runs: int) -> list[float]:
    out = []
    for r in range(runs):
        chunk = leads[r * size : (r + 1) * size]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        t = time.perf_counter()
        code, payload = await _post(reader, writer, "/leads", json.dumps(chunk).encode())
        out.append(time.perf_counter() - t)
        writer.close()
        if code != 200:
            raise RuntimeError(f"batch POST failed ({code}): {payload[:300]!r}")
    return out


PEER_APP = """
from typing import Any

from fastapi import Body, FastAPI
from fastapi.responses import JSONResponse

app = FastAPI()


@app.post("/leads")
async def leads(body: Any = Body(...)) -> JSONResponse:
    return JSONResponse({"lead_id": body.get("lead_id"), "ok": True})
"""


def _wait_for(port: int) -> None:
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)


def _peer(tmp: Path, leads: list[dict], args) -> dict:
    """The single-lead schedule against the trivial endpoint (see the module docstring)."""
    (tmp / "peer_app.py").write_text(PEER_APP)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "peer_app:app", "--port", str(port),
         "--log-level", "warning", "--no-access-log"],
        cwd=tmp, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(port)
        asyncio.run(_single(port, leads[:200], 50, 2, 4))  # warm-up
        cpu0 = _cpu_seconds(server.pid)
        out = asyncio.run(_single(port, leads[200:], args.rate, args.seconds, args.connections))
        out["server_cpu_ms_per_request"] = (
            1000 * (_cpu_seconds(server.pid) - cpu0) / out["requests"]
        )
    finally:
        server.terminate()
        server.wait(30)
    return out


def _scoring_cpu(bundle_path: Path, leads: list[dict], rounds: int = 7) -> dict:
    """CPU ms per single-lead call: the library's batch path and the compiled fast path."""
    import pandas as pd

    from leadlever.engine.economics import Economics
    from leadlever.engine.qualification import load_bundle
    from leadlever.server._pipeline import LeadEvaluator, Okr

    evaluator = LeadEvaluator(load_bundle(bundle_path), Economics())
    okr = Okr(1.0, "default")
    # the bundle the server used: its leads took the fast path only if it compiled
    compiled = evaluator.fast() is not None

    def library(r: dict) -> None:
        evaluator.evaluate(pd.DataFrame.from_records([r]), okr)

    def fast(r: dict) -> None:
        evaluator.evaluate_records([r], okr)

    out = {}
    for name, call in (("library_path", library), ("fast_path", fast)):
        call(leads[0])
        per = []
        for k in range(rounds):
            t = time.process_time()
            for r in leads[k * 10 : (k + 1) * 10]:
                call(r)
            per.append(100 * (time.process_time() - t))  # ms per call over 10 calls
        out[f"{name}_cpu_ms"] = round(float(np.median(per)), 3)
    out["ratio_library_to_fast"] = round(out["library_path_cpu_ms"] / out["fast_path_cpu_ms"], 1)
    out["fast_path_compiled"] = compiled
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=float, default=300.0)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--connections", type=int, default=128)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    ap.add_argument("--sqlite-sync", default="normal", choices=("normal", "full"))
    ap.add_argument("--no-peer", action="store_true", help="skip the trivial-endpoint peer")
    args = ap.parse_args()
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        hist = tmp / "history.csv"
        from leadlever.simulations.world import simulate_leads

        simulate_leads(5000, seed=1).to_csv(hist, index=False)
        exe = Path(sys.executable).with_name("leadlever")
        subprocess.run([exe, "qualify", "fit", hist, "--bundle-out", tmp / "m.json"],
                       check=True, capture_output=True)  # fmt: skip
        port = _free_port()
        db = args.db or str(tmp / "bench.db")
        server = subprocess.Popen(
            [exe, "serve", "--db", db, "--port", str(port), "--model", tmp / "m.json",
             "--log-level", "warning", "--sqlite-sync", args.sqlite_sync],  # fmt: skip
            env={**os.environ}, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait_for(port)
            n_single = int(args.rate * args.seconds)
            leads = _leads(n_single + 3 * args.batch + 200, seed=2)
            asyncio.run(_single(port, leads[:200], 50, 2, 4))  # warm-up
            cpu0 = _cpu_seconds(server.pid)
            single = asyncio.run(
                _single(
                    port, leads[200 : 200 + n_single], args.rate, args.seconds, args.connections
                )
            )
            cpu1 = _cpu_seconds(server.pid)
            single["server_cpu_ms_per_request"] = 1000 * (cpu1 - cpu0) / single["requests"]
            batches = asyncio.run(_batches(port, leads[200 + n_single :], args.batch, 3))
            batch_cpu = (_cpu_seconds(server.pid) - cpu1) / 3
        finally:
            server.terminate()
            server.wait(30)
        peer = None if args.no_peer else _peer(tmp, leads[: 200 + n_single], args)
        scoring = _scoring_cpu(tmp / "m.json", leads[:70])
    out = {"single": single, "batch_size": args.batch,
           "batch_seconds": [round(b, 3) for b in batches],
           "batch_server_cpu_seconds": round(batch_cpu, 3), "sqlite_sync": args.sqlite_sync,
           "peer_trivial_endpoint": peer, "scoring_one_lead": scoring,
           "load_average_1min": {"start": load_start, "end": os.getloadavg()[0]}}  # fmt: skip
    if peer is not None:
        out["ratio_p99_to_peer"] = round(single["p99_ms"] / peer["p99_ms"], 2)
        out["ratio_cpu_per_request_to_peer"] = round(
            single["server_cpu_ms_per_request"] / peer["server_cpu_ms_per_request"], 2
        )
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
