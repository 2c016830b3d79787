r"""Solve the two-class formula for one lever, in closed form.

A target is a profit per lead :math:`T`, a total profit :math:`T_N`
(:math:`T = T_N / N`) or a margin :math:`\mu^*` (profit over revenue). Both
kinds are the root of one condition that is affine in every lever,

.. math::
    g = (1 - \mu^*)\,m\,[pR_H + (1-p)R_L] - [pC_H + (1-p)C_L] - T = 0,

with :math:`\mu^* = 0` for a profit target and :math:`T = 0` for a margin
target. Writing :math:`k = (1-\mu^*)m`, :math:`g = a + bx` for lever :math:`x`:

============  =======================================================  ===========================
lever         :math:`a`                                                :math:`b`
============  =======================================================  ===========================
p             :math:`kR_L - C_L - T`                                   :math:`k(R_H - R_L) - (C_H - C_L)`
R_H           :math:`k(1-p)R_L - \bar C - T`                           :math:`kp`
R_L           :math:`kpR_H - \bar C - T`                               :math:`k(1-p)`
C_H           :math:`k\bar R - (1-p)C_L - T`                           :math:`-p`
C_L           :math:`k\bar R - pC_H - T`                               :math:`-(1-p)`
m             :math:`-\bar C - T`                                      :math:`(1-\mu^*)\bar R`
============  =======================================================  ===========================

(:math:`\bar R = pR_H + (1-p)R_L` at list prices, :math:`\bar C = pC_H + (1-p)C_L`),
so :math:`x = -a/b`. A root outside the lever's range (:math:`p \in [0, 1]`,
everything else :math:`\ge 0`), or :math:`b = 0`, is an
:class:`~leadlever.pricing.exceptions.UnreachableTargetError` that says which other
levers would reach the target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from leadlever.pricing._formulas import LEVERS, TwoClassLevers, evaluate
from leadlever.pricing.exceptions import PricingError, UnreachableTargetError

__all__ = ["SolveResult", "solve_lever", "lever_coefficients"]

_LABEL = {
    "p": "the share of high-quality leads p",
    "r_high": "the high-quality revenue R_high",
    "c_high": "the high-quality cost C_high",
    "r_low": "the low-quality revenue R_low",
    "c_low": "the low-quality cost C_low",
    "multiplier": "the price multiplier",
}


@dataclass(frozen=True)
class SolveResult:
    """The lever value that reaches a target, and the economics it gives.

    ``any_value`` is True when the target does not depend on the lever and
    already holds: every value reaches it, and ``value`` is the current one.
    """

    lever: str
    value: float
    target: str
    target_value: float
    expected_profit_per_lead: float
    expected_profit_total: float
    margin: float | None
    levers: TwoClassLevers
    any_value: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "lever": self.lever,
            "value": self.value,
            "any_value": self.any_value,
            "target": self.target,
            "target_value": self.target_value,
            "expected_profit_per_lead": self.expected_profit_per_lead,
            "expected_profit_total": self.expected_profit_total,
            "margin": self.margin,
            "levers": self.levers.to_dict(),
        }


def lever_coefficients(
    levers: TwoClassLevers, lever: str, *, margin: float = 0.0, profit: float = 0.0
) -> tuple[float, float]:
    """Coefficients ``(a, b)`` of the target condition ``a + b * x = 0`` in ``lever``."""
    lv = levers
    p, rh, rl, ch, cl, m = lv.p, lv.r_high, lv.r_low, lv.c_high, lv.c_low, lv.multiplier
    k = (1.0 - margin) * m
    rbar = p * rh + (1 - p) * rl
    cbar = p * ch + (1 - p) * cl
    table = {
        "p": (k * rl - cl - profit, k * (rh - rl) - (ch - cl)),
        "r_high": (k * (1 - p) * rl - cbar - profit, k * p),
        "r_low": (k * p * rh - cbar - profit, k * (1 - p)),
        "c_high": (k * rbar - (1 - p) * cl - profit, -p),
        "c_low": (k * rbar - p * ch - profit, -(1 - p)),
        "multiplier": (-cbar - profit, (1.0 - margin) * rbar),
    }
    if lever not in table:
        raise PricingError(
            f"The 'lever' parameter must be one of {', '.join(LEVERS)}. Got {lever!r} instead."
        )
    return table[lever]


#: a coefficient below this share of the terms' magnitude may be round-off
ROUND_OFF_RTOL = 1e-12
#: a target residual below this share of the terms' magnitude is met
TARGET_RTOL = 1e-9


def _root(
    levers: TwoClassLevers, lever: str, margin: float, profit: float
) -> tuple[float | None, str]:
    """The admissible root, or None and the reason."""
    a, b = lever_coefficients(levers, lever, margin=margin, profit=profit)
    lv = levers
    # magnitude of the terms summed into a and b: the scale of their round-off
    mag = (
        abs((1 - margin) * lv.multiplier) * (lv.r_high + lv.r_low)
        + lv.c_high
        + lv.c_low
        + abs(profit)
        + 1.0
    )
    if abs(b) <= ROUND_OFF_RTOL * mag:
        if abs(a) <= TARGET_RTOL * mag:
            return getattr(levers, lever), "any value reaches the target"
        if b == 0 or not math.isfinite(-a / b):
            return (
                None,
                f"the target does not depend on {_LABEL[lever]} here (its coefficient is 0)",
            )
        # a tiny coefficient can be exact (C_high's is -p, with p = 2**-24): its root stands
    x = -a / b
    tol = TARGET_RTOL * mag / abs(b)
    if -tol < x < 0:
        x = 0.0
    if lever == "p" and 1 < x < 1 + tol:
        x = 1.0
    if x < 0:
        return None, f"it would need {lever} = {x:.6g}, below 0"
    if lever == "p" and x > 1:
        return None, f"it would need p = {x:.6g}, above 1"
    return x, ""


def _needed(levers: TwoClassLevers, lever: str, margin: float, profit: float) -> float | None:
    a, b = lever_coefficients(levers, lever, margin=margin, profit=profit)
    return None if b == 0 else -a / b


def _target_text(margin: float | None, profit: float, total: float | None) -> str:
    if margin is not None:
        return f"a margin of {margin:.4g}"
    if total is not None:
        return f"a total profit of {total:,.6g}"
    return f"a profit of {profit:,.6g} per lead"


def solve_lever(
    levers: TwoClassLevers,
    lever: str,
    *,
    target_profit: float | None = None,
    target_total: float | None = None,
    target_margin: float | None = None,
) -> SolveResult:
    """Value of one lever that makes the two-class formula reach a target.

    Parameters
    ----------
    levers : TwoClassLevers
        Current values; the one named by ``lever`` is replaced by the solution.
    lever : {"p", "r_high", "c_high", "r_low", "c_low", "multiplier"}
    target_profit, target_total, target_margin : float
        Exactly one: profit per lead, total profit over ``levers.n`` leads, or
        margin (profit / revenue, < 1).

    Raises
    ------
    UnreachableTargetError
        No admissible value reaches the target; the message names the value it
        would need and the other levers that would reach it.
    """
    given = [t is not None for t in (target_profit, target_total, target_margin)]
    if sum(given) != 1:
        raise PricingError(
            "Give exactly one of target_profit, target_total and target_margin. "
            f"Got {sum(given)} instead."
        )
    if lever not in LEVERS:
        raise PricingError(
            f"The 'lever' parameter must be one of {', '.join(LEVERS)}. Got {lever!r} instead."
        )
    margin, profit, kind = 0.0, 0.0, "profit_per_lead"
    if target_margin is not None:
        margin = float(target_margin)
        if not math.isfinite(margin) or margin >= 1:
            raise PricingError(
                "The 'target_margin' parameter must be a finite number below 1 (a margin is profit "
                f"over revenue). Got {target_margin!r} instead."
            )
        kind, value = "margin", margin
    elif target_total is not None:
        profit, kind, value = float(target_total) / levers.n, "profit_total", float(target_total)
    else:
        profit, value = float(target_profit), float(target_profit)
    if not math.isfinite(profit):
        raise PricingError(f"The target must be a finite number. Got {value!r} instead.")

    x, reason = _root(levers, lever, margin, profit)
    if x is None:
        needed = _needed(levers, lever, margin, profit)
        base, at = levers, "with the other levers as given"
        if needed is not None:
            bound = min(max(needed, 0.0), 1.0) if lever == "p" else max(needed, 0.0)
            base = levers.with_value(lever, bound)
            at = f"with {lever} at its limit {bound:g} and the other levers as given"
        alternatives = []
        for other in LEVERS:
            if other == lever:
                continue
            y, _ = _root(base, other, margin, profit)
            if y is not None:
                alternatives.append(f"{other} = {y:.6g}")
        if alternatives:
            hint = f"It would be reached, {at}, by " + ", or ".join(alternatives) + "."
        else:
            hint = "No single other lever reaches it either; lower the target."
        raise UnreachableTargetError(
            f"No admissible value of {_LABEL[lever]} reaches "
            f"{_target_text(target_margin, profit, target_total)}: {reason}. {hint}",
            lever=lever,
            needed=needed,
        )
    solved = levers.with_value(lever, x)
    res = evaluate(solved)
    return SolveResult(
        lever=lever,
        value=float(x),
        target=kind,
        target_value=value,
        expected_profit_per_lead=res.expected_profit_per_lead,
        expected_profit_total=res.expected_profit_total,
        margin=res.margin,
        levers=solved,
        any_value=reason == "any value reaches the target",
    )
