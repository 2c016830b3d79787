"""Plots of the qualification profile (matplotlib, Agg backend)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import ParameterError

__all__ = ["plot_survival_by_tier"]


def plot_survival_by_tier(
    bundle,
    leads: pd.DataFrame,
    path: str | os.PathLike,
    *,
    days: int = 330,
    profile: pd.DataFrame | None = None,
) -> Path:
    r"""Mean probability of not yet being placed, :math:`1 - F(t \mid x)`, by funnel tier.

    Parameters
    ----------
    bundle : leadlever.engine.qualification._bundle.QualificationBundle
    leads : DataFrame
        Leads to average over (their tier comes from the bundle's profile).
    path : path
        PNG file to write.
    profile : DataFrame, optional
        ``bundle.profile(leads)`` if already computed (same row order).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    profile = bundle.profile(leads) if profile is None else profile
    if bundle.timing is None:
        raise ParameterError(
            "The bundle has no timing model (the export had no created and closed dates), "
            "so there are no survival curves to plot."
        )
    X = leads.reset_index(drop=True)
    t = np.arange(0, days + 1)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for tier in pd.unique(profile["tier"]):
        rows = (profile["tier"] == tier).to_numpy()
        curve = bundle.timing.survival_curve(X.loc[rows], t)
        ax.step(t, curve, where="post", label=f"{tier} (n={rows.sum():,})")
    ax.set_xlabel("days since the lead arrived")
    ax.set_ylabel("P(not yet placed), share of leads")
    ax.set_title("Time to placement by funnel tier (Cox model)")
    ax.set_ylim(0, 1.02)
    ax.legend()
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
