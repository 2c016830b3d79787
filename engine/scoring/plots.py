"""PNG plots of a scoring evaluation: ROC, cumulative gains and lift, calibration.

Matplotlib is imported inside each function with the Agg backend, so importing
this module is cheap and needs no display.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from leadlever.engine.scoring._metrics import gains_table, reliability_table, roc_auc, roc_curve

__all__ = ["plot_roc", "plot_gains", "plot_calibration", "plot_all"]


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110, bbox_inches="tight")
    os.replace(tmp, path)
    return path


def plot_roc(y: Any, p: Any, path: str | os.PathLike) -> Path:
    """ROC curve with its AUC."""
    plt = _figure()
    fpr, tpr = roc_curve(y, p)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(fpr, tpr, label=f"model (AUC {roc_auc(y, p):.3f})")
    ax.plot([0, 1], [0, 1], ls="--", c="grey", label="random")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC curve")
    ax.legend(loc="lower right")
    out = _save(fig, Path(path))
    plt.close(fig)
    return out


def plot_gains(y: Any, p: Any, path: str | os.PathLike) -> Path:
    """Cumulative gains (left axis) and lift per decile (right axis)."""
    plt = _figure()
    g = gains_table(y, p)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    share = np.r_[0, g["decile"] / len(g)]
    ax.plot(share, np.r_[0, g["cumulative_gain"]], marker="o", label="cumulative gains")
    ax.plot([0, 1], [0, 1], ls="--", c="grey", label="random")
    ax.set(
        xlabel="share of leads contacted (by score)",
        ylabel="share of conversions found",
        title="Cumulative gains and lift",
    )
    ax2 = ax.twinx()
    ax2.bar(
        g["decile"] / len(g) - 0.05,
        g["lift"],
        width=0.08,
        alpha=0.3,
        color="tab:orange",
        label="lift",
    )
    ax2.set_ylabel("lift per decile")
    ax.legend(loc="center right")
    out = _save(fig, Path(path))
    plt.close(fig)
    return out


def plot_calibration(y: Any, p: Any, path: str | os.PathLike) -> Path:
    """Reliability diagram: observed conversion rate vs mean predicted, 10 bins."""
    plt = _figure()
    t = reliability_table(y, p)
    t = t[t["n"] > 0]
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], ls="--", c="grey", label="perfect")
    ax.plot(t["mean_p"], t["observed"], marker="o", label="model")
    ax.set(
        xlabel="mean predicted probability", ylabel="observed conversion rate", title="Calibration"
    )
    ax.legend(loc="upper left")
    out = _save(fig, Path(path))
    plt.close(fig)
    return out


def plot_all(y: Any, p: Any, out_dir: str | os.PathLike) -> list[Path]:
    """The three plots into ``out_dir`` as roc.png, gains.png, calibration.png."""
    d = Path(out_dir)
    return [
        plot_roc(y, p, d / "roc.png"),
        plot_gains(y, p, d / "gains.png"),
        plot_calibration(y, p, d / "calibration.png"),
    ]
