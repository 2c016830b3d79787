r"""Action planning: work a lead in-house now, nurture it, or sell it to a partner.

Inputs are a qualification profile (one row per active lead: ``lead_id``,
``p_convert``, ``expected_commission``, ``expected_effort_hours``, ``p_fit``,
``p_convert_180d``, ``expected_resale_value``) and a consultants table
(``name``, ``weekly_hours``, ``seniority``).

Only open leads are planned: rows whose ``converted`` cell is 1 or 0 (closed) are
left out and counted (``n_closed_excluded``). A profile without ``expected_commission``
or ``expected_effort_hours`` (e.g. a ``score apply`` table) takes the economics'
``value_per_conversion`` and ``effort_hours``, announced as assumptions.

Value of working lead :math:`i` with a consultant of seniority :math:`s`
(odds factor :math:`f` per seniority level above ``base_seniority`` :math:`s_0`):

.. math::
    \operatorname{odds}_{is} = \frac{p_i}{1 - p_i} f^{\,s - s_0}, \quad
    p_{is} = \frac{\operatorname{odds}_{is}}{1 + \operatorname{odds}_{is}}, \quad
    v_{is} = p_{is} K_i - D(p_{is}, e_i)

with the economics' delivery cost :math:`D(p, e) = c_h e + L_p + A`
(:meth:`leadlever.engine.economics.Economics.delivery_cost`).

The odds factor :math:`f` (``--odds-factor``, default 1.3) and the base seniority
:math:`s_0` (0, junior) are announced as assumptions; the queue shows the model's
``p_convert`` and the ``p_convert_assigned`` used for the assigned consultant. On scores
that carry a "no better than chance" warning, a seniority uplift on top is flagged.

A lead's resale value :math:`R_i` is defined once for ``plan``, ``price leads`` and
``package`` (:mod:`leadlever.optimisers.planning._resale`): the ``expected_resale_value``
column, else the list ``price``, else 0 (announced); with a buyers file the packager
decides which leads are sold and at what price.

Rules, in order (the reason is written per lead):

1. **sell** when the resale value :math:`R_i` exceeds the best in-house value
   :math:`\max_s v_{is}` (with buyers: when the packager puts the lead in a bundle),
   or when the lead is low on fit and timing
   (:math:`p_{fit} < \phi` and :math:`p_{180} < \tau`, the brief's rule) and something is
   paid for it (a resale value above 0, or, with buyers, a bundle takes it); a low lead
   nothing is paid for is nurtured instead, neither sold for nothing nor worked now;
2. **nurture** when no in-house value is positive now;
3. the rest compete for consultant hours: a PuLP MILP
   (:mod:`leadlever.optimisers.planning._model`) picks the in-house leads and their
   consultant to maximise :math:`\sum v`; a lead books its expected hours
   :math:`e_i` against a capacity of weekly hours x ``horizon_weeks``; leads
   that do not fit are nurtured (worked in a later week).

Large instances (more than ``exact_max_pairs`` lead-consultant pairs) are
solved over seniority classes (capacities summed), then the class's leads are
packed into its consultants (best-fit decreasing: largest first, tightest fit); leads that
do not fit are nurtured. The gap is measured against the LP relaxation of the
per-consultant problem's class aggregate, an upper bound on any plan's value.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.economics._economics import Assumption, Economics
from leadlever.engine.economics._lead_values import conversion_values
from leadlever.engine.io._lead_schema import lead_id_column, unique_ids
from leadlever.engine.io._open_leads import keep_open
from leadlever.engine.io._outcomes import OutcomeSpec
from leadlever.engine.io._schema import ColumnSpec, TableSchema, validate_table
from leadlever.engine.scoring._fit_record import MODEL_WARNING_COLUMN, column_warning
from leadlever.optimisers.exceptions import PlannerError, ZeroCapacityError
from leadlever.optimisers.packaging._buyers import Market
from leadlever.optimisers.planning._consultants import SENIORITY_LEVELS, load_consultants
from leadlever.optimisers.planning._model import AssignmentData, lp_bound, solve_assignment
from leadlever.optimisers.planning._packing import _fill_in, _lp_core, _pack
from leadlever.optimisers.planning._resale import plan_resale
from leadlever.optimisers.planning._settings import (
    PlannerSettings,
    adjusted_p,
    seniority_assumptions,
)

__all__ = [
    "PlannerSettings",
    "Plan",
    "plan_actions",
    "sell_rule",
    "load_consultants",
    "SENIORITY_LEVELS",
]

PROFILE_COLUMNS = ("lead_id", "p_convert", "expected_commission", "expected_effort_hours")
#: profile column -> the economics figure used when the column is absent (the value of a
#: conversion comes from :func:`~leadlever.engine.economics.conversion_values`)
_FALLBACKS = {
    "expected_effort_hours": "effort_hours",
}


@dataclass(frozen=True)
class Plan:
    """The action plan: a work queue and its summary."""

    queue: pd.DataFrame
    consultants: pd.DataFrame
    expected_profit: float
    status: str
    sol_status: str
    gap: float
    bound: float
    method: str
    seconds: float
    n_closed_excluded: int = 0
    assumptions: tuple[Assumption, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        vc = self.queue["action"].value_counts()
        return {a: int(vc.get(a, 0)) for a in ("in_house", "nurture", "sell")}

    def to_dict(self) -> dict[str, Any]:
        c = self.counts
        return {
            "n_in_house": c["in_house"],
            "n_nurture": c["nurture"],
            "n_sell": c["sell"],
            "expected_profit": self.expected_profit,
            "status": self.status,
            "sol_status": self.sol_status,
            "gap": self.gap,
            "bound": self.bound,
            "method": self.method,
            "seconds": self.seconds,
            "n_closed_excluded": self.n_closed_excluded,
            "assumptions": [a.to_dict() for a in self.assumptions],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "consultants": self.consultants.to_dict(orient="records"),
        }

    def to_frame(self) -> pd.DataFrame:
        return self.queue


#: what a plan checks in its leads table (columns it can do without have fallbacks)
PROFILE_SCHEMA = TableSchema(
    "leads to plan",
    (
        ColumnSpec("p_convert", "probability"),
        ColumnSpec("p_fit", "probability", required=False, allow_missing=True),
        ColumnSpec("p_convert_180d", "probability", required=False, allow_missing=True),
        ColumnSpec("expected_commission", "numeric", required=False, allow_missing=True, min=0),
        ColumnSpec("expected_effort_hours", "numeric", required=False, allow_missing=True, min=0),
        ColumnSpec("expected_resale_value", "numeric", required=False, allow_missing=True, min=0),
    ),
)


def _profile_arrays(
    profile: pd.DataFrame, econ: Economics, source: str | None
) -> tuple[dict[str, np.ndarray], list[Assumption]]:
    where = f"File '{source}'" if source else "The leads table"
    missing = [c for c in PROFILE_COLUMNS[:2] if c not in profile.columns]
    if missing:
        raise PlannerError(
            f"{where} lacks {missing}. Plan on a qualification profile ('leadlever qualify "
            "apply') or a scored table ('leadlever score apply'); name the id column with --id-col."
        )
    get = lambda c, d: (  # noqa: E731
        pd.to_numeric(profile[c], errors="coerce").to_numpy(dtype=float)
        if c in profile.columns
        else np.full(len(profile), d)
    )
    arr = {c: get(c, np.nan) for c in PROFILE_COLUMNS[1:]}
    # no estimate: rate x salary where there is one, else the economics' value, announced
    arr["expected_commission"], _, used = conversion_values(
        lambda c: get(c, np.nan) if c in profile.columns else None,
        len(profile),
        econ,
        given=arr["expected_commission"],
    )
    for c, figure in _FALLBACKS.items():  # no estimate: the economics' figure, announced
        empty = np.isnan(arr[c])
        if empty.any():
            arr[c] = np.where(empty, getattr(econ, figure), arr[c])
            note = "" if empty.all() else f"for {int(empty.sum()):,} lead(s) without '{c}'"
            used.append(econ.assumption(figure, note))
    # probabilities in [0, 1] (a column in percent is recognised), the rest not negative
    validate_table(profile, PROFILE_SCHEMA, source=source)
    arr["p_fit"] = get("p_fit", 1.0)
    arr["p_convert_180d"] = get("p_convert_180d", 1.0)
    return arr, used


def _values(
    a: dict[str, np.ndarray], levels: np.ndarray, s: PlannerSettings, econ: Economics
) -> np.ndarray:
    p_adj = adjusted_p(a["p_convert"], levels, s)
    return econ.in_house_value(
        p_adj, a["expected_commission"][:, None], a["expected_effort_hours"][:, None]
    )


def sell_rule(
    a: dict[str, np.ndarray],
    best: np.ndarray,
    s: PlannerSettings,
    sold: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rule 1 (see the module docstring): which leads to sell; which low-fit-and-timing leads
    are parked instead, because nothing is paid for them (resale 0, or no buyer's bundle
    takes them): nurtured, not worked now and not sold for nothing; and the reason of each
    of both (empty text for the others). ``sold``: the leads the packager put in a bundle
    (with buyers), instead of resale > in-house value."""
    pf, p180, res = a["p_fit"], a["p_convert_180d"], a["resale"]
    low = (pf < s.fit_threshold) & (p180 < s.timing_threshold)
    paid = (res > 0) if sold is None else sold
    sell = ((res > np.maximum(best, 0.0)) if sold is None else sold) | (low & paid)
    parked = low & ~sell
    why = np.full(best.size, "", dtype=object)
    for i in np.flatnonzero(sell | parked):  # one short sentence per lead
        lowly = f"low fit (p_fit {pf[i]:.2f}) and low 6-month conversion ({p180[i]:.0%})"
        why[i] = (
            f"nurture: {lowly}, but nothing is paid for it ("
            + ("no buyer's bundle takes it" if sold is not None else "resale value 0")
            + "), so it is not sold for nothing nor worked now"
            if parked[i]
            else f"sell: {lowly}"
            if low[i]
            else f"sell: resale {res[i]:,.0f} > best in-house value {best[i]:,.0f}"
        )
    return sell, parked, why


