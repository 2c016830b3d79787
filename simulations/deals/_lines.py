r"""B2B deals as lines in :math:`p`, their break-even points and upper envelope.

The case ("Pitch to clients and pass to partners"): each deal's expected
profit is plotted against :math:`p`, the share of high-quality leads in a
pool (a city and season). Every deal here is a line,

.. math:: \pi_j(p) = a_j + b_j\,p,

given directly or built from its own terms:

* a **client contract** with commission :math:`K` per placement, :math:`n`
  leads worked, placements per high / low quality lead :math:`r_H, r_L`,
  :math:`h` recruiter hours per lead at cost :math:`w` per hour and a fixed
  cost :math:`F`: :math:`\pi = nK(r_L + (r_H - r_L)p) - nhw - F`;
* a **lead sale** of :math:`n` leads at grade prices :math:`P_H, P_L` with
  generation costs :math:`C_H, C_L` (the case's pricing formula), minus the
  profit :math:`D` of the client work it displaces:
  :math:`\pi = n[p(P_H - C_H) + (1-p)(P_L - C_L)] - D`.

Two deals cross at

.. math:: p^* = \frac{a_2 - a_1}{b_1 - b_2},

and do not cross when :math:`b_1 = b_2` (parallel: one is better everywhere)
or the lines coincide (identical: neither is ever better).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from leadlever.engine.exceptions import ParameterError
from leadlever.engine.io._numbers import check_number
from leadlever.pricing._formulas import expected_profit_per_lead
from leadlever.simulations.exceptions import DealError, IdenticalDealsError, NoCrossingError

__all__ = [
    "Deal",
    "ClientContractTerms",
    "LeadSaleTerms",
    "Crossing",
    "EnvelopeSegment",
    "DEAL_KINDS",
    "line_deal",
    "deal_from_terms",
    "crossing",
    "p_star",
    "upper_envelope",
]

_REL_TOL = 1e-12


@dataclass(frozen=True)
class Deal:
    """A deal's expected profit as a line in ``p``: ``intercept + slope * p``.

    ``kind`` and ``terms`` record how it was built (``"line"`` with
    ``intercept``/``slope``, or the terms of a client contract or lead sale).
    """

    name: str
    intercept: float
    slope: float
    kind: str = "line"
    terms: tuple[tuple[str, float], ...] = field(default=())

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise DealError(f"A deal needs a non-empty name. Got {self.name!r} instead.")
        for attr in ("intercept", "slope"):
            value = getattr(self, attr)
            if not isinstance(value, int | float | np.floating) or not math.isfinite(value):
                raise DealError(
                    f"The '{attr}' of deal {self.name!r} must be a finite number. Got {value!r} instead."
                )
            object.__setattr__(self, attr, float(value))

    def profit(self, p: float | np.ndarray) -> float | np.ndarray:
        """Expected profit at share ``p``."""
        out = self.intercept + self.slope * np.asarray(p, dtype=float)
        return float(out) if np.ndim(out) == 0 else out

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "intercept": self.intercept,
            "slope": self.slope,
            "terms": dict(self.terms),
        }


def _number(
    deal: str, name: str, value: Any, *, low: float | None = 0.0, high: float | None = None
) -> float:
    """A deal's term: a finite number of realistic size in range (:func:`check_number`)."""
    try:
        return check_number(value, f"The '{name}' term of deal {deal!r}", low=low, high=high)
    except ParameterError as exc:
        raise DealError(str(exc)) from None


@dataclass(frozen=True)
class ClientContractTerms:
    r"""A client contract: :math:`\pi = nK(r_L + (r_H - r_L)p) - nhw - F`."""

    commission: float
    n_leads: float
    placement_rate_high: float
    placement_rate_low: float
    hours_per_lead: float = 0.0
    hourly_cost: float = 0.0
    fixed_cost: float = 0.0

    def to_deal(self, name: str) -> Deal:
        t = {k: _number(name, k, v) for k, v in self.__dict__.items()}
        for rate in ("placement_rate_high", "placement_rate_low"):
            _number(name, rate, t[rate], high=1.0)
        n, k = t["n_leads"], t["commission"]
        a = (
            n * k * t["placement_rate_low"]
            - n * t["hours_per_lead"] * t["hourly_cost"]
            - t["fixed_cost"]
        )
        b = n * k * (t["placement_rate_high"] - t["placement_rate_low"])
        return Deal(name, a, b, kind="client_contract", terms=tuple(t.items()))


