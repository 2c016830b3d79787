"""The case's Figure 3: each deal's expected profit against p, p* marked, forecast shaded."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from scipy import stats

from leadlever.simulations.deals._compare import DealComparison

__all__ = ["plot_deals"]


def plot_deals(
    comparison: DealComparison, path: str | os.PathLike, *, title: str | None = None
) -> Path:
    """Plot profit vs p for every deal; mark the envelope's switch points p*; shade the forecast.

    Parameters
    ----------
    comparison : DealComparison
        From :func:`leadlever.simulations.deals._compare.compare_deals` (with or without a forecast).
    path : path
        PNG file to write.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    grid = np.linspace(0.0, 1.0, 201)
    for deal in comparison.deals:
        ax.plot(
            grid,
            deal.profit(grid),
            linewidth=2,
            label=f"{deal.name}: {deal.intercept:,.0f} + {deal.slope:,.0f}·p",
        )
    by_name = {d.name: d for d in comparison.deals}
    for seg in comparison.envelope[1:]:
        p = seg.p_from
        y = by_name[seg.deal].profit(p)
        ax.axvline(p, color="grey", linestyle="--", linewidth=1)
        ax.plot([p], [y], "ko")
        ax.annotate(f"p* = {p:.3f}", (p, y), textcoords="offset points", xytext=(6, -14))
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xlabel("p: share of high-quality leads in the pool")
    ax.set_ylabel("expected profit of the deal")
    ax.set_xlim(0, 1)
    fc = comparison.forecast
    if fc is not None:
        twin = ax.twinx()
        if fc.method == "beta":
            dens = stats.beta.pdf(grid, fc.alpha, fc.beta)
        else:
            width = 1.0 / max(fc.n_leads, 1)
            dens = np.interp(grid, fc.support, fc.pmf / width, left=0.0, right=0.0)
        twin.fill_between(grid, dens, color="tab:blue", alpha=0.15, label="forecast of p")
        twin.axvline(fc.mean, color="tab:blue", linestyle=":", linewidth=1.2)
        twin.set_ylim(0, dens.max() * 3 if dens.max() > 0 else 1)
        twin.set_yticks([])
        ax.plot(
            [],
            [],
            color="tab:blue",
            alpha=0.3,
            linewidth=8,
            label=f"forecast of p (mean {fc.mean:.3f})",
        )
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title or "Deals: expected profit against p (break-even p* marked)")
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
