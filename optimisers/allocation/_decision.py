r"""A budget decision you can trust: evidence caps, held channels, uncertainty, one answer.

:func:`recommend` turns fitted curves into a split of the budget and says how sure it is:

* **never beyond the evidence**: a channel's spend stays below its largest
  observed weekly spend :math:`\times (1 + \text{margin})` (default margin 0.2)
  unless extrapolation is asked for; a channel whose curve is not trusted
  (:mod:`~leadlever.optimisers.curves._diagnostics`) is **held**: a weak one
  near its current share of the budget (at most ``hold_band``, 50 %, away, and
  within the spend range its history shows), an unidentified one at it. A trusted
  channel spent only within a **narrow range** (largest - smallest weekly spend below
  ``narrow_range``, 30 %, of the largest) whose marginal return at today's spend is
  uncertain (its 90 % posterior interval wider than ``narrow_width``, 1.0, times its
  median) gets no margin: at most its largest spend seen
  (:func:`~leadlever.optimisers.allocation._narrow.narrow_channels`).
  Every held or capped channel is named with why, and with what the limit
  costs: the value the fitted curves say lifting it (caps to ``lift_to`` x the
  largest spend seen, holds released) would add: a reason to test higher spend
  there, not a promise;
* **uncertainty carried into the decision**: with posterior draws of the curves
  (:class:`~leadlever.optimisers.curves.CurveDraws`) every figure has its
  draws: ``uplift_interval`` (90 %) and ``p_better``, the probability that the
  new split beats the current one. ``risk="cvar"`` chooses the split that
  maximises the mean value of the worst ``risk_level`` share of the draws
  (conditional value at risk) instead of the fitted value;
* **uplift at equal budget**: ``uplift`` compares the recommended split with the
  current split scaled to the same budget; when the budget differs from today's
  total, ``value_change`` compares with the current spend as it is.

The CVaR split is found by a line search on the segment from the current
split to the fitted optimum, then Frank-Wolfe steps on the draws' CVaR
(concave in the spend for concave curves), keeping the best point seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from leadlever.optimisers.allocation._allocator import allocate
from leadlever.optimisers.allocation._held import (
    ended_channels,
    evidence_bounds,
    far_tail_notes,
    held_channels,
)
from leadlever.optimisers.allocation._narrow import narrow_channels, narrow_rule
from leadlever.optimisers.allocation._recommendation import ChannelDecision, Recommendation
from leadlever.optimisers.allocation._risk import risk_split
from leadlever.optimisers.curves._result import CurveDraws
from leadlever.optimisers.curves._stack import CurveStack
from leadlever.optimisers.exceptions import InfeasibleRequirementError, OptimiserError

__all__ = ["DecisionSettings", "recommend", "RISKS", "UNTRUSTED"]

RISKS = ("mean", "cvar")
UNTRUSTED = ("hold", "lock", "free")
_HOLD_WORDS = {
    "hold": "weak: near their current share; unidentified: at their current share",
    "lock": "at their current share",
    "free": "free to move (a channel that has ended stays at 0)",
}
#: relative tolerance for "at its cap" and "same budget"
_AT_CAP = 1e-6
#: relative difference of two budgets that is only rounding
_SAME = 1e-9


@dataclass(frozen=True)
class DecisionSettings:
    """How far a decision may go and how it weighs uncertainty.

    Parameters
    ----------
    margin : float
        Evidence cap: spend <= largest observed weekly spend x (1 + margin).
    extrapolate : bool
        Lift the evidence caps (the answer then rests on extrapolated curves).
    untrusted : {"hold", "lock", "free"}
        Channels whose curve is not trusted: "hold" keeps a weak one near its current
        share (at most ``hold_band`` away, within the spend range its history shows) and an
        unidentified one at its current share; "lock" keeps both at their current share;
        "free" lets them move.
    risk : {"mean", "cvar"}
        Maximise the fitted value, or the mean of the worst ``risk_level`` of the draws.
    risk_level : float
        Share of the worst draws averaged by ``risk="cvar"``.
    interval : float
        Probability of the reported intervals.
    lift_to : float
        What a limit costs is priced with caps at this multiple of the largest spend seen.
    hold_band : float
        How far a weak channel may move from its current share ("held near" it), as a share.
    narrow_range, narrow_width : float
        A trusted channel whose spend range seen, (largest - smallest) / largest, is below
        ``narrow_range`` and whose marginal return at today's spend has a 90 % posterior
        interval wider than ``narrow_width`` x its median is capped at its largest spend seen
        (no margin; :func:`~leadlever.optimisers.allocation._narrow.narrow_channels`).
        ``narrow_range=0`` turns the rule off; it needs posterior draws.
    """

    margin: float = 0.2
    extrapolate: bool = False
    untrusted: str = "hold"
    risk: str = "mean"
    risk_level: float = 0.1
    interval: float = 0.9
    lift_to: float = 2.0
    hold_band: float = 0.5
    narrow_range: float = 0.3
    narrow_width: float = 1.0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.margin) and self.margin >= 0):
            raise OptimiserError(f"The evidence margin must be a number >= 0. Got {self.margin!r}.")
        if self.untrusted not in UNTRUSTED:
            raise OptimiserError(
                f"untrusted must be one of {', '.join(UNTRUSTED)}. Got {self.untrusted!r}."
            )
        if self.risk not in RISKS:
            raise OptimiserError(f"risk must be one of {', '.join(RISKS)}. Got {self.risk!r}.")
        if not self.hold_band >= 0:
            raise OptimiserError(f"hold_band must be a share >= 0. Got {self.hold_band!r}.")
        if not (0 <= self.narrow_range <= 1 and self.narrow_width >= 0):
            raise OptimiserError(
                "narrow_range must be a share in [0, 1] and narrow_width a number >= 0. Got "
                f"{self.narrow_range!r} and {self.narrow_width!r}."
            )
        if not 0 < self.risk_level <= 1 or not 0 < self.interval < 1:
            raise OptimiserError("risk_level must be in (0, 1] and interval in (0, 1).")

    def assumptions(self, source: dict[str, str] | None = None) -> list[dict[str, Any]]:
        src = source or {}
        return [
            {
                "name": "evidence margin",
                "value": self.margin,
                "source": src.get("margin", "default"),
            },
            {
                "name": "channels not trusted",
                "value": _HOLD_WORDS[self.untrusted].replace(
                    "near their current share",
                    f"within {self.hold_band:.0%} of their current share",
                ),
                "source": src.get("untrusted", "default"),
            },
            {
                "name": "narrow spend range",
                "value": narrow_rule(self),
                "source": src.get("narrow_range", "default"),
            },
            {"name": "risk", "value": self.risk, "source": src.get("risk", "default")},
            {"name": "interval", "value": self.interval, "source": "default"},
        ]


def recommend(
    names: list[str],
    curves: list[Any],
    budget: float | None,
    *,
    current_spend: np.ndarray,
    max_observed: np.ndarray | None = None,
    min_observed: np.ndarray | None = None,
    quality: list[str] | None = None,
    reasons: list[tuple[str, ...]] | None = None,
    min_spend: np.ndarray | None = None,
    max_spend: np.ndarray | None = None,
    objective: str = "value",
    draws: CurveDraws | None = None,
    settings: DecisionSettings | None = None,
    assumptions: tuple[dict[str, Any], ...] = (),
    limits: tuple[np.ndarray, np.ndarray] | None = None,
) -> Recommendation:
    """Recommend a split of ``budget`` (default: today's total) within the evidence.

    Parameters
    ----------
    names, curves : list
        Channel names and their steady-state curves.
    current_spend : array
        Today's weekly spend per channel.
    max_observed : array, optional
        Largest weekly spend seen per channel (NaN: unknown, no cap).
    quality, reasons : list, optional
        Verdicts of the diagnostics (default: all trusted).
    min_spend, max_spend : array, optional
        Explicit limits (an explicit ``max_spend`` replaces the evidence cap).
    draws : CurveDraws, optional
        Posterior draws: intervals, ``p_better`` and the risk-aware split.
    limits : (array, array), optional
        Further bounds intersected with all the others (e.g. this week's largest move).
    """
    settings = settings or DecisionSettings()
    n = len(names)
    known = current_spend is not None
    if not known and budget is None:
        raise OptimiserError("Without today's spend per channel, give the budget.")
    cur = np.asarray(current_spend, float) if known else np.full(n, float(budget) / n)
    cur_total = float(cur.sum())
    budget = cur_total if budget is None else float(budget)
    if not np.isfinite(budget) or budget < 0:
        raise OptimiserError(f"The budget must be a finite number >= 0. Got {budget!r}.")
    quality = list(quality or ["trusted"] * n)
    reasons = list(reasons or [()] * n)
    max_obs = np.full(n, np.nan) if max_observed is None else np.asarray(max_observed, float)
    explicit = np.full(n, np.inf) if max_spend is None else np.asarray(max_spend, float)
    lo = np.zeros(n) if min_spend is None else np.asarray(min_spend, float).copy()
    scale = budget / cur_total if cur_total > 0 else 1.0
    held = held_channels(quality, settings, reasons)
    ended = ended_channels(reasons, n)
    if held.any() and not known:
        raise OptimiserError(
            "Channels that are not trusted are held at today's spend, which is not given: add a "
            "current_spend column, or let them move (--untrusted free)."
        )
    if draws is not None:
        draws = draws.select(names)
    narrow, narrow_why = narrow_channels(
        names,
        cur if known else None,
        quality,
        settings,
        max_observed=max_obs,
        min_observed=min_observed,
        draws=draws,
    )
    lo, hi, cap, ranged = evidence_bounds(
        cur * scale,
        quality,
        settings,
        max_observed=max_obs,
        min_observed=min_observed,
        max_spend=explicit,
        min_spend=lo,
        narrow=narrow,
        reasons=reasons,
    )
    if limits is not None:
        lo = np.maximum(lo, np.asarray(limits[0], float))
        hi = np.maximum(np.minimum(hi, np.asarray(limits[1], float)), lo)
    notes: list[str] = []
    unallocated = 0.0
    exact = objective == "value"
    if held.any() and lo.sum() > budget * (1 + _AT_CAP) + _SAME:
        raise InfeasibleRequirementError(
            f"The held channels and minimum spends need {lo.sum():,.6g}, more than the budget "
            f"{budget:,.6g}. Raise the budget, or let channels that are not trusted move "
            "(--untrusted free).",
            "budget_below_min",
        )
    if exact and hi.sum() < budget:
        unallocated = budget - float(hi.sum())
        notes.append(
            f"The evidence supports at most {hi.sum():,.0f} a week (each channel at most "
            f"{1 + settings.margin:.2g}x its largest weekly spend seen"
            f"{', a narrow-range one 1x' if narrow.any() else ''}); {unallocated:,.0f} of the "
            "budget is left unallocated. Raise --margin or pass --extrapolate to spend it on "
            "extrapolated curves, or test higher spend first."
        )
    spend_budget = budget - unallocated
    x_eq = np.clip(cur * (spend_budget / cur_total if cur_total > 0 else 1.0), lo, hi)
    feasible_eq = abs(x_eq.sum() - spend_budget) <= _SAME * max(spend_budget, 1.0) or not exact
    alloc = allocate(
        curves,
        spend_budget,
        names=names,
        objective=objective,
        min_spend=lo,
        max_spend=hi,
        current_spend=x_eq if feasible_eq and known else None,
    )
    x = np.asarray(alloc.spend, float)
    price = None if exact else 1.0
    if draws is not None:
        if settings.risk == "cvar":
            start = x_eq if feasible_eq else x
            x = risk_split(draws, start, x, lo, hi, spend_budget, settings.risk_level, price)
            alloc = allocate(
                curves,
                spend_budget,
                names=names,
                objective=objective,
                min_spend=np.minimum(x, hi),
                max_spend=np.maximum(x, lo),
                current_spend=x_eq if feasible_eq and known else None,
            )
            x = np.asarray(alloc.spend, float)
    stack = CurveStack(curves)

    def fitted(v):
        return float(stack.value(v).sum() - (0.0 if exact else v.sum()))

    uplift = fitted(x) - fitted(x_eq) if known else None
    value_change = (
        None
        if not known or abs(budget - cur_total) <= _AT_CAP * max(cur_total, 1.0)
        else fitted(x) - fitted(cur)
    )
    q = ((1 - settings.interval) / 2, 1 - (1 - settings.interval) / 2)
    up_iv = vc_iv = p_better = None
    if draws is not None and known:

        def drawn(v):
            return draws.values(v).sum(axis=1) - (0.0 if exact else v.sum())

        d_up = drawn(x) - drawn(x_eq)
        up_iv = tuple(float(v) for v in np.quantile(d_up, q))
        p_better = (
            float(np.mean(d_up > 0)) if np.any(np.abs(x - x_eq) > _AT_CAP * max(budget, 1)) else 0.0
        )
        if value_change is not None:
            vc_iv = tuple(float(v) for v in np.quantile(drawn(x) - drawn(cur), q))
        notes += far_tail_notes(draws, np.maximum(x, cur))
    lifted_hi = np.where(
        np.isfinite(explicit),
        explicit,
        np.where(np.isfinite(max_obs), max_obs * settings.lift_to, np.inf),
    )
    lifted_hi = np.maximum(lifted_hi, hi)
    base_lo = np.zeros(n) if min_spend is None else np.asarray(min_spend, float)
    # an ended channel's hold is not an evidence limit: restarting it is another decision,
    # so what the limits cost is priced with it kept where it is
    lifted_hi = np.where(ended, hi, lifted_hi)
    base_lo = np.where(ended, lo, base_lo)

    def value_with(lo_, hi_):
        if hi_.sum() < spend_budget and exact:
            return fitted(x)
        try:
            a = allocate(
                curves,
                spend_budget,
                names=names,
                objective=objective,
                min_spend=lo_,
                max_spend=hi_,
                current_spend=x if exact else None,
            )
        except OptimiserError:
            return fitted(x)
        return max(fitted(np.asarray(a.spend)), fitted(x))

    limits_cost = (
        value_with(base_lo, lifted_hi) - fitted(x)
        if (held.any() or np.any(x >= hi * (1 - _AT_CAP)))
        else 0.0
    )
    decisions = []
    for i, name in enumerate(names):
        at_cap = not held[i] and np.isfinite(hi[i]) and x[i] >= hi[i] * (1 - _AT_CAP) and hi[i] > 0
        cost = 0.0
        if (held[i] or at_cap) and not ended[i]:
            lo_i, hi_i = lo.copy(), hi.copy()
            lo_i[i], hi_i[i] = base_lo[i], lifted_hi[i] if at_cap else cap[i]
            cost = value_with(lo_i, hi_i) - fitted(x)
        if held[i]:
            status = "held"
            where = (
                f"held near its current share ({lo[i]:,.0f} to {hi[i]:,.0f}: at most "
                f"{settings.hold_band:.0%} away, within the spend range seen)"
                if ranged[i]
                else "held at its current share"
            )
            why = f"{where}: its curve is {quality[i]}" + (
                f" ({reasons[i][0]})" if reasons[i] else ""
            )
            if ended[i] and settings.untrusted == "free":
                why += (
                    "; --untrusted free lets curves move but does not restart a channel that "
                    "has ended (allocate fit --ended-weeks 0 judges it on its curve)"
                )
        elif at_cap:
            status = "capped"
            why = (
                f"at its evidence cap {hi[i]:,.0f} ({1 + settings.margin:.2g}x the largest weekly "
                f"spend seen, {max_obs[i]:,.0f})"
                if np.isfinite(max_obs[i]) and not np.isfinite(explicit[i])
                else f"at its max_spend {hi[i]:,.0f}"
            )
            if narrow[i] and not np.isfinite(explicit[i]):
                why = (
                    f"at its largest weekly spend seen, {hi[i]:,.0f} (no evidence margin): "
                    + narrow_why[i]
                )
        else:
            status, why = "free", ""
        decisions.append(
            ChannelDecision(
                name,
                float(cur[i]),
                float(x[i]),
                float(cap[i]),
                quality[i],
                status,
                why,
                float(cost),
            )
        )
    return Recommendation(
        allocation=alloc,
        budget=budget,
        current_budget=cur_total,
        uplift=None if uplift is None else float(uplift),
        uplift_interval=up_iv,
        p_better=p_better,
        value_change=value_change,
        value_change_interval=vc_iv,
        limits_cost=float(max(limits_cost, 0.0)),
        unallocated=float(unallocated),
        risk=settings.risk,
        n_draws=0 if draws is None else draws.n,
        channels=tuple(decisions),
        assumptions=(*assumptions, *settings.assumptions()),
        notes=tuple(notes),
        reference_spend=tuple(float(v) for v in x_eq) if known else None,
    )
