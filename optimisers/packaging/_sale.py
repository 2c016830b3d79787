r"""``package``: sell open leads in bundles only when the bundle price beats keeping them.

:func:`package_open_leads` prepares a scored table for the packager:

* closed leads (``converted`` 1 or 0) are left out and counted;
* each lead's **opportunity cost** is its expected in-house value :math:`\max(V_i, 0)`
  (:func:`leadlever.engine.economics.in_house_values`, the definition ``plan`` and
  ``price leads`` use): the ``expected_value`` of a qualification profile (announced with
  source "data", with the value per conversion it was built from where the profile lets
  it be recovered), else :math:`V_i = p_i K_i - D(p_i, h_i)` from the economics; a lead
  worth less than nothing in-house costs nothing to sell. ``cost_col`` names another
  column instead;
* the packager maximises revenue minus opportunity cost, so a lead is sold only when
  its bundle price beats keeping it (``gain_over_keeping``);
* **profit** counts generation cost exactly as ``price leads`` does: revenue minus the
  generation cost of the leads sold (a ``generation_cost`` column, else the economics'
  ``generation_cost``);
* without a ``lead_id`` column the leads are named by the table's first id-like column
  (as ``inspect`` finds them; a note says which), else numbered by row;
* when the table carries ``price leads``' ``price`` column, the result reconciles the
  two: the list price of the leads sold, the list profit, and why they differ.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.economics._economics import Assumption, Economics
from leadlever.engine.economics._lead_values import in_house_values
from leadlever.engine.io._column_checks import id_reason
from leadlever.engine.io._open_leads import keep_open
from leadlever.engine.io._outcomes import OutcomeSpec
from leadlever.engine.scoring._fit_record import column_warning
from leadlever.optimisers.packaging._buyers import Market
from leadlever.optimisers.packaging._packager import package
from leadlever.optimisers.packaging._result import PackagingResult
from leadlever.optimisers.packaging._settings import PackagerSettings

__all__ = ["Sale", "package_open_leads", "OPPORTUNITY_COLUMN"]

#: the column the packager reads each lead's opportunity cost from
OPPORTUNITY_COLUMN = "opportunity_cost"


@dataclass(frozen=True)
class Sale:
    """A packaging plan of open leads with its profit and reconciliation (``package --json``)."""

    result: PackagingResult
    generation_cost: float
    n_closed_excluded: int = 0
    list_revenue: float | None = None
    assumptions: tuple[Assumption, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def profit(self) -> float:
        """Revenue minus the generation cost of the leads sold (as ``price leads``)."""
        return self.result.revenue - self.generation_cost

    def to_frame(self) -> pd.DataFrame:
        return self.result.to_frame()

    def reconciliation(self) -> dict[str, Any] | None:
        """Bundle revenue against the ``price leads`` list prices of the same leads."""
        if self.list_revenue is None:
            return None
        diff = self.result.revenue - self.list_revenue
        return {
            "list_revenue": self.list_revenue,
            "list_profit": self.list_revenue - self.generation_cost,
            "bundle_revenue": self.result.revenue,
            "difference": diff,
            "why": (
                "the same prices"
                if abs(diff) < 0.005 * max(abs(self.list_revenue), 1.0)
                else "bundle prices follow each buyer's price per rating (what partners pay "
                "for a graded bundle); list prices spread a margin target over the whole batch "
                "by probability, floored at each lead's in-house value. Both count the same "
                "generation cost, so the profits differ exactly by the revenue difference."
            ),
        }

    def to_dict(self) -> dict[str, Any]:
        r = self.result
        out = r.to_dict()
        out.update(
            opportunity_cost=r.cost,
            gain_over_keeping=r.revenue - r.cost,
            generation_cost=self.generation_cost,
            profit=self.profit,
            n_closed_excluded=self.n_closed_excluded,
            reconciliation=self.reconciliation(),
            assumptions=[a.to_dict() for a in self.assumptions],
            warnings=list(self.warnings),
        )
        out["notes"] = list(self.notes) + list(r.notes)
        return out


def _id_column(frame: pd.DataFrame, id_col: str, notes: list[str]) -> str:
    """``id_col``; without a ``lead_id`` column, the first id-like column that names each
    lead once (:func:`~leadlever.engine.io._column_checks.id_reason`, as ``inspect`` finds
    them), said in a note; row numbers (with a note) when there is none."""
    if id_col != "lead_id" or id_col in frame.columns:
        return id_col
    for col in frame.columns:
        values = frame[col]
        why = id_reason(values, str(col))
        if why and values.notna().all() and values.astype(str).nunique() == len(values):
            notes.append(
                f"No 'lead_id' column: the leads are named by '{col}' (id-like: {why}); "
                "name another column with --id-col."
            )
            return str(col)
    notes.append(
        "No 'lead_id' column and no id-like column: the leads are numbered by row from 1; "
        "name the id column with --id-col."
    )
    return id_col


def package_open_leads(
    scored: pd.DataFrame,
    market: Market,
    *,
    economics: Economics | None = None,
    prob_col: str = "p_convert",
    cost_col: str | None = None,
    id_col: str = "lead_id",
    settings: PackagerSettings | None = None,
    source: str | os.PathLike | None = None,
    outcome: OutcomeSpec | None = None,
) -> Sale:
    """Package the open leads of ``scored`` for the buyers of ``market`` (module docstring)."""
    econ = economics or Economics()
    src = None if source is None else str(source)
    frame, n_closed, notes = keep_open(scored, doing="sold", source=src, outcome=outcome)
    id_col = _id_column(frame, id_col, notes)
    used: list[Assumption] = []
    value_warnings: tuple[str, ...] = ()
    if cost_col is None and prob_col in frame.columns:
        values = in_house_values(frame, econ, prob_col, source=src)
        used, value_warnings = list(values.assumptions), values.warnings
        frame = frame.assign(**{OPPORTUNITY_COLUMN: np.maximum(values.values, 0.0)})
        cost_col = OPPORTUNITY_COLUMN
        notes.append(f"Each lead's opportunity cost is its expected in-house value ({values.how}).")
    elif cost_col is not None:
        used.append(Assumption("opportunity_cost", f"column '{cost_col}'", "option"))
    result = package(
        frame,
        market,
        prob_col=prob_col,
        cost_col=cost_col,
        id_col=id_col,
        settings=settings,
        source=src,
    )
    ids = (
        frame[id_col].astype(str).to_numpy()
        if id_col in frame.columns
        else np.arange(1, len(frame) + 1).astype(str)
    )
    sold = np.isin(ids, [str(i) for b in result.bundles for i in b.lead_ids])
    channel = frame["channel"].astype(str).to_numpy() if "channel" in frame.columns else None
    gen = econ.generation_costs(len(frame), channel)
    if "generation_cost" in frame.columns:
        own = pd.to_numeric(frame["generation_cost"], errors="coerce").to_numpy(dtype=float)
        used.append(Assumption("generation_cost", "column 'generation_cost'", "data"))
        if np.isnan(own[sold]).any():
            used.append(econ.assumption("generation_cost"))
        gen = np.where(np.isnan(own), gen, own)
    else:
        used.append(econ.assumption("generation_cost"))
    used.append(
        Assumption(
            "p_convert",
            f"column '{prob_col}', taken as calibrated",
            "default",
            "each bundle's promised conversions, guarantee and grade treat the leads' "
            "probabilities as exact (score fit reports their out-of-sample calibration, and "
            "warns when they are too spread out)",
        )
    )
    list_revenue = None
    if "price" in frame.columns:
        prices = pd.to_numeric(frame["price"], errors="coerce").to_numpy(dtype=float)
        list_revenue = float(np.nansum(prices[sold]))
    warning = column_warning(frame, src)
    below = _below_own_worth(result, ids, frame[cost_col].to_numpy(dtype=float), gen)
    return Sale(
        result=result,
        generation_cost=float(gen[sold].sum()),
        n_closed_excluded=n_closed,
        list_revenue=list_revenue,
        assumptions=tuple(used),
        warnings=value_warnings + below + (() if warning is None else (warning,)),
        notes=tuple(notes),
    )


#: a lead's price below its own worth by more than this share is named
_BELOW = 1e-9


def _below_own_worth(
    result: Any, ids: np.ndarray, cost: np.ndarray, gen: np.ndarray
) -> tuple[str, ...]:
    """Warnings for leads sold below their own opportunity cost (their high p lifts a bundle
    to its grade: the bundle, not the lead, beats keeping them) and below what they cost to
    generate (the sale gains over keeping them, but does not recover that cost)."""
    where = {str(i): k for k, i in enumerate(ids)}
    worth_more, cheap = [], []
    for b in result.bundles:
        rows = np.array([where[str(i)] for i in b.lead_ids], dtype=np.int64)
        price = b.price_per_lead
        for r in rows[cost[rows] > price * (1 + _BELOW)]:
            worth_more.append((cost[r] - price, str(ids[r]), cost[r], price, b.package_id))
        n_cheap = int((gen[rows] > price * (1 + _BELOW)).sum())
        if n_cheap:
            cheap.append((n_cheap, b.package_id, price, float(gen[rows].max())))
    out = []
    if worth_more:
        gap, lid, worth, price, pid = max(worth_more)
        out.append(
            f"{len(worth_more):,} lead(s) are sold below their own in-house value "
            f"({sum(w[0] for w in worth_more):,.0f} in all; the largest gap: '{lid}', worth "
            f"{worth:,.0f} in-house, sold at {price:,.0f} in '{pid}'). Their probability lifts "
            "their bundle to its grade: the bundle as a whole earns more than keeping its leads, "
            "the lead alone does not. Leave them out of the table to keep them in-house (their "
            "bundles may then grade lower)."
        )
    if cheap:
        n = sum(c[0] for c in cheap)
        _, pid, price, most = max(cheap, key=lambda c: c[0])
        out.append(
            f"{n:,} lead(s) are sold for less than they cost to generate (e.g. '{pid}' at "
            f"{price:,.2f} a lead against up to {most:,.2f}): selling them still beats keeping "
            "them, whose in-house value is lower, but does not recover their generation cost. "
            "price leads never lists a lead below it."
        )
    return tuple(out)
