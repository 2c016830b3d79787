"""Plots of response curves and allocations (matplotlib, Agg backend).

Each function takes result objects, writes a PNG and returns its path.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from leadlever.optimisers.allocation._allocator import Allocation, unpack_curves
from leadlever.optimisers.allocation._scenarios import Frontier

__all__ = ["plot_curves", "plot_allocation", "plot_frontier"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_curves(
    curves: Any, allocation: Allocation, path: str | os.PathLike, *, names=None
) -> Path:
    """Each channel's curve with the optimum (and the current spend, if known) marked."""
    plt = _pyplot()
    names, plain, _ = unpack_curves(
        curves, names if names is not None else list(allocation.channels)
    )
    n = len(plain)
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, name, curve, x_opt in zip(axes.ravel(), names, plain, allocation.spend, strict=False):
        top = max(x_opt, *(allocation.current_spend or [0.0])) * 1.6 or 1.0
        xs = np.linspace(0, top, 200)
        ax.plot(xs, curve.value(xs), color="C0")
        ax.plot([x_opt], [float(curve.value(x_opt))], "o", color="C3", label="optimum")
        if allocation.current_spend is not None:
            x_cur = allocation.current_spend[allocation.channels.index(name)]
            ax.plot([x_cur], [float(curve.value(x_cur))], "s", color="C7", label="current")
        ax.set_title(f"{name} ({curve.kind})", fontsize=9)
        ax.set_xlabel("spend (per period)")
        ax.set_ylabel("value (per period)")
        ax.legend(fontsize=7)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out


def plot_allocation(allocation: Allocation, path: str | os.PathLike) -> Path:
    """Spend per channel before (current) and after (optimal)."""
    plt = _pyplot()
    idx = np.arange(len(allocation.channels))
    fig, ax = plt.subplots(figsize=(max(5.0, 1.1 * len(idx)), 3.6))
    width = 0.4
    if allocation.current_spend is not None:
        ax.bar(idx - width / 2, allocation.current_spend, width, label="current", color="C7")
    ax.bar(idx + width / 2, allocation.spend, width, label="optimal", color="C0")
    ax.set_xticks(idx, allocation.channels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("spend (per period)")
    title = f"{allocation.objective_name}: {allocation.objective:,.0f}"
    if allocation.uplift is not None:
        title += f" (uplift {allocation.uplift:+,.0f})"
    ax.set_title(title, fontsize=10)
    ax.legend()
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out


def plot_frontier(
    frontier: Frontier, path: str | os.PathLike, *, mark: Allocation | None = None
) -> Path:
    """Best value against budget, with an allocation marked."""
    plt = _pyplot()
    frame = frontier.to_frame()
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    ax.plot(frame["budget"], frame["value"], color="C0", label="optimal value")
    if mark is not None:
        ax.plot([mark.budget], [mark.total_value], "o", color="C3", label="chosen budget")
    ax.set_xlabel("budget (per period)")
    ax.set_ylabel("value (per period)")
    ax.set_title("Budget -> value frontier", fontsize=10)
    ax.legend()
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out