def plan_actions(
    profile: pd.DataFrame,
    consultants: pd.DataFrame,
    settings: PlannerSettings | None = None,
    economics: Economics | None = None,
    *,
    id_col: str = "lead_id",
    source: str | None = None,
    dedupe: bool = False,
    market: Market | None = None,
    outcome: OutcomeSpec | None = None,
) -> Plan:
    """Choose in-house (with consultant and priority), nurture or sell for every open lead.

    Parameters
    ----------
    profile : DataFrame
        One row per lead (a qualification profile or a scored table); closed leads
        (won or lost by ``outcome``, or by the outcome column found) are left out.
    consultants : DataFrame or path
    settings : PlannerSettings, optional
    economics : Economics, optional
        Hourly rate, legal fees, overhead, and the fallbacks for absent profile columns.
    id_col : str
        Column of lead ids (a repeated id is an error unless ``dedupe``: its first row
        is then planned, the others dropped).
    source : str, optional
        The leads' file, for messages.
    market : Market, optional
        Buyers (:func:`leadlever.optimisers.packaging.read_buyers`): the packager decides
        which leads are sold (:mod:`leadlever.optimisers.planning._resale`).
    """
    start = time.perf_counter()
    s = settings or PlannerSettings()
    econ = economics or Economics()
    found_id = None
    if id_col == "lead_id" and "lead_id" not in profile.columns:  # as every lead table is read
        found_id = lead_id_column(profile)
        id_col = found_id or id_col
    if id_col != "lead_id":
        if id_col not in profile.columns:
            raise PlannerError(
                f"{'File ' + repr(source) if source else 'The leads table'} has no id column "
                f"'{id_col}'. Check --id-col."
            )
        replaced = _replaced_id_note(profile, id_col)
        profile = profile.drop(columns="lead_id", errors="ignore")
        profile = profile.rename(columns={id_col: "lead_id"})
    else:
        replaced = None
    profile = unique_ids(profile, source=source, dedupe=dedupe)
    profile, n_closed, notes = keep_open(profile, doing="planned", source=source, outcome=outcome)
    if found_id:
        notes.insert(
            0,
            f"No 'lead_id' column: the leads are named by '{found_id}' (named like an id, its "
            "values nearly all distinct); name another column with --id-col.",
        )
    notes = [*notes, replaced] if replaced else notes
    warning = column_warning(profile, source)
    cons = load_consultants(consultants)
    capacity = cons["weekly_hours"].to_numpy() * s.horizon_weeks
    if capacity.sum() <= 0:
        raise ZeroCapacityError(
            "Every consultant has 0 weekly hours, so no lead can be worked in-house. "
            "Give at least one consultant hours > 0."
        )
    a, fallback = _profile_arrays(profile, econ, source)
    n = len(profile)
    levels = cons["seniority"].to_numpy()
    values = _values(a, levels, s, econ)
    best = values.max(axis=1)
    resale = plan_resale(profile, best, market, solver=s.solver, source=source)
    a["resale"] = resale.values
    sell, parked, why_sell = sell_rule(a, best, s, resale.sold)
    seniority, uplift_warning = seniority_assumptions(s, levels, warning is not None)
    candidate = ~sell & ~parked & (best > 0)
    cand = np.flatnonzero(candidate)
    consultant = np.full(n, -1)
    if cand.size * len(cons) <= s.exact_max_pairs:
        method = "exact"
        data = AssignmentData(
            values[cand], a["expected_effort_hours"][cand], capacity, tuple(cons["name"])
        )
        res = solve_assignment(data, solver=s.solver, time_limit=s.time_limit, gap_rel=s.gap_rel)
        consultant[cand] = res.pool
        bound = lp_bound(data)
    else:
        method = "seniority_classes"
        cls_levels, cls_of = np.unique(levels, return_inverse=True)
        cls_cap = np.bincount(cls_of, weights=capacity, minlength=cls_levels.size)
        cls_values = _values({k: v[cand] for k, v in a.items()}, cls_levels, s, econ)
        hours = a["expected_effort_hours"][cand]
        full = AssignmentData(cls_values, hours, cls_cap, tuple(str(x) for x in cls_levels))
        bound, price, core = _lp_core(full, s.core_extra)
        data = AssignmentData(cls_values[core], hours[core], cls_cap, full.pools)
        res = solve_assignment(data, solver=s.solver, time_limit=s.time_limit, gap_rel=s.gap_rel)
        for g in range(cls_levels.size):
            members = np.flatnonzero(cls_of == g)
            picked = core[res.pool == g]
            slot = _pack(picked, hours, capacity[members])
            consultant[cand[picked[slot >= 0]]] = members[slot[slot >= 0]]
        _fill_in(consultant, cand, values, a["expected_effort_hours"], capacity)
    in_house = consultant >= 0
    value = np.where(in_house, values[np.arange(n), np.maximum(consultant, 0)], 0.0)
    value = np.where(sell, a["resale"], value)
    expected_profit = float(value[in_house].sum() + a["resale"][sell].sum())
    worked = float(value[in_house].sum())
    gap = max(0.0, bound - worked) / bound if bound > 0 else 0.0
    p_adj = adjusted_p(a["p_convert"], levels, s)[np.arange(n), np.maximum(consultant, 0)]
    a["p_assigned"] = np.where(in_house, p_adj, np.nan)
    queue = _queue(profile, a, cons, consultant, sell, why_sell, best, value, levels)
    if warning is not None:  # the plan carries its scores' warning
        labels = profile[MODEL_WARNING_COLUMN].dropna().astype(str)
        queue[MODEL_WARNING_COLUMN] = labels[labels.str.strip() != ""].iloc[0]
    hours_used = np.bincount(
        consultant[in_house], weights=a["expected_effort_hours"][in_house], minlength=len(cons)
    )
    cons_out = cons.assign(
        capacity_hours=capacity,
        hours_assigned=hours_used,
        n_leads=np.bincount(consultant[in_house], minlength=len(cons)),
    )
    return Plan(
        queue,
        cons_out,
        expected_profit,
        res.status,
        res.sol_status,
        float(gap),
        float(bound),
        method,
        time.perf_counter() - start,
        n_closed_excluded=n_closed,
        assumptions=tuple(
            econ.assumptions(["hourly_rate", "legal_fees", "legal_fees_per", "admin_overhead"])
            + fallback
            + seniority
            + list(resale.assumptions)
        ),
        warnings=(() if warning is None else (warning,)) + tuple(uplift_warning),
        notes=tuple(notes) + resale.notes,
    )