@dataclass(frozen=True)
class LeadSaleTerms:
    r"""A lead sale: :math:`\pi = n[p(P_H - C_H) + (1-p)(P_L - C_L)] - D`."""

    n_leads: float
    price_high: float
    price_low: float
    cost_high: float = 0.0
    cost_low: float = 0.0
    displaced_profit: float = 0.0

    def to_deal(self, name: str) -> Deal:
        t = {
            k: _number(name, k, v, low=None if k == "displaced_profit" else 0.0)
            for k, v in self.__dict__.items()
        }
        at = [
            expected_profit_per_lead(
                q, t["price_high"], t["cost_high"], t["price_low"], t["cost_low"]
            )
            for q in (0, 1)
        ]
        a = t["n_leads"] * at[0] - t["displaced_profit"]
        b = t["n_leads"] * (at[1] - at[0])
        return Deal(name, a, b, kind="lead_sale", terms=tuple(t.items()))


def line_deal(name: str, intercept: float, slope: float) -> Deal:
    """A deal given directly as ``intercept + slope * p``."""
    d = Deal(name, intercept, slope)
    return Deal(
        name,
        d.intercept,
        d.slope,
        kind="line",
        terms=(("intercept", d.intercept), ("slope", d.slope)),
    )


DEAL_KINDS: dict[str, type] = {"client_contract": ClientContractTerms, "lead_sale": LeadSaleTerms}


def deal_from_terms(name: str, kind: str, terms: Mapping[str, Any]) -> Deal:
    """Build a deal of ``kind`` (``line``, ``client_contract``, ``lead_sale``) from its terms."""
    if kind == "line":
        allowed = {"intercept", "slope"}
        cls = None
    elif kind in DEAL_KINDS:
        cls = DEAL_KINDS[kind]
        allowed = set(cls.__dataclass_fields__)
    else:
        raise DealError(
            f"Deal {name!r} has kind {kind!r}; choose one of line, {', '.join(DEAL_KINDS)}."
        )
    unknown = sorted(set(terms) - allowed)
    if unknown:
        raise DealError(
            f"Deal {name!r} ({kind}) has unknown terms {unknown}; allowed: {sorted(allowed)}."
        )
    if cls is None:
        missing = sorted(allowed - set(terms))
        if missing:
            raise DealError(f"Deal {name!r} (line) needs {missing}.")
        return line_deal(
            name,
            _number(name, "intercept", terms["intercept"], low=None),
            _number(name, "slope", terms["slope"], low=None),
        )
    required = [
        f for f, spec in cls.__dataclass_fields__.items() if spec.default is dataclasses.MISSING
    ]
    missing = [f for f in required if f not in terms]
    if missing:
        raise DealError(f"Deal {name!r} ({kind}) needs the terms {missing}.")
    return cls(**terms).to_deal(name)


@dataclass(frozen=True)
class Crossing:
    """Where two deals' lines meet.

    ``status`` is ``"cross"`` (``p`` set; may lie outside [0, 1]),
    ``"parallel"`` (no crossing: ``better_below`` = ``better_above`` is better
    at every p) or ``"identical"`` (same line).
    """

    deal_a: str
    deal_b: str
    p: float | None
    status: str
    better_below: str | None
    better_above: str | None

    @property
    def in_unit_interval(self) -> bool:
        return self.p is not None and 0.0 <= self.p <= 1.0

    def describe(self) -> str:
        if self.status == "identical":
            return f"{self.deal_a} and {self.deal_b} have identical profit lines: neither is ever better."
        if self.status == "parallel":
            return (
                f"{self.deal_a} and {self.deal_b} never cross (parallel lines): "
                f"{self.better_below} is better at every p."
            )
        where = (
            "" if self.in_unit_interval else " (outside [0, 1]: one deal is better for every share)"
        )
        return (
            f"{self.deal_a} and {self.deal_b} break even at p* = {self.p:.4f}{where}; "
            f"{self.better_below} is better below, {self.better_above} above."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "deal_a": self.deal_a,
            "deal_b": self.deal_b,
            "p": self.p,
            "status": self.status,
            "better_below": self.better_below,
            "better_above": self.better_above,
        }


