"""Plots of the simulated world (matplotlib imported inside each function)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["plot_channel_history"]


def plot_channel_history(history: pd.DataFrame, path: str | Path) -> Path:
    """Weekly spend and leads per channel, two panels, saved as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for channel, rows in history.groupby("channel", sort=False):
        axes[0].plot(rows["week"], rows["spend"].rolling(4, min_periods=1).mean(), label=channel)
        axes[1].scatter(rows["spend"], rows["leads"], s=8, label=channel)
    axes[0].set_title("Weekly spend per channel (4-week mean)")
    axes[0].set_ylabel("EUR")
    axes[0].tick_params(axis="x", rotation=30)
    axes[1].set_title("Leads against spend (one dot per week)")
    axes[1].set_xlabel("weekly spend (EUR)")
    axes[1].set_ylabel("leads")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path
