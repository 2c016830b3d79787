"""Small helpers shared by the benchmark scripts (timing, peak memory, machine line)."""

from __future__ import annotations

import os
import platform
import resource
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

__all__ = ["timed", "median_time", "peak_rss_mb", "machine_line"]


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Best wall-clock time of ``repeat`` runs, and the last result."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def machine_line() -> str:
    """Date and time (UTC), machine, cores, Python, and the load average when the run started
    (the machine is shared: a high load inflates wall-clock times)."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {load}"
    )


def median_time(fn: Callable[[], Any], repeat: int = 5) -> float:
    """Median wall-clock time of ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
