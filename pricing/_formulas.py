r"""The case's expected-profit formulas for selling leads.

Two quality classes (the case, "Price leads"): a share :math:`p` of the leads is
predicted high quality (``p_convert`` above the quality threshold); a lead of
quality class :math:`g` sells for :math:`R_g` and cost :math:`C_g` to generate. With a
uniform price multiplier :math:`m` (1 = list prices) the expected profit per
lead is

.. math::
    \pi(p) = p\,(mR_H - C_H) + (1 - p)\,(mR_L - C_L),

the total over :math:`N` leads is :math:`N\pi`, the margin is profit over
revenue, :math:`\mu = \pi / (m\,[pR_H + (1-p)R_L])`, and the break-even share
is the root of :math:`\pi(p) = 0`,

.. math::
    p_0 = \frac{mR_L - C_L}{(mR_L - C_L) - (mR_H - C_H)}.

With :math:`k` quality classes of shares :math:`s_k` (summing to 1):
:math:`\pi = \sum_k s_k\,(mR_k - C_k)`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from leadlever.pricing.exceptions import PricingError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "LEVERS",
    "TwoClassLevers",
    "PricingResult",
    "BreakEven",
    "KClassResult",
    "expected_profit_per_lead",
    "break_even_p",
    "evaluate",
    "expected_profit_k",
    "profit_sensitivity",
]

#: the levers :func:`leadlever.pricing._solve.solve_lever` can solve for
LEVERS = ("p", "r_high", "c_high", "r_low", "c_low", "multiplier")


def _finite(
    name: str, value: float, *, low: float | None = None, high: float | None = None
) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise PricingError(
            f"The '{name}' parameter must be a number. Got {value!r} instead."
        ) from None
    if not math.isfinite(x) or (low is not None and x < low) or (high is not None and x > high):
        rng = (
            f"in [{low:g}, {high:g}]"
            if high is not None
            else f">= {low:g}"
            if low is not None
            else "finite"
        )
        raise PricingError(
            f"The '{name}' parameter must be a finite number {rng}. Got {value!r} instead."
        )
    return x


@dataclass(frozen=True)
class TwoClassLevers:
    """The levers of the two-class formula (high / low quality).

    Parameters
    ----------
    p : float
        Share of leads predicted high quality, in [0, 1].
    r_high, r_low : float
        Sale revenue per high / low quality lead (>= 0).
    c_high, c_low : float
        Generation cost per high / low quality lead (>= 0).
    multiplier : float
        Uniform price multiplier :math:`m` applied to both revenues (>= 0).
    n : int
        Number of leads (for totals, >= 1).
    """

    p: float
    r_high: float
    c_high: float
    r_low: float
    c_low: float
    multiplier: float = 1.0
    n: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "p", _finite("p", self.p, low=0.0, high=1.0))
        for name in ("r_high", "c_high", "r_low", "c_low", "multiplier"):
            object.__setattr__(self, name, _finite(name, getattr(self, name), low=0.0))
        if isinstance(self.n, bool) or not isinstance(self.n, int | np.integer) or self.n < 1:
            raise PricingError(
                f"The 'n' parameter must be an integer >= 1. Got {self.n!r} instead."
            )
        object.__setattr__(self, "n", int(self.n))

    def with_value(self, lever: str, value: float) -> TwoClassLevers:
        """A copy with one lever set to ``value``."""
        if lever not in LEVERS:
            raise PricingError(f"Unknown lever {lever!r}; choose one of {', '.join(LEVERS)}.")
        return replace(self, **{lever: value})

    @property
    def revenue_per_lead(self) -> float:
        r""":math:`m\,(pR_H + (1-p)R_L)`."""
        return self.multiplier * (self.p * self.r_high + (1 - self.p) * self.r_low)

    @property
    def cost_per_lead(self) -> float:
        r""":math:`pC_H + (1-p)C_L`."""
        return self.p * self.c_high + (1 - self.p) * self.c_low

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def expected_profit_per_lead(
    p: float | np.ndarray,
    r_high: float | np.ndarray,
    c_high: float | np.ndarray,
    r_low: float | np.ndarray,
    c_low: float | np.ndarray,
    multiplier: float | np.ndarray = 1.0,
) -> float | np.ndarray:
    r"""The case's formula :math:`p(mR_H - C_H) + (1-p)(mR_L - C_L)` (broadcasts).

    Examples
    --------
    >>> expected_profit_per_lead(0.3, 500, 120, 80, 40)
    142.0
    """
    out = np.asarray(p, dtype=float) * (np.asarray(multiplier) * r_high - np.asarray(c_high)) + (
        1 - np.asarray(p, dtype=float)
    ) * (np.asarray(multiplier) * r_low - np.asarray(c_low))
    return float(out) if np.ndim(out) == 0 else out


@dataclass(frozen=True)
class BreakEven:
    """Where expected profit per lead is zero as a function of ``p``.

    Attributes
    ----------
    p : float or None
        The break-even share in [0, 1], or None when none exists there.
    root : float or None
        The root of the line (may lie outside [0, 1]); None when profit does not depend on p.
    status : str
        ``"in_range"``, ``"always_profitable"`` (profit > 0 for every p in [0, 1]),
        ``"never_profitable"`` (profit < 0 for every p) or ``"independent_of_p"``.
    profitable : {"above", "below"} or None
        With a break-even in range: on which side of it a lead earns (``"below"`` when a
        high-quality lead earns less than a low-quality one, :math:`d_H < d_L`).
    """

    p: float | None
    root: float | None
    status: str
    profitable: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def break_even_p(
    r_high: float, c_high: float, r_low: float, c_low: float, multiplier: float = 1.0
) -> BreakEven:
    r"""Break-even share :math:`p_0 = d_L / (d_L - d_H)` with :math:`d_g = mR_g - C_g`."""
    d_high = multiplier * r_high - c_high
    d_low = multiplier * r_low - c_low
    if d_high == d_low:
        if d_low == 0:
            return BreakEven(p=None, root=None, status="independent_of_p")
        status = "always_profitable" if d_low > 0 else "never_profitable"
        return BreakEven(p=None, root=None, status=status)
    root = d_low / (d_low - d_high)
    if 0.0 <= root <= 1.0:
        side = "above" if d_high > d_low else "below"
        return BreakEven(p=float(root), root=float(root), status="in_range", profitable=side)
    status = "always_profitable" if d_low + 0.5 * (d_high - d_low) > 0 else "never_profitable"
    return BreakEven(p=None, root=float(root), status=status)


@dataclass(frozen=True)
class PricingResult:
    """Expected economics of selling ``n`` leads under the two-class formula."""

    levers: TwoClassLevers
    expected_profit_per_lead: float
    expected_profit_total: float
    expected_revenue_per_lead: float
    expected_cost_per_lead: float
    margin: float | None
    break_even: BreakEven

    @property
    def break_even_p(self) -> float | None:
        return self.break_even.p

    def to_dict(self) -> dict[str, Any]:
        return {
            "expected_profit_per_lead": self.expected_profit_per_lead,
            "expected_profit_total": self.expected_profit_total,
            "break_even_p": self.break_even.p,
            "break_even_status": self.break_even.status,
            "profitable": self.break_even.profitable,
            "margin": self.margin,
            "expected_revenue_per_lead": self.expected_revenue_per_lead,
            "expected_cost_per_lead": self.expected_cost_per_lead,
            "levers": self.levers.to_dict(),
        }


def evaluate(levers: TwoClassLevers) -> PricingResult:
    """Expected profit per lead and in total, margin and break-even ``p``."""
    lv = levers
    profit = expected_profit_per_lead(lv.p, lv.r_high, lv.c_high, lv.r_low, lv.c_low, lv.multiplier)
    revenue = lv.revenue_per_lead
    return PricingResult(
        levers=lv,
        expected_profit_per_lead=profit,
        expected_profit_total=profit * lv.n,
        expected_revenue_per_lead=revenue,
        expected_cost_per_lead=lv.cost_per_lead,
        margin=profit / revenue if revenue > 0 else None,
        break_even=break_even_p(lv.r_high, lv.c_high, lv.r_low, lv.c_low, lv.multiplier),
    )


@dataclass(frozen=True)
class KClassResult:
    """Expected profit with ``k`` quality classes; ``by_class`` holds each class's contribution
    (its ``to_dict`` key is ``"by_grade"``, as in earlier JSON output)."""

    expected_profit_per_lead: float
    expected_profit_total: float
    margin: float | None
    by_class: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.by_class.copy()

    def to_dict(self) -> dict[str, Any]:
        return {
            "expected_profit_per_lead": self.expected_profit_per_lead,
            "expected_profit_total": self.expected_profit_total,
            "margin": self.margin,
            "by_grade": self.by_class.to_dict(orient="records"),
        }


def expected_profit_k(
    shares: dict[str, float] | pd.Series,
    revenues: dict[str, float] | pd.Series,
    costs: dict[str, float] | pd.Series,
    *,
    multiplier: float = 1.0,
    n: int = 1,
) -> KClassResult:
    r""":math:`\pi = \sum_k s_k (mR_k - C_k)` over quality classes keyed by name.

    ``shares`` must be non-negative and sum to 1; ``revenues`` and ``costs``
    need an entry for every class in ``shares``.
    """
    import pandas as pd

    s = pd.Series(shares, dtype=float)
    if s.empty:
        raise PricingError(
            "The 'shares' parameter must name at least one quality class. Got none instead."
        )
    missing = [g for g in s.index if g not in revenues or g not in costs]
    if missing:
        raise PricingError(
            f"Revenue and cost are needed for every quality class; missing for {missing}."
        )
    if (s < 0).any() or not np.isclose(s.sum(), 1.0, atol=1e-9):
        raise PricingError(
            f"The 'shares' parameter must be >= 0 and sum to 1. Got sum {s.sum():g} instead."
        )
    m = _finite("multiplier", multiplier, low=0.0)
    r = np.array([_finite(f"revenue[{g}]", revenues[g], low=0.0) for g in s.index])
    c = np.array([_finite(f"cost[{g}]", costs[g], low=0.0) for g in s.index])
    contrib = s.to_numpy() * (m * r - c)
    frame = pd.DataFrame(
        {
            "grade": s.index.astype(str),
            "share": s.to_numpy(),
            "revenue": m * r,
            "cost": c,
            "contribution": contrib,
        }
    )
    profit = float(contrib.sum())
    revenue = float((s.to_numpy() * m * r).sum())
    return KClassResult(
        expected_profit_per_lead=profit,
        expected_profit_total=profit * int(n),
        margin=profit / revenue if revenue > 0 else None,
        by_class=frame,
    )


def profit_sensitivity(
    levers: TwoClassLevers, changes: tuple[float, ...] = (-0.2, -0.1, 0.1, 0.2)
) -> pd.DataFrame:
    """Expected profit per lead when each lever moves by a relative ``change``.

    ``p`` is clipped to [0, 1]. Columns: ``lever``, ``change``, ``value``,
    ``expected_profit_per_lead``, ``delta`` (vs the base), sorted by the
    largest absolute delta per lever (a tornado order).
    """
    import pandas as pd

    base = evaluate(levers).expected_profit_per_lead
    rows = []
    for lever in LEVERS:
        for ch in changes:
            value = getattr(levers, lever) * (1 + ch)
            if lever == "p":
                value = min(max(value, 0.0), 1.0)
            profit = evaluate(levers.with_value(lever, value)).expected_profit_per_lead
            rows.append((lever, ch, value, profit, profit - base))
    frame = pd.DataFrame(
        rows, columns=["lever", "change", "value", "expected_profit_per_lead", "delta"]
    )
    order = (
        frame.assign(a=frame["delta"].abs())
        .groupby("lever")["a"]
        .max()
        .sort_values(ascending=False)
    )
    frame["lever"] = pd.Categorical(frame["lever"], categories=list(order.index), ordered=True)
    return frame.sort_values(["lever", "change"]).reset_index(drop=True).astype({"lever": str})
