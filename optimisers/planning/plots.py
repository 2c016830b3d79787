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
    r"""Expected effort vs expected in-house value per open lead, coloured by action.

    No boundary line is drawn: which lead is worked depends on the consultants' hours
    (a lead above any value-per-hour line can still be nurtured when the hours are
    gone) and which is sold also on fit and timing, so a line would be contradicted
    by points. The legend gives the count and the value per hour of each action.
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
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel("expected consultant effort (hours per lead)")
    ax.set_ylabel("expected in-house value (per lead)")
    ax.set_title("Open leads: effort vs in-house value, coloured by planned action", fontsize=11)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
