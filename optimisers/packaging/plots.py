"""Plots of a packaging result: bundle composition by lead rating."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from leadlever.optimisers.packaging._result import PackagingResult

__all__ = ["plot_bundle_composition", "LEAD_P_BAND_EDGES", "LEAD_P_BAND_NAMES"]

#: per-lead rating bands of p_convert used in the plot (best first)
LEAD_P_BAND_EDGES = (0.6, 0.4, 0.25, 0.1, 0.0)
LEAD_P_BAND_NAMES = ("p>=0.6", "0.4-0.6", "0.25-0.4", "0.1-0.25", "<0.1")


def _band_index(values: np.ndarray, edges: tuple) -> np.ndarray:
    """Band of each value: the first of the falling ``edges`` it reaches (last edge 0)."""
    return (np.asarray(values)[:, None] < np.asarray(edges)[None, :]).sum(axis=1)


def _lead_bands(p: np.ndarray, result: PackagingResult) -> tuple[tuple, tuple]:
    """The fixed lead bands, or quintiles of the sold leads' p when they all share one band."""
    sold = np.array([r for b in result.bundles for r in b.rows], dtype=int)
    vals = p[sold] if sold.size else p
    fixed = _band_index(vals, LEAD_P_BAND_EDGES)
    if vals.size == 0 or np.unique(fixed).size > 1:
        return LEAD_P_BAND_EDGES, LEAD_P_BAND_NAMES
    cuts = np.unique(np.round(np.quantile(vals, [0.8, 0.6, 0.4, 0.2]), 3))[::-1]
    edges = (*cuts.tolist(), 0.0)
    uppers = (None, *cuts.tolist())
    names = tuple(
        f"p>={lo:.3f}" if hi is None else f"{lo:.3f}-{hi:.3f}"
        for lo, hi in zip(edges, uppers, strict=True)
    )
    return edges, names


def plot_bundle_composition(result: PackagingResult, p: np.ndarray, path: str | Path) -> Path:
    """Stacked bars: for each bundle, how many of its leads fall in each lead-grade band.

    Parameters
    ----------
    result : PackagingResult
    p : ndarray
        Conversion probability of every lead (indexed by the bundles' ``rows``).
    path : path
        Where to write the PNG.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = np.asarray(p, dtype=float)
    labels = [f"{b.package_id}\n{b.rating}" for b in result.bundles]
    edges, names = _lead_bands(p, result)
    counts = np.zeros((len(result.bundles), len(edges)))
    for i, bundle in enumerate(result.bundles):
        vals = p[list(bundle.rows)]
        counts[i] = np.bincount(_band_index(vals, edges), minlength=len(edges))
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(labels)), 4))
    bottom = np.zeros(len(labels))
    colors = plt.cm.viridis(np.linspace(0.9, 0.1, len(edges)))
    for j, name in enumerate(names):
        ax.bar(labels, counts[:, j], bottom=bottom, label=name, color=colors[j])
        bottom += counts[:, j]
    ax.set_ylabel("leads in bundle")
    ax.set_title("Bundle composition by p_convert band\n(bundle grade under its id)", fontsize=10)
    ax.legend(title="lead p_convert", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out
