"""Diagnostics that decide: is a channel's fitted curve good enough to move money on?

Each channel gets a verdict ``quality`` and its reasons in plain words:

* **unidentified** (the data cannot show a curve, or should not be acted on):
  a channel that has **ended** (no spend in the last :data:`ENDED_WEEKS` weeks
  of a dated history: it is held at its current spend, 0, so it gets no
  budget), fewer than :data:`MIN_OBSERVATIONS` **active** weeks (weeks with a
  positive spend: weeks without a row, or with spend 0, do not count), spend
  that hardly varied over the active weeks (fewer than 3 distinct positive
  spends, or a range below :data:`MIN_SPEND_RANGE` of the largest spend),
  value that is always zero, a fit that failed, or a curve that explains none
  of the variation (:math:`R^2 \\le 0`, on the weeks with a row);
* **weak** (a curve, but not one to bet on): :math:`R^2` below
  :data:`MIN_R2`, a parameter on its bound (the data do not pin it down: e.g.
  the half-saturation spend at its upper bound means saturation is not visible
  in the data), a parameter without a standard error, or a marginal return at
  the current spend whose 90 % interval is wider than :data:`MAX_MROI_WIDTH`
  times its median;
* **trusted** otherwise.

The allocator holds channels that are not trusted at their current spend unless
asked otherwise (:mod:`leadlever.optimisers.allocation._decision`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "ChannelEvidence",
    "judge",
    "MIN_R2",
    "MIN_OBSERVATIONS",
    "MIN_SPEND_RANGE",
    "MAX_MROI_WIDTH",
    "ENDED_WEEKS",
    "ENDED",
    "has_ended",
    "weekly_assumptions",
]

#: below this R² a curve is weak (the issue's rule)
MIN_R2 = 0.3
#: fewer active observations (positive spend) than this: unidentified
MIN_OBSERVATIONS = 8
#: no spend in this many weeks at the end of a dated history: the channel has ended
ENDED_WEEKS = 8
#: the first word of an ended channel's first reason (what the curves file keeps of it)
ENDED = "ended:"
#: spend range (max - min) / max below this: unidentified
MIN_SPEND_RANGE = 0.05
#: 90 % interval of the marginal return at current spend wider than this x its median: weak
MAX_MROI_WIDTH = 2.0

_PARAM_WORDS = {
    "half_saturation": (
        "the half-saturation spend sits on its lower bound: the channel looks saturated at every "
        "spend seen, so its response cannot be measured",
        "the half-saturation spend sits on its upper bound: the data do not show where the channel "
        "saturates",
    ),
    "shape": (
        "the curve's shape sits on its lower bound (the steepest possible start)",
        "the curve's shape sits on its upper bound (a step-like S-curve the data cannot pin down)",
    ),
    "adstock": (
        "",
        "the carry-over rate sits on its upper bound: effects last longer than the model allows",
    ),
}


@dataclass(frozen=True)
class ChannelEvidence:
    """What the diagnostics look at for one channel.

    ``n``, ``distinct_spends``, ``min_spend`` and ``max_spend`` are counted on the active
    observations (positive spend); ``idle`` is the number of weeks after the last one with
    spend (``last_spend``), judged against ``ended_after`` (0: never ended).
    """

    n: int
    distinct_spends: int
    min_spend: float
    max_spend: float
    any_value: bool
    r2: float
    at_bound: dict[str, str] = field(default_factory=dict)
    missing_se: tuple[str, ...] = ()
    mroi_interval: tuple[float, float, float] | None = None  # (5 %, 50 %, 95 %)
    failed: str = ""
    period_word: str = "weeks"
    response_word: str = "value"
    idle: int = 0
    last_spend: str = ""
    ended_after: int = ENDED_WEEKS

    @property
    def ended(self) -> bool:
        """No spend in the last ``ended_after`` periods (and some before): the channel has
        ended, so its current spend is 0."""
        return bool(self.ended_after and self.n and self.idle >= self.ended_after)


def _money(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 10 else f"{v:,.3g}"


def judge(ev: ChannelEvidence) -> tuple[str, tuple[str, ...]]:
    """(quality, reasons) for a channel's evidence (see the module docstring)."""
    hard: list[str] = []
    soft: list[str] = []
    if ev.ended:
        hard.append(
            f"{ENDED} no spend since {ev.last_spend} ({ev.idle} {ev.period_word} before the "
            "export's end), so held at its current spend, 0"
        )
    if ev.failed:
        hard.append(ev.failed)
    if ev.n < MIN_OBSERVATIONS:
        hard.append(
            f"only {ev.n} {ev.period_word if ev.n != 1 else ev.period_word[:-1]} with spend (at "
            f"least {MIN_OBSERVATIONS} are needed to see a curve)"
        )
    spread = (ev.max_spend - ev.min_spend) / ev.max_spend if ev.max_spend > 0 else 0.0
    if ev.distinct_spends < 3 or spread < MIN_SPEND_RANGE:
        hard.append(
            f"spend hardly varied ({_money(ev.min_spend)} to {_money(ev.max_spend)}): the data cannot "
            "show how value responds to spend"
        )
    if not ev.any_value:
        hard.append("its value is zero in every period")
    if np.isfinite(ev.r2) and ev.r2 <= 0 and not hard:
        hard.append(
            f"the curve explains none of the variation in {ev.response_word} (R² {ev.r2:.2f}): "
            "spend does not "
            "visibly drive it"
        )
    if hard:
        return "unidentified", tuple(hard)
    if not np.isfinite(ev.r2) or ev.r2 < MIN_R2:
        soft.append(
            f"the curve explains only {max(ev.r2, 0):.0%} of the variation in {ev.response_word} "
            f"(R² {ev.r2:.2f} < {MIN_R2})"
        )
    for name, side in ev.at_bound.items():
        words = _PARAM_WORDS.get(name, ("", ""))[side == "upper"]
        if words:
            soft.append(words)
        elif name not in _PARAM_WORDS:
            soft.append(f"the parameter '{name}' sits on its {side} bound")
    missing = [n for n in ev.missing_se if n not in ev.at_bound]
    if missing:
        soft.append(
            f"no standard error for {', '.join(missing)}: the data do not identify "
            f"{'it' if len(missing) == 1 else 'them'}"
        )
    if ev.mroi_interval is not None:
        lo, mid, hi = ev.mroi_interval
        if mid > 0 and (hi - lo) / mid > MAX_MROI_WIDTH:
            soft.append(
                f"the return of one more unit of spend at the current level is uncertain "
                f"(90 % interval {lo:.3g} to {hi:.3g})"
            )
    return ("weak", tuple(soft)) if soft else ("trusted", ())


def has_ended(reasons: tuple[str, ...] | list[str]) -> bool:
    """Whether a channel's verdict says it has ended (see :func:`judge`)."""
    return any(str(r).startswith(ENDED) for r in reasons)


def weekly_assumptions(model: Any, sequential: bool) -> list[dict[str, Any]]:
    """The defaults a weekly fit rests on (curve kind, current spend, ended channels,
    posterior draws), each with its source, for the fit's ``assumptions``."""
    return [
        {
            "name": "curve kind",
            "value": model.kind,
            "source": "default" if model.kind == "hill" else "option",
        },
        {
            "name": "current spend",
            "value": f"mean of the last {model.current_periods} weeks"
            if sequential
            else "mean spend per observation",
            "source": "default",
        },
        *(
            [
                {
                    "name": "ended channels",
                    "value": f"no spend in the last {model.ended_weeks} weeks: unidentified, "
                    "held at its current spend (0)"
                    if model.ended_weeks
                    else "never (option)",
                    "source": "default" if model.ended_weeks == ENDED_WEEKS else "option",
                }
            ]
            if sequential
            else []
        ),
        {"name": "posterior draws", "value": model.n_draws, "source": "default"},
    ]