def _replaced_id_note(profile: pd.DataFrame, id_col: str) -> str | None:
    """With ``--id-col`` naming another column than ``lead_id``, a ``lead_id`` column already
    in the table (a qualification profile carries one) gives way; a note when they differ."""
    if "lead_id" not in profile.columns:
        return None
    own = profile["lead_id"].astype("string").reset_index(drop=True)
    if own.equals(profile[id_col].astype("string").reset_index(drop=True)):
        return None
    return (
        f"'{id_col}' is the lead id (--id-col); the table's own 'lead_id' column, which holds "
        "other values, was left aside."
    )


def _queue(profile, a, cons, consultant, sell, why_sell, best, value, levels) -> pd.DataFrame:
    n = len(profile)
    in_house = consultant >= 0
    action = np.where(sell, "sell", np.where(in_house, "in_house", "nurture"))
    reason = np.empty(n, dtype=object)
    res = a["resale"]
    for i in range(n):  # one short sentence per lead
        if sell[i] or why_sell[i]:  # sold, or parked by the low-fit-and-timing rule
            reason[i] = why_sell[i]
        elif in_house[i]:
            reason[i] = f"work now: value {value[i]:,.0f} with {cons['name'].iat[consultant[i]]}"
        elif best[i] <= 0:
            reason[i] = f"nurture: in-house value {best[i]:,.0f} <= 0 now"
        else:
            reason[i] = f"nurture: no consultant hours left this horizon (value {best[i]:,.0f})"
    names = cons["name"].to_numpy(dtype=object)
    out = pd.DataFrame(
        {
            "lead_id": profile["lead_id"].to_numpy(),
            "action": action,
            "consultant": np.where(in_house, names[np.maximum(consultant, 0)], ""),
            "seniority": np.where(in_house, levels[np.maximum(consultant, 0)], np.nan),
            "p_convert": a["p_convert"],
            "p_convert_assigned": a["p_assigned"],
            "expected_value": value,
            "expected_in_house_value": best,
            "expected_resale_value": res,
            "expected_effort_hours": a["expected_effort_hours"],
            "reason": reason,
        }
    )
    rank = {"in_house": 0, "nurture": 1, "sell": 2}
    out = out.assign(_r=out["action"].map(rank)).sort_values(
        ["_r", "expected_value"], ascending=[True, False], kind="stable"
    )
    out = out.drop(columns="_r").reset_index(drop=True)
    out.insert(0, "priority", np.where(out["action"] == "in_house", np.arange(1, n + 1), 0))
    return out
