"""Pricing charts (matplotlib, Agg backend, imported inside the functions)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

__all__ = ["plot_pricing_sensitivity"]


def plot_pricing_sensitivity(
    sensitivity: pd.DataFrame, path: str | os.PathLike, *, title: str | None = None
) -> Path:
    """Tornado chart of expected profit per lead when each lever moves.

    Parameters
    ----------
    sensitivity : DataFrame
        The output of :func:`leadlever.pricing._formulas.profit_sensitivity`.
    path : path
        PNG file to write.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    moved = sensitivity.groupby("lever", sort=False)["delta"].apply(lambda d: bool((d != 0).any()))
    # a lever that moves nothing (e.g. a zero cost moved by 10 %) would be an empty row
    levers = [lv for lv in dict.fromkeys(sensitivity["lever"]) if moved[lv]][::-1]
    changes = sorted(sensitivity["change"].unique(), key=abs, reverse=True)
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(levers) + 1.5))
    colours = {}
    for ch in changes:
        colours[ch] = "tab:green" if ch > 0 else "tab:red"
    for i, lever in enumerate(levers):
        rows = sensitivity[sensitivity["lever"] == lever]
        for ch in changes:
            d = float(rows.loc[rows["change"] == ch, "delta"].iloc[0])
            alpha = 0.4 if abs(ch) == max(abs(c) for c in changes) else 0.95
            ax.barh(i, d, color=colours[ch], alpha=alpha, height=0.6)
    ax.set_yticks(range(len(levers)), levers)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("change in expected profit per lead")
    ax.set_title(
        title
        or "Pricing sensitivity: expected profit when one lever moves\n"
        "(lever up green, down red; pale bars = the larger move)",
        fontsize=10,
    )
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out
