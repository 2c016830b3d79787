"""Plots of closed-loop campaign runs: cumulative regret and spend share over time.

Matplotlib is imported inside the functions (Agg backend), so importing this
module costs nothing.
"""

from __future__ import annotations

from pathlib import Path

from leadlever.simulations.campaign._run import CampaignComparison

__all__ = ["plot_regret", "plot_spend_share"]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_regret(comparison: CampaignComparison, path: str | Path) -> Path:
    """Mean cumulative regret against the oracle per policy over the weeks."""
    plt = _plt()
    curves = comparison.regret_curves()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for name in comparison.names:
        if name == "oracle":
            continue
        ax.plot(
            curves["week"] + 1, curves[name] / 1e6, label=name, lw=2 if name == "learner" else 1.2
        )
    ax.set_xlabel("week of the campaign")
    ax.set_ylabel("cumulative regret vs oracle (millions)")
    ax.set_title(f"Cumulative regret, mean of {len(comparison.seeds)} seeds")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out


def plot_spend_share(
    comparison: CampaignComparison, path: str | Path, *, policy: str = "learner"
) -> Path:
    """Mean spend share per channel over the weeks for one policy (dashed: the oracle)."""
    plt = _plt()
    alloc = comparison.allocation()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, ch in enumerate(comparison.channels):
        mine = alloc[(alloc["policy"] == policy) & (alloc["channel"] == ch)]
        orc = alloc[(alloc["policy"] == "oracle") & (alloc["channel"] == ch)]
        c = colors[i % len(colors)]
        ax.plot(mine["week"] + 1, mine["share"], color=c, label=ch)
        ax.plot(orc["week"] + 1, orc["share"], color=c, ls="--", lw=1)
    if comparison.shift_week is not None:
        ax.axvline(comparison.shift_week + 1, color="grey", lw=1, ls=":")
    ax.set_xlabel("week of the campaign")
    ax.set_ylabel("share of the week's spend")
    ax.set_title(f"Spend share per channel: {policy} (solid) vs oracle (dashed)")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out
