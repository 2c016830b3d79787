"""Which channels a decision holds, and the spend limits the evidence sets on each.

A channel whose curve is not trusted is held near or at its current share unless the
settings say ``untrusted="free"``; a channel that has **ended** (no spend in the last weeks
of its history, :func:`~leadlever.optimisers.curves._diagnostics.has_ended`) is held at its
current spend, 0, whatever ``untrusted`` says: letting a curve move is a judgement on the
curve, restarting a channel that was stopped is another decision, which ``allocate fit
--ended-weeks 0`` makes explicit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from leadlever.optimisers.curves._diagnostics import has_ended

if TYPE_CHECKING:
    from leadlever.optimisers.allocation._decision import DecisionSettings

__all__ = ["ended_channels", "held_channels", "evidence_bounds", "far_tail_notes"]


def ended_channels(reasons: Sequence[tuple[str, ...]] | None, n: int) -> np.ndarray:
    """Boolean mask of the channels whose verdict says they have ended (all False without
    ``reasons``)."""
    if reasons is None:
        return np.zeros(n, dtype=bool)
    return np.array([has_ended(r) for r in reasons], dtype=bool)


def held_channels(
    quality: list[str] | tuple[str, ...],
    settings: DecisionSettings,
    reasons: Sequence[tuple[str, ...]] | None = None,
) -> np.ndarray:
    """Boolean mask of the channels a decision holds.

    held = (quality != "trusted" and untrusted != "free") or ended
    """
    untrusted = np.array([q != "trusted" for q in quality], dtype=bool)
    return (untrusted & (settings.untrusted != "free")) | ended_channels(reasons, len(quality))


def evidence_bounds(
    hold_at: np.ndarray,
    quality: list[str],
    settings: DecisionSettings,
    *,
    max_observed: np.ndarray,
    min_observed: np.ndarray | None = None,
    max_spend: np.ndarray | None = None,
    min_spend: np.ndarray | None = None,
    narrow: np.ndarray | None = None,
    reasons: list[tuple[str, ...]] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper spend per channel within the evidence; the caps; which are held in a band.

    ``hold_at`` is each channel's current share of the budget at hand. The cap is the largest
    spend seen x (1 + margin), the largest spend seen itself for a ``narrow`` channel
    (:func:`~leadlever.optimisers.allocation._narrow.narrow_channels`; an explicit
    ``max_spend`` replaces it; none with ``extrapolate``); a channel not trusted is held:
    at ``hold_at`` when unidentified (or with ``untrusted="lock"``), within ``hold_band`` of
    it and the spend range seen when weak; an ended channel (``reasons``) always at ``hold_at``.
    """
    n = hold_at.size
    max_obs = np.asarray(max_observed, float)
    explicit = np.full(n, np.inf) if max_spend is None else np.asarray(max_spend, float)
    lo = np.zeros(n) if min_spend is None else np.asarray(min_spend, float).copy()
    margin = np.full(n, settings.margin)
    if narrow is not None:
        margin = np.where(np.asarray(narrow, bool), 0.0, margin)
    ev_cap = np.where(np.isfinite(max_obs), max_obs * (1 + margin), np.inf)
    cap = np.where(np.isfinite(explicit), explicit, np.inf if settings.extrapolate else ev_cap)
    held = held_channels(quality, settings, reasons)
    hold_at = np.minimum(hold_at, cap)
    ranged = held & np.array([q == "weak" for q in quality]) & (settings.untrusted == "hold")
    floor = np.full(n, np.nan) if min_observed is None else np.asarray(min_observed, float)
    ranged &= np.isfinite(floor) & np.isfinite(max_obs)
    # a weak channel moves near its current share: at most hold_band away, and never outside
    # the spend range its history shows (the margin included)
    low = np.minimum(
        np.maximum(floor * (1 - settings.margin), hold_at * (1 - settings.hold_band)), hold_at
    )
    high = np.maximum(np.minimum(cap, hold_at * (1 + settings.hold_band)), hold_at)
    lo = np.where(ranged, np.maximum(lo, np.nan_to_num(low)), np.where(held, hold_at, lo))
    hi = np.where(held & ~ranged, hold_at, np.where(ranged, high, cap))
    return lo, hi, cap, ranged


def far_tail_notes(draws: Any, spend: np.ndarray) -> list[str]:
    """A note naming the channels whose posterior draws reach far beyond their typical value at
    ``spend`` (:meth:`~leadlever.optimisers.curves._result.CurveDraws.far_tails`): the
    intervals then reach absurd values and are not worth reading."""
    from leadlever.optimisers.curves._result import FAR_TAIL_RATIO

    wild = draws.far_tails(spend)
    if not wild:
        return []
    return [
        f"The intervals are not worth reading: the posterior draws of {', '.join(map(repr, wild))} "
        f"reach more than {FAR_TAIL_RATIO:g}x their median value at the spends compared (the "
        "data do not pin these curves down, so some draws extrapolate). Read the fitted value, "
        "the verdicts and the evidence limits instead; more varied spend on these channels "
        "narrows them."
    ]
