"""What a budget decision returns: the split, its uncertainty, the evidence limits, assumptions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from leadlever.optimisers.allocation._allocator import Allocation

__all__ = ["ChannelDecision", "Recommendation"]


@dataclass(frozen=True)
class ChannelDecision:
    """One channel's part of the decision."""

    channel: str
    current_spend: float
    spend: float
    cap: float
    quality: str
    status: str  # "free", "capped", "held"
    why: str
    limit_cost: float

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Recommendation:
    """The recommended split with its evidence limits, uncertainty and assumptions."""

    allocation: Allocation
    budget: float
    current_budget: float
    uplift: float | None
    uplift_interval: tuple[float, float] | None
    p_better: float | None
    value_change: float | None
    value_change_interval: tuple[float, float] | None
    limits_cost: float
    unallocated: float
    risk: str
    n_draws: int
    channels: tuple[ChannelDecision, ...]
    assumptions: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: the uplift's reference: today's split rescaled to the budget (within the limits)
    reference_spend: tuple[float, ...] | None = None

    @property
    def spend(self) -> dict[str, float]:
        return {c.channel: c.spend for c in self.channels}

    @property
    def baseline_objective(self) -> float | None:
        """The objective at the reference split (None without today's spend)."""
        if self.uplift is None:
            return None
        return float(self.allocation.objective - self.uplift)

    @property
    def rescaled(self) -> bool:
        """The reference split differs from today's spend (another budget, or limits)."""
        if self.reference_spend is None:
            return False
        cur = [c.current_spend for c in self.channels]
        return any(
            abs(r - c) > 1e-9 * max(abs(c), 1.0)
            for r, c in zip(self.reference_spend, cur, strict=True)
        )

    def to_dict(self) -> dict[str, Any]:
        base = self.allocation.to_dict()
        base_value = self.baseline_objective
        if base_value is not None:  # the uplift's baseline, at any budget
            base["baseline_objective"] = base_value
        out = {
            **base,
            "budget": self.budget,
            "current_budget": self.current_budget,
            "uplift": self.uplift,
            "uplift_relative": self.uplift / abs(base_value)
            if base_value and self.uplift is not None
            else None,
            "uplift_interval": None if self.uplift_interval is None else list(self.uplift_interval),
            "p_better": self.p_better,
            "value_change": self.value_change,
            "value_change_interval": None
            if self.value_change_interval is None
            else list(self.value_change_interval),
            "limits_cost": self.limits_cost,
            "unallocated": self.unallocated,
            "risk": self.risk,
            "n_draws": self.n_draws,
            "channels": [
                {**c.to_dict(), "reference_spend": r}
                for c, r in zip(
                    self.channels,
                    self.reference_spend or [None] * len(self.channels),
                    strict=True,
                )
            ],
            "held": [c.channel for c in self.channels if c.status == "held"],
            "capped": [c.channel for c in self.channels if c.status == "capped"],
            "assumptions": [dict(a) for a in self.assumptions],
            "notes": list(self.notes),
        }
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per channel: ``current_spend`` is today's observed spend and
        ``spend_change`` the move from it; ``reference_spend`` (today's split rescaled to the
        budget, the baseline of the uplift) only when it differs from today's spend."""
        frame = self.allocation.to_frame().drop(
            columns=["current_spend", "current_value", "spend_change"], errors="ignore"
        )
        if self.uplift is not None:
            frame["current_spend"] = [c.current_spend for c in self.channels]
            frame["spend_change"] = frame["spend"] - frame["current_spend"]
            if self.rescaled:
                frame["reference_spend"] = list(self.reference_spend)
        frame["quality"] = [c.quality for c in self.channels]
        frame["status"] = [c.status for c in self.channels]
        frame["cap"] = [c.cap for c in self.channels]
        frame["limit_cost"] = [c.limit_cost for c in self.channels]
        frame["why"] = [c.why for c in self.channels]
        return frame
