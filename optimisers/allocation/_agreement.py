"""One recommendation: compare a proposed split's moves with the fitted curves' recommendation.

``campaign step`` and ``roi evaluate --curves`` report, per channel, whether their
direction (up, down, hold against last week's spend) agrees with ``allocate
solve`` on the same curves, and if not, why: exploration, the weekly
``--max-change`` limit, the evidence limits, or the learner's own feedback.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["compare_directions", "direction", "move_toward"]


def direction(new: float, old: float, tol: float) -> str:
    """``"up"``, ``"down"`` or ``"hold"`` (within ``tol``)."""
    return "up" if new > old + tol else "down" if new < old - tol else "hold"


def compare_directions(
    channels: tuple[str, ...],
    spend: np.ndarray,
    previous: np.ndarray,
    recommended: dict[str, float],
    *,
    source: str,
    limited: tuple[str, ...],
    statuses: dict[str, str],
    tol: float,
) -> tuple[dict[str, Any], ...]:
    """Per channel: the step's direction, the recommendation's, and why they differ."""
    out = []
    for c, x, p in zip(channels, spend, previous, strict=True):
        mine, theirs = direction(x, p, tol), direction(recommended[c], p, tol)
        why = ""
        if mine != theirs:
            if source == "exploration":
                why = "exploration: a random split to learn the curves"
            elif c in limited:
                why = "limited by --max-change this week; it keeps moving next week"
            elif statuses.get(c) in ("held", "capped"):
                why = f"the recommendation is {statuses[c]} by the evidence limits"
            else:
                why = "the learner's own feedback since the curves were fitted (a Thompson draw)"
        out.append(
            {
                "channel": c,
                "direction": mine,
                "recommended_direction": theirs,
                "agrees": mine == theirs,
                "why": why,
            }
        )
    return tuple(out)


def move_toward(
    start: np.ndarray, target: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: float
) -> np.ndarray:
    """Move every channel from ``start`` toward ``target`` within [lo, hi], spending ``total``.

    Each channel first goes as far toward its target as its limits allow; the
    budget left over (or missing) then goes to (comes from) the channels still
    short of their targets in that direction, in proportion to their room, and only
    then to the others. So no channel moves against its target's direction unless
    the budget forces it.
    """
    start, target, lo, hi = (np.asarray(v, float) for v in (start, target, lo, hi))
    x = np.clip(target, lo, hi)
    for _ in range(2):
        rest = total - x.sum()
        if abs(rest) <= 1e-12 * max(total, 1.0):
            break
        up = rest > 0
        room = (np.minimum(hi, target) - x) if up else (x - np.maximum(lo, target))
        room = np.maximum(room, 0.0)
        if room.sum() <= 0:
            room = np.maximum((hi - x) if up else (x - lo), 0.0)
        if room.sum() <= 0:
            break
        x = x + np.sign(rest) * room * min(abs(rest) / room.sum(), 1.0)
    return x
