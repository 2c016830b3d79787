"""The narrow-range rule of a budget decision: a trusted channel spent only within a narrow
range, whose marginal return is uncertain, gets no evidence margin (at most its largest spend
seen). :func:`narrow_channels` says which and why; :mod:`._decision` applies it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from leadlever.optimisers.allocation._decision import DecisionSettings
    from leadlever.optimisers.curves._result import CurveDraws

__all__ = ["narrow_channels", "narrow_rule"]


def narrow_rule(settings: DecisionSettings) -> str:
    """The rule in words, for the decision's assumptions."""
    if settings.narrow_range <= 0 or settings.extrapolate:
        return "no rule"
    return (
        f"a trusted channel spent within a range below {settings.narrow_range:.0%} of its "
        "largest week, whose marginal return's 90 % interval is wider than "
        f"{settings.narrow_width:g}x its median: at most its largest spend seen"
    )


def _money(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 10 else f"{v:,.3g}"


def narrow_channels(
    names: list[str],
    current: np.ndarray | None,
    quality: list[str],
    settings: DecisionSettings,
    *,
    max_observed: np.ndarray | None,
    min_observed: np.ndarray | None,
    draws: CurveDraws | None,
) -> tuple[np.ndarray, list[str]]:
    """Which trusted channels were spent in too narrow a range to extrapolate, and why.

    A channel is *narrow* when (largest - smallest weekly spend seen) / largest is below
    ``settings.narrow_range`` **and** the draws' marginal return at today's spend has a 90 %
    interval wider than ``settings.narrow_width`` x its median. With carry-over and the
    shared time effect a narrow range can leave the slope poorly known, and the evidence
    margin would then bet on it; a narrow range alone is common, and capping every such
    channel cost more than it saved on the decision benchmark (BENCHMARKS.md, issue 18). Such a
    channel gets no evidence margin: at most its largest spend seen. Without draws, without
    today's spend, with ``narrow_range=0`` or ``extrapolate``: none.
    """
    n = len(names)
    flag = np.zeros(n, bool)
    why = [""] * n
    if (
        draws is None
        or current is None
        or max_observed is None
        or min_observed is None
        or settings.narrow_range <= 0
        or settings.extrapolate
        or set(names) - set(draws.channels)
    ):
        return flag, why
    hi = np.asarray(max_observed, float)
    lo = np.asarray(min_observed, float)
    cur = np.asarray(current, float)
    spread = np.where(hi > 0, (hi - lo) / np.where(hi > 0, hi, 1.0), np.nan)
    d = draws.select(names).derivatives(np.maximum(cur, 1e-12))
    q5, q50, q95 = np.quantile(d, [0.05, 0.5, 0.95], axis=0)
    width = np.where(q50 > 0, (q95 - q5) / np.where(q50 > 0, q50, 1.0), np.inf)
    for i in range(n):
        if (
            quality[i] == "trusted"
            and np.isfinite(spread[i])
            and spread[i] < settings.narrow_range
            and width[i] > settings.narrow_width
        ):
            flag[i] = True
            why[i] = (
                f"spent only between {_money(lo[i])} and {_money(hi[i])} a week "
                f"({spread[i]:.0%} of its largest week, below {settings.narrow_range:.0%}) and "
                "the return of one more "
                f"unit at today's spend is uncertain (90 % interval {q5[i]:.3g} to {q95[i]:.3g}): "
                "too narrow a range to know how it responds beyond it"
            )
    return flag, why