def crossing(a: Deal, b: Deal) -> Crossing:
    """Crossing of two deals (never raises; see :func:`p_star` for the strict version)."""
    scale = max(abs(a.slope), abs(b.slope), 1.0)
    d_slope = a.slope - b.slope
    d_int = b.intercept - a.intercept
    if abs(d_slope) <= _REL_TOL * scale:
        if abs(d_int) <= _REL_TOL * max(abs(a.intercept), abs(b.intercept), 1.0):
            return Crossing(a.name, b.name, None, "identical", None, None)
        best = a.name if a.intercept > b.intercept else b.name
        return Crossing(a.name, b.name, None, "parallel", best, best)
    p = d_int / d_slope
    below, above = (b.name, a.name) if d_slope > 0 else (a.name, b.name)
    return Crossing(a.name, b.name, float(p), "cross", below, above)


def p_star(a: Deal, b: Deal) -> float:
    r"""Break-even :math:`p^* = (a_2 - a_1)/(b_1 - b_2)` of two deals.

    Raises
    ------
    NoCrossingError
        Parallel lines (the message says which deal is always better and by how much).
    IdenticalDealsError
        Identical lines.
    """
    c = crossing(a, b)
    if c.status == "identical":
        raise IdenticalDealsError(c.describe() + " Change one deal's terms or drop it.")
    if c.status == "parallel":
        gap = abs(a.intercept - b.intercept)
        raise NoCrossingError(c.describe()[:-1] + f", by {gap:,.2f}; there is no break-even p*.")
    return float(c.p)


@dataclass(frozen=True)
class EnvelopeSegment:
    """Deal ``deal`` is the best on ``[p_from, p_to]``."""

    deal: str
    p_from: float
    p_to: float

    def to_dict(self) -> dict[str, Any]:
        return {"deal": self.deal, "p_from": self.p_from, "p_to": self.p_to}


def _check_distinct(deals: Sequence[Deal]) -> None:
    names = [d.name for d in deals]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DealError(f"Deal names must be unique; repeated: {dup}.")
    for i, a in enumerate(deals):
        for b in deals[i + 1 :]:
            if crossing(a, b).status == "identical":
                raise IdenticalDealsError(
                    crossing(a, b).describe() + " Change one deal's terms or drop it."
                )


def upper_envelope(
    deals: Sequence[Deal], p_from: float = 0.0, p_to: float = 1.0
) -> tuple[EnvelopeSegment, ...]:
    """Which deal is best on which interval of ``p`` in ``[p_from, p_to]``.

    Raises
    ------
    DealError
        Fewer than one deal, repeated names, or identical lines.
    """
    if len(deals) < 1:
        raise DealError("Need at least one deal.")
    _check_distinct(deals)
    cuts = {p_from, p_to}
    for i, a in enumerate(deals):
        for b in deals[i + 1 :]:
            c = crossing(a, b)
            if c.status == "cross" and p_from < c.p < p_to:
                cuts.add(c.p)
    grid = np.array(sorted(cuts))
    mids = 0.5 * (grid[:-1] + grid[1:])
    values = np.array([d.profit(mids) for d in deals]).reshape(len(deals), -1)
    best = np.argmax(values, axis=0)
    segments: list[EnvelopeSegment] = []
    for k, j in enumerate(best):
        if segments and segments[-1].deal == deals[j].name:
            segments[-1] = EnvelopeSegment(deals[j].name, segments[-1].p_from, float(grid[k + 1]))
        else:
            segments.append(EnvelopeSegment(deals[j].name, float(grid[k]), float(grid[k + 1])))
    return tuple(segments)
