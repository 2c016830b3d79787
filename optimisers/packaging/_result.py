"""Result types of the packager and the concrete requirement checks.

:func:`bundle_violations` re-checks every requirement of a buyer on a concrete
bundle (size, filters and per-lead bounds, mean p, exact rating);
:func:`plan_violations` adds the market-wide rules (packages, budget,
exclusivity and sharing). Both return human-readable violations, empty when
everything holds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leadlever.optimisers.packaging._buyers import Buyer, Market
from leadlever.optimisers.packaging._ratings import rate_bundle

__all__ = [
    "Bundle",
    "PackagingResult",
    "LeadPool",
    "bundle_violations",
    "plan_violations",
    "make_bundle",
    "plan_totals",
]


@dataclass(frozen=True)
class LeadPool:
    """Leads prepared for packaging: ids, probabilities, costs, eligibility per buyer."""

    ids: np.ndarray
    p: np.ndarray
    cost: np.ndarray
    eligible: np.ndarray  # (n_leads, n_buyers) bool

    @property
    def n(self) -> int:
        return int(self.p.size)


@dataclass(frozen=True)
class Bundle:
    """One concrete bundle sold to one buyer.

    ``guarantee`` is the exact :math:`P(S \\ge \\text{promised})`; ``price`` the
    bundle's total price (``price_per_lead * n_leads``); ``cost`` the opportunity
    cost of its leads.
    """

    package_id: str
    buyer: str
    rows: tuple[int, ...]
    lead_ids: tuple[Any, ...]
    mean_p: float
    expected_conversions: float
    promised: int
    guarantee: float
    rating: str
    price_per_lead: float
    cost: float
    shared: bool = False

    @property
    def n_leads(self) -> int:
        return len(self.rows)

    @property
    def price(self) -> float:
        return self.price_per_lead * self.n_leads

    def to_dict(self) -> dict[str, Any]:
        return {
            "package_id": self.package_id,
            "buyer": self.buyer,
            "n_leads": self.n_leads,
            "mean_p": self.mean_p,
            "expected_conversions": self.expected_conversions,
            "promised": self.promised,
            "guarantee": self.guarantee,
            "grade": self.rating,
            "price_per_lead": self.price_per_lead,
            "price": self.price,
            "cost": self.cost,
            "shared": self.shared,
        }


@dataclass(frozen=True)
class PackagingResult:
    """Outcome of :func:`leadlever.optimisers.packaging._packager.package`.

    Attributes
    ----------
    status : str
        ``"optimal"`` (class model proven optimal), ``"feasible"`` (time limit hit;
        see ``gap``) or ``"infeasible"`` (see ``reasons``).
    gap : float or None
        Relative optimality gap of the MILP, ``|bound - objective| / |objective|``.
    bundles : tuple of Bundle
    unsold : tuple
        Ids of leads not sold.
    revenue, cost, profit : float
        Sum of bundle prices; opportunity cost of the leads sold (each once); their difference.
    reasons : tuple of str
        Why requirements cannot be met (status ``"infeasible"``).
    notes : tuple of str
        Other remarks (buyers left without a bundle, repairs).
    method : str
        ``"milp"``, or ``"greedy"`` when the greedy plan earned more and was kept.
    milp_profit : float
        Profit of the MILP plan (before any greedy fallback).
    model_objective, rounded_objective : float
        Objective of the class model as solved (with continuous lead counts: an upper
        bound on the integer class model) and after rounding to whole leads; their
        difference bounds the rounding loss.
    """

    status: str
    gap: float | None
    bundles: tuple[Bundle, ...]
    unsold: tuple[Any, ...]
    revenue: float
    cost: float
    profit: float
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    solver: str = ""
    formulation: str = "class"
    n_classes: int = 0
    model_objective: float | None = None
    rounded_objective: float | None = None
    method: str = "milp"
    milp_profit: float | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON: status, gap, reasons, revenue, cost, profit, packages, unsold."""
        out: dict[str, Any] = {"status": self.status}
        if self.status == "infeasible" or self.reasons:  # also buyers skipped as infeasible
            out["reasons"] = list(self.reasons)
        out.update(
            gap=self.gap,
            revenue=self.revenue,
            cost=self.cost,
            profit=self.profit,
            packages=[b.to_dict() for b in self.bundles],
            unsold=len(self.unsold),
            n_sold=int(sum(b.n_leads for b in self.bundles)),
            notes=list(self.notes),
            solver=self.solver,
            formulation=self.formulation,
            method=self.method,
            milp_profit=self.milp_profit,
            model_objective=self.model_objective,
            rounded_objective=self.rounded_objective,
            n_classes=self.n_classes,
            seconds=dict(self.seconds),
        )
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per (lead, bundle): ``lead_id``, ``package_id``, ``buyer``."""
        rows = [(lid, b.package_id, b.buyer) for b in self.bundles for lid in b.lead_ids]
        return pd.DataFrame(rows, columns=["lead_id", "package_id", "buyer"])

    def packages_frame(self) -> pd.DataFrame:
        """One row per bundle (the JSON ``packages`` list as a table)."""
        cols = [
            "package_id",
            "buyer",
            "n_leads",
            "mean_p",
            "expected_conversions",
            "promised",
            "guarantee",
            "grade",
            "price_per_lead",
            "price",
            "cost",
            "shared",
        ]
        return pd.DataFrame([b.to_dict() for b in self.bundles], columns=cols)


def bundle_violations(
    rows: np.ndarray,
    buyer: Buyer,
    b: int,
    pool: LeadPool,
    market: Market,
    required_rating: str | None = None,
) -> list[str]:
    """Every requirement of ``buyer`` that the concrete bundle ``rows`` breaks."""
    out = []
    rows = np.asarray(rows, dtype=int)
    n = rows.size
    if not buyer.min_leads <= n <= buyer.max_leads:
        out.append(
            f"{buyer.name}: bundle has {n} leads, outside [{buyer.min_leads}, {buyer.max_leads}]"
        )
    if np.unique(rows).size != n:
        out.append(f"{buyer.name}: bundle holds a lead twice")
    if n and not pool.eligible[rows, b].all():
        out.append(
            f"{buyer.name}: {int((~pool.eligible[rows, b]).sum())} leads fail its filters/bounds"
        )
    if n == 0:
        return out
    mean_p = float(pool.p[rows].mean())
    if buyer.min_mean_p is not None and mean_p < buyer.min_mean_p - 1e-12:
        out.append(f"{buyer.name}: mean p {mean_p:.4f} < {buyer.min_mean_p}")
    rating = rate_bundle(pool.p[rows], market.scale).rating
    for need in (buyer.min_rating, required_rating):
        if need is not None and not market.scale.at_least(rating, need):
            out.append(f"{buyer.name}: grade {rating} below {need}")
    return out


def plan_violations(
    bundles: tuple[Bundle, ...] | list[Bundle], pool: LeadPool, market: Market
) -> list[str]:
    """Requirement violations of a whole plan (bundles and market rules)."""
    out = []
    index = {b.name: i for i, b in enumerate(market.buyers)}
    per_buyer: Counter = Counter()
    spend: Counter = Counter()
    exclusive_use: Counter = Counter()
    shared_use: Counter = Counter()
    for bundle in bundles:
        b = index[bundle.buyer]
        buyer = market.buyers[b]
        out += bundle_violations(np.array(bundle.rows), buyer, b, pool, market)
        per_buyer[bundle.buyer] += 1
        spend[bundle.buyer] += bundle.price
        price = buyer.price_for_rating(bundle.rating, market.scale)
        if price is None or bundle.price_per_lead > price + 1e-9:
            out.append(
                f"{bundle.package_id}: price {bundle.price_per_lead} not justified by grade {bundle.rating}"
            )
        target = shared_use if not buyer.exclusive else exclusive_use
        target.update(bundle.rows)
    for name, k in per_buyer.items():
        buyer = market.buyers[index[name]]
        if k > buyer.packages:
            out.append(f"{name}: {k} bundles > {buyer.packages}")
        if buyer.budget is not None and spend[name] > buyer.budget + 1e-6:
            out.append(f"{name}: spend {spend[name]:.2f} > budget {buyer.budget}")
    for row, k in exclusive_use.items():
        if k > 1 or shared_use.get(row, 0):
            out.append(
                f"lead {pool.ids[row]} sold exclusively but used {k + shared_use.get(row, 0)} times"
            )
    for row, k in shared_use.items():
        if k > market.max_share:
            out.append(f"lead {pool.ids[row]} shared {k} times > max_share {market.max_share}")
    for name in per_buyer:
        buyer = market.buyers[index[name]]
        if not buyer.exclusive:
            rows = [r for bd in bundles if bd.buyer == name for r in bd.rows]
            if len(rows) != len(set(rows)):
                out.append(f"{name}: receives the same lead in two bundles")
    return out


def make_bundle(
    rows: np.ndarray,
    b: int,
    pool: LeadPool,
    market: Market,
    package_id: str,
    *,
    shared: bool = False,
) -> Bundle:
    """A concrete bundle with its exact rating, priced at what that rating earns from the buyer."""
    rows = np.asarray(rows, dtype=int)
    buyer = market.buyers[b]
    g = rate_bundle(pool.p[rows], market.scale)
    price = buyer.price_for_rating(g.rating, market.scale)
    return Bundle(
        package_id=package_id,
        buyer=buyer.name,
        rows=tuple(int(r) for r in rows),
        lead_ids=tuple(pool.ids[rows].tolist()),
        mean_p=float(pool.p[rows].mean()) if rows.size else 0.0,
        expected_conversions=g.expected_conversions,
        promised=g.promised,
        guarantee=g.guarantee,
        rating=g.rating,
        price_per_lead=float(price) if price is not None else 0.0,
        cost=float(pool.cost[rows].sum()),
        shared=shared,
    )


def plan_totals(
    bundles: list[Bundle] | tuple[Bundle, ...], pool: LeadPool
) -> tuple[float, float, np.ndarray]:
    """Revenue, opportunity cost (each sold lead once) and the mask of sold leads."""
    sold = np.zeros(pool.n, dtype=bool)
    for bundle in bundles:
        sold[list(bundle.rows)] = True
    revenue = float(sum(b.price for b in bundles))
    return revenue, float(pool.cost[sold].sum()), sold
