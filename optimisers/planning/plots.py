"""Plots of an action plan (matplotlib, Agg backend)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["plot_effort_vs_value"]

_COLOURS = {"in_house": "tab:green", "nurture": "tab:blue", "sell": "tab:red"}


def plot_effort_vs_value(
    plan, path: str | os.PathLike, *, max_points: int = 5_000, seed: int = 0
) -> Path:
    r"""Expected effort vs expected in-house value per lead, coloured by action.

    Two boundaries are drawn: the work line :math:`v = r_{min} e` through the
    lowest value per hour among the leads worked in-house (capacity prices the
    rest out), and the sell line at the median resale value (below it, selling
    pays more than working the lead).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    q = plan.queue
    rng = np.random.default_rng(seed)
    if len(q) > max_points:
        q = q.iloc[np.sort(rng.choice(len(q), max_points, replace=False))]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for action, colour in _COLOURS.items():
        part = q[q["action"] == action]
        ax.scatter(
            part["expected_effort_hours"],
            part["expected_in_house_value"],
            s=6,
            alpha=0.5,
            color=colour,
            label=f"{action} ({(plan.queue['action'] == action).sum():,})",
        )
    inh = plan.queue[plan.queue["action"] == "in_house"]
    e = np.linspace(0, float(q["expected_effort_hours"].max()), 50)
    if len(inh):
        r_min = float((inh["expected_in_house_value"] / inh["expected_effort_hours"]).min())
        ax.plot(e, r_min * e, color="black", lw=1, label=f"work above: {r_min:,.0f} EUR/hour")
    resale = float(plan.queue["expected_resale_value"].median())
    ax.axhline(
        resale, color="tab:red", lw=1, ls="--", label=f"sell below: median resale {resale:,.0f}"
    )
    ax.set_xlabel("expected effort (hours)")
    ax.set_ylabel("expected in-house value (EUR)")
    ax.set_title("Effort vs value: work, nurture or sell")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
