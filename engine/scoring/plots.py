"""PNG plots of a scoring evaluation (ROC, cumulative gains and lift, calibration) and of
what a conversion model learned (one plot per term: main-effect curves with their 95 %
band, pair heat maps).

Matplotlib is imported inside each function with the Agg backend, so importing
this module is cheap and needs no display.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from leadlever.engine.scoring._metrics import gains_table, reliability_table, roc_auc, roc_curve

__all__ = [
    "plot_roc",
    "plot_gains",
    "plot_calibration",
    "plot_all",
    "plot_term",
    "plot_terms",
    "term_figure",
]


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


def _file_name(term: str) -> str:
    safe = "".join(ch if ch.isalnum() else "_" for ch in term.replace(" × ", "_x_"))
    return f"term_{safe.strip('_')}.png"


def _plot_main(ax: Any, table: Any, kind: str) -> None:
    shown = table[table["n"] > 0]  # cells without training leads carry no evidence
    x = np.arange(len(shown))
    if kind in ("numeric", "date"):
        ax.fill_between(
            x, shown["lower"], shown["upper"], step="mid", alpha=0.25, label="95 % band"
        )
        ax.step(x, shown["log_odds"], where="mid", label="effect")
    else:
        err = np.vstack([shown["log_odds"] - shown["lower"], shown["upper"] - shown["log_odds"]])
        ax.bar(x, shown["log_odds"], yerr=err, alpha=0.7, capsize=2, label="effect, 95 % band")
    ax.axhline(0.0, color="grey", lw=0.8)
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step], shown["label"].iloc[::step], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("log-odds vs the average lead")
    ax.legend(loc="best", fontsize=8)


def _plot_pair(fig: Any, ax: Any, table: Any, columns: list[str]) -> None:
    rows = list(dict.fromkeys(table[columns[0]]))
    cols = list(dict.fromkeys(table[columns[1]]))
    shape = (len(rows), len(cols))
    counts = table["n"].to_numpy().reshape(shape)
    # cells without training leads are left blank (their value is the fit's guess)
    grid = np.where(counts > 0, table["log_odds"].to_numpy().reshape(shape), np.nan)
    keep_r, keep_c = counts.sum(axis=1) > 0, counts.sum(axis=0) > 0
    grid = grid[keep_r][:, keep_c]
    rows = [r for r, k in zip(rows, keep_r, strict=True) if k]
    cols = [c for c, k in zip(cols, keep_c, strict=True) if k]
    limit = float(np.nanmax(np.abs(grid), initial=0.0)) or 1.0
    image = ax.imshow(grid, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_yticks(range(len(rows)), rows, fontsize=7)
    ax.set_xticks(range(len(cols)), cols, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel(columns[0])
    ax.set_xlabel(columns[1])
    fig.colorbar(image, ax=ax, label="interaction, log-odds")


def term_figure(model: Any, term: str) -> Any:
    """The matplotlib figure of one term of a fitted conversion model: a main effect's
    curve (numeric columns) or bars (categories) with its 95 % band, or a pair's heat map
    (the interaction only; cells without training leads blank)."""
    table = model.term_table(term)
    plt = _figure()
    names = list(model.feature_names_)
    k = names.index(term)
    importance = {i["column"]: i["importance"] for i in model.importance_}[term]
    if k < len(model.mains_):
        fig, ax = plt.subplots(figsize=(7, 4))
        _plot_main(ax, table, model.bins_[k]["kind"])
        ax.set_xlabel(term)
    else:
        columns = model.pairs_[k - len(model.mains_)]["columns"]
        fig, ax = plt.subplots(figsize=(7, 5.5))
        _plot_pair(fig, ax, table, columns)
    ax.set_title(f"{term} (importance {importance:.3f} log-odds)")
    return fig


def plot_term(model: Any, term: str, path: str | os.PathLike) -> Path:
    """:func:`term_figure` saved as a PNG."""
    plt = _figure()
    fig = term_figure(model, term)
    out = _save(fig, Path(path))
    plt.close(fig)
    return out


def plot_terms(model: Any, out_dir: str | os.PathLike) -> list[Path]:
    """:func:`plot_term` for every term, into ``out_dir`` as ``term_<name>.png``."""
    d = Path(out_dir)
    return [plot_term(model, t, d / _file_name(t)) for t in model.feature_names_]
