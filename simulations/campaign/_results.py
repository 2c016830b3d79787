"""Results of closed-loop campaign comparisons: per-policy summaries, regret curves, allocations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["PolicySummary", "CampaignComparison", "mean_ci"]


@dataclass(frozen=True)
class PolicySummary:
    """Results of one policy over the seeds."""

    name: str
    profit_mean: float
    profit_ci: tuple[float, float]
    regret: float
    pct_of_oracle: float
    pct_of_oracle_last_quarter: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "profit_mean": self.profit_mean,
            "profit_ci": list(self.profit_ci),
            "regret": self.regret,
            "pct_of_oracle": self.pct_of_oracle,
            "pct_of_oracle_last_quarter": self.pct_of_oracle_last_quarter,
        }


@dataclass(frozen=True)
class CampaignComparison:
    """Policies compared over seeds.

    Attributes
    ----------
    policies : tuple of PolicySummary
    names : tuple of str
    channels : tuple of str
    profit : ndarray (policies, seeds, weeks)
        True expected profit per week.
    spend : ndarray (policies, seeds, weeks, channels)
    """

    weeks: int
    seeds: tuple[int, ...]
    shift_week: int | None
    shift_channel: str
    names: tuple[str, ...]
    channels: tuple[str, ...]
    policies: tuple[PolicySummary, ...]
    profit: np.ndarray
    spend: np.ndarray

    def to_dict(self) -> dict[str, Any]:
        return {
            "weeks": self.weeks,
            "seeds": len(self.seeds),
            "shift_week": self.shift_week,
            "shift_channel": self.shift_channel if self.shift_week is not None else None,
            "policies": [p.to_dict() for p in self.policies],
        }

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for p in self.policies:
            d = p.to_dict()
            lo, hi = d.pop("profit_ci")
            rows.append({**d, "profit_ci_low": lo, "profit_ci_high": hi})
        return pd.DataFrame(rows)

    def regret_curves(self) -> pd.DataFrame:
        """Mean cumulative regret against the oracle per week and policy (needs ``oracle``)."""
        o = self.names.index("oracle")
        reg = np.cumsum(self.profit[o][None] - self.profit, axis=2).mean(axis=1)
        return pd.DataFrame(reg.T, columns=list(self.names)).rename_axis("week").reset_index()

    def allocation(self) -> pd.DataFrame:
        """Mean spend share per week, channel and policy (long format)."""
        share = self.spend / np.maximum(self.spend.sum(axis=3, keepdims=True), 1e-300)
        mean = share.mean(axis=1)  # (policies, weeks, channels)
        p, w, c = np.meshgrid(
            np.arange(len(self.names)),
            np.arange(self.weeks),
            np.arange(len(self.channels)),
            indexing="ij",
        )
        return pd.DataFrame(
            {
                "policy": np.array(self.names, dtype=object)[p.ravel()],
                "week": w.ravel(),
                "channel": np.array(self.channels, dtype=object)[c.ravel()],
                "share": mean.ravel(),
            }
        )


def mean_ci(x: np.ndarray) -> tuple[float, tuple[float, float]]:
    m = float(np.mean(x))
    if x.size < 2:
        return m, (m, m)
    half = float(stats.t.ppf(0.975, x.size - 1) * np.std(x, ddof=1) / np.sqrt(x.size))
    return m, (m - half, m + half)
