"""The limits one ``campaign step`` moves within: the weekly ``--max-change`` and the evidence.

With fitted curves the step keeps every channel inside the same evidence limits as
``allocate solve`` on those curves (:func:`~leadlever.optimisers.allocation._held.evidence_bounds`:
at most the largest weekly spend seen x (1 + margin), channels not trusted held near their
current share of the budget). The weekly move limit (at most ``max_change`` away from last
week's spend, or from its share of the new budget when the budget changes) is clipped into those limits: where the two
disagree, the evidence wins. Budget the evidence cannot carry is left unallocated, as in
``allocate solve``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leadlever.optimisers.allocation._curve_table import CurveTable
from leadlever.optimisers.allocation._decision import DecisionSettings
from leadlever.optimisers.allocation._held import evidence_bounds
from leadlever.optimisers.allocation._narrow import narrow_channels

__all__ = ["StepLimits", "step_limits"]


@dataclass(frozen=True)
class StepLimits:
    """Lower and upper spend per channel for this step, and where they come from.

    ``move`` is the weekly move limit before clipping (None: no limit or no last week);
    ``evidence`` the evidence limits (None without curves); ``lower``/``upper`` the bounds
    the step uses (None: no bounds at all).
    """

    move: tuple[np.ndarray, np.ndarray] | None
    evidence: tuple[np.ndarray, np.ndarray] | None

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray] | None:
        if self.evidence is None:
            return self.move
        ev_lo, ev_hi = self.evidence
        if self.move is None:
            return ev_lo, ev_hi
        lo = np.clip(self.move[0], ev_lo, ev_hi)
        hi = np.clip(self.move[1], ev_lo, ev_hi)
        return lo, np.maximum(hi, lo)

    def unallocated_note(self, budget: float, max_change: float | None) -> str | None:
        """Why part of the budget is left unallocated (None: all of it can be spent)."""
        left = budget - self.spendable(budget)
        if left <= 1e-9 * max(budget, 1.0):
            return None
        ev = None if self.evidence is None else float(self.evidence[1].sum())
        if ev is not None and ev < budget * (1 - 1e-9):
            why = (
                f"the evidence supports at most {ev:,.0f} a week, as in allocate solve (each "
                f"channel at most {1 + DecisionSettings().margin:.2g}x its largest weekly spend seen, "
                "channels not trusted held); "
                "refit the curves on weeks with higher spend, or use allocate solve --margin / "
                "--extrapolate to see the split beyond the evidence"
            )
            if self.spendable(budget) < ev * (1 - 1e-9):
                why += f", and the weekly move limit (--max-change {max_change:.0%}) allows less"
        else:
            why = (
                f"within the evidence limits the weekly move limit (--max-change "
                f"{max_change:.0%}) carries at most {self.spendable(budget):,.0f} this week; "
                "raise --max-change to move faster"
            )
        return f"{left:,.0f} of the budget {budget:,.0f} is left unallocated: {why}."

    def spendable(self, budget: float) -> float:
        """The budget the limits can carry (the rest is left unallocated)."""
        b = self.bounds
        return float(budget) if b is None else float(min(budget, b[1].sum()))

    def limited(self, spend: np.ndarray, channels: tuple[str, ...], tol: float) -> tuple[str, ...]:
        """Channels stopped by the weekly move limit (not by the evidence)."""
        if self.move is None:
            return ()
        lo, hi = self.bounds
        ev_lo, ev_hi = (
            self.evidence if self.evidence is not None else (lo * 0 - np.inf, hi + np.inf)
        )

        def inside(v):  # a bound set by the move limit, not by the evidence
            return (v > ev_lo + tol) & (v < ev_hi - tol)

        at_lo = (spend <= lo + tol) & inside(lo)
        at_hi = (spend >= hi - tol) & inside(hi)
        return tuple(c for c, a in zip(channels, at_lo | at_hi, strict=True) if a)


def _evidence(table: CurveTable, channels, budget: float, settings: DecisionSettings):
    """``allocate solve``'s evidence limits at ``budget`` (see ``recommend``), in ``channels`` order."""
    i = np.array([list(table.channels).index(c) for c in channels], dtype=int)
    cur = table.current_spend
    cur = np.full(i.size, budget / i.size) if cur is None else np.asarray(cur, float)[i]
    scale = budget / cur.sum() if cur.sum() > 0 else 1.0
    draws = (table.fit or {}).get("draws")
    narrow, _ = narrow_channels(
        list(channels),
        None if table.current_spend is None else cur,
        [table.quality[k] for k in i],
        settings,
        max_observed=np.asarray(table.max_observed, float)[i],
        min_observed=np.asarray(table.min_observed, float)[i],
        draws=draws,
    )
    lo, hi, _, _ = evidence_bounds(
        cur * scale,
        [table.quality[k] for k in i],
        settings,
        max_observed=np.asarray(table.max_observed, float)[i],
        min_observed=np.asarray(table.min_observed, float)[i],
        max_spend=np.asarray(table.max_spend, float)[i],
        min_spend=np.asarray(table.min_spend, float)[i],
        narrow=narrow,
        reasons=[table.reasons[k] for k in i],
    )
    return lo, hi


def step_limits(
    budget: float,
    previous: np.ndarray | None,
    max_change: float | None,
    table: CurveTable | None,
    channels: tuple[str, ...],
    settings: DecisionSettings | None = None,
) -> StepLimits:
    """The weekly move limit around ``previous`` (and its share of ``budget``), and the curves' evidence
    limits at ``budget`` (for ``channels``, in that order)."""
    move = None
    if previous is not None and max_change is not None and previous.sum() > 0:
        # at most max_change away from last week's spend, or from its share of a new budget
        ref = previous * (budget / previous.sum())
        move = (
            np.minimum(ref, previous) * (1.0 - max_change),
            np.maximum(ref, previous) * (1.0 + max_change),
        )
    evidence = (
        None
        if table is None
        else _evidence(table, channels, budget, settings or DecisionSettings())
    )
    limits = StepLimits(move, evidence)
    if evidence is not None and move is not None and limits.bounds[0].sum() > budget:
        # held channels' bands and the move limit together need more than the budget: the
        # evidence limits alone (solve checks they fit)
        limits = StepLimits(None, evidence)
    return limits
