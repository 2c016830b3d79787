"""Package scored leads into quality-graded bundles for partner agencies.

Stages (one function each): :func:`prepare_leads` (validate the table, compute
which buyer each lead qualifies for), :func:`~leadlever.optimisers.packaging._feasibility.explain_infeasibility`
(requirements no bundle can meet), :func:`~leadlever.optimisers.packaging._model.build_classes`
and :func:`~leadlever.optimisers.packaging._model.solve_model` (the class MILP),
:func:`concretise` (the repair step: hand concrete lead ids to every bundle and
re-check every requirement on it), then a :class:`PackagingResult`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
import warnings

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import DataError
from leadlever.engine.io._schema import (
    ColumnSpec,
    TableSchema,
    closest_names,
    require_columns,
    validate_table,
)
from leadlever.optimisers.exceptions import InfeasibleRequirementError, NoPlanFoundError
from leadlever.optimisers.packaging._buyers import Market
from leadlever.optimisers.packaging._feasibility import infeasible_by_buyer
from leadlever.optimisers.packaging._greedy import greedy_packaging
from leadlever.optimisers.packaging._model import (
    LeadClasses,
    ModelSolution,
    build_classes,
    build_slots,
    solve_model,
)
from leadlever.optimisers.packaging._prune import merge_classes, useful_columns
from leadlever.optimisers.packaging._repair import concretise
from leadlever.optimisers.packaging._result import (
    LeadPool,
    PackagingResult,
    plan_totals,
)
from leadlever.optimisers.packaging._rounding import round_solution
from leadlever.optimisers.packaging._settings import PackagerSettings

__all__ = ["PackagerSettings", "prepare_leads", "package"]

logger = logging.getLogger(__name__)


def _check_buyer_columns(frame: pd.DataFrame, market: Market, source: str | None) -> None:
    cols = [str(c) for c in frame.columns]
    where = f"File '{source}'" if source else "The leads table"
    for buyer in market.buyers:
        for col in list(buyer.filters) + list(buyer.bounds):
            if col not in frame.columns:
                close = closest_names(col, cols)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise DataError(
                    f"Buyer '{buyer.name}' requires column '{col}'{hint}, which {where.lower()} "
                    f"lacks. Add the column to the leads or change the buyer's requirement."
                )


def prepare_leads(
    frame: pd.DataFrame,
    market: Market,
    *,
    prob_col: str = "p_convert",
    cost_col: str | None = None,
    id_col: str = "lead_id",
    source: str | None = None,
) -> LeadPool:
    """Validate the leads and compute each lead's eligibility for each buyer.

    A lead qualifies for a buyer when every filter column holds an allowed value and
    every bounded criterion lies within the buyer's bounds (a missing value fails).

    Raises
    ------
    leadlever.engine.exceptions.DataError
        Missing probability / cost / filter column (with the closest name), values
        out of range (a probability in percent is detected), duplicate ids.
    """
    if id_col != "lead_id":
        # an id column asked for by name must exist: row numbers would go to the partners
        require_columns(
            frame,
            [id_col],
            source=source,
            needed_for="(the lead ids)",
            fix="Pass the column that holds the lead ids (without 'lead_id' leads are "
            "numbered from 1).",
        )
    specs = [ColumnSpec(prob_col, "probability")]
    if cost_col is not None:
        specs.append(ColumnSpec(cost_col, "numeric"))
    if id_col in frame.columns:
        specs.append(ColumnSpec(id_col, "id"))
    crits = sorted({c for b in market.buyers for c in b.bounds})
    _check_buyer_columns(frame, market, source)
    specs += [
        ColumnSpec(c, "numeric", allow_missing=True) for c in crits if c not in (prob_col, cost_col)
    ]
    data = validate_table(frame, TableSchema("packager_leads", tuple(specs)), source=source)
    n = len(data)
    ids = data[id_col].to_numpy(dtype=object) if id_col in data.columns else np.arange(1, n + 1)
    p = data[prob_col].to_numpy(dtype=float)
    cost = data[cost_col].to_numpy(dtype=float) if cost_col is not None else np.zeros(n)
    eligible = np.ones((n, len(market.buyers)), dtype=bool)
    for b, buyer in enumerate(market.buyers):
        for col, allowed in buyer.filters.items():
            values = data[col]
            if pd.api.types.is_numeric_dtype(values) and all(
                isinstance(a, int | float) and not isinstance(a, bool) for a in allowed
            ):
                match = values.isin(allowed).to_numpy()
            elif isinstance(values.dtype, pd.CategoricalDtype):
                cats = np.asarray([str(c) for c in values.cat.categories])
                ok_cat = np.isin(cats, [str(a) for a in allowed])
                codes = values.cat.codes.to_numpy()
                match = (codes >= 0) & ok_cat[np.clip(codes, 0, None)]
            else:
                match = (
                    values.astype("string")
                    .isin([str(a) for a in allowed])
                    .fillna(False)
                    .to_numpy(dtype=bool)
                )
            if n and not match.any():
                present = sorted({str(v) for v in values.dropna().unique()})
                shown = ", ".join(present[:12]) + (", ..." if len(present) > 12 else "")
                warnings.warn(
                    f"Buyer '{buyer.name}' filters '{col}' on {list(allowed)}, values no lead "
                    f"holds (the column holds: {shown}). Check the spelling in the buyers file.",
                    UserWarning,
                    stacklevel=2,
                )
            eligible[:, b] &= match
        for crit, (lo, hi) in buyer.bounds.items():
            v = data[crit].to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):  # NaN (missing) fails every bound, as documented
                ok = np.isfinite(v)
                if lo is not None:
                    ok &= v >= lo
                if hi is not None:
                    ok &= v <= hi
            eligible[:, b] &= ok
    return LeadPool(ids=ids, p=p, cost=cost, eligible=eligible)


#: resolutions ``p_resolution="auto"`` tries, coarsest first
_AUTO_RESOLUTIONS = (0.1, 0.05, 0.02, 0.01)


def _build_classes(pool: LeadPool, settings: PackagerSettings) -> LeadClasses:
    """Classes at the settings' resolution (for "auto": the finest within the budget)."""
    if settings.formulation == "per_lead" or settings.p_resolution is None:
        return build_classes(pool.p, pool.cost, pool.eligible, p_resolution=None)
    auto = settings.p_resolution == "auto"
    chosen, prev = None, 1.0
    for res in _AUTO_RESOLUTIONS if auto else (float(settings.p_resolution),):
        # the next resolution multiplies the classes by about prev / res: stop before a
        # build whose estimate already exceeds the budget
        if chosen is not None and chosen.n_classes * prev / res > settings.max_classes:
            break
        classes = build_classes(
            pool.p, pool.cost, pool.eligible, p_resolution=res, cost_bands=settings.cost_bands
        )
        if chosen is not None and classes.n_classes > settings.max_classes:
            break
        chosen, prev = classes, res
    return chosen


def _infeasible(reasons: list[str], settings: PackagerSettings, pool: LeadPool) -> PackagingResult:
    if settings.on_infeasible == "raise":
        raise InfeasibleRequirementError(" ".join(reasons), reasons=reasons)
    return PackagingResult(
        status="infeasible",
        gap=None,
        bundles=(),
        unsold=tuple(pool.ids.tolist()),
        revenue=0.0,
        cost=0.0,
        profit=0.0,
        reasons=tuple(reasons),
        solver=settings.solver,
        formulation=settings.formulation,
    )


def package(
    leads: pd.DataFrame | LeadPool,
    market: Market,
    *,
    prob_col: str = "p_convert",
    cost_col: str | None = None,
    id_col: str = "lead_id",
    settings: PackagerSettings | None = None,
    source: str | os.PathLike | None = None,
) -> PackagingResult:
    r"""Sell leads in quality-graded bundles so that revenue minus opportunity cost is largest.

    .. math:: \max \sum_{\text{bundles}} \pi \, n \;-\; \sum_{\text{leads sold}} \kappa_i

    subject to every buyer's requirements (see :mod:`leadlever.optimisers.packaging._model`).

    Parameters
    ----------
    leads : DataFrame or LeadPool
        Any table with a probability column (``prob_col``), or a prepared pool.
    market : Market
        Buyers and rating scale (:func:`leadlever.optimisers.packaging._buyers.read_buyers`).
    prob_col, cost_col, id_col : str
        Column names; without ``cost_col`` every lead costs 0; without ``id_col`` in the
        table, leads are numbered from 1.
    settings : PackagerSettings, optional
    source : path, optional
        File name for error messages.
    """
    settings = settings or PackagerSettings()
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    if isinstance(leads, LeadPool):
        pool = leads
    else:
        pool = prepare_leads(
            leads,
            market,
            prob_col=prob_col,
            cost_col=cost_col,
            id_col=id_col,
            source=None if source is None else str(source),
        )
    times["prepare"] = time.perf_counter() - t0
    by_buyer = infeasible_by_buyer(pool, market)
    reasons = [r for rs in by_buyer.values() for r in rs]
    if reasons:
        if settings.on_infeasible != "skip":
            return _infeasible(reasons, settings, pool)
        keep = [i for i in range(len(market.buyers)) if i not in by_buyer]
        market = dataclasses.replace(market, buyers=tuple(market.buyers[i] for i in keep))
        pool = dataclasses.replace(pool, eligible=pool.eligible[:, keep])
        if not keep:
            return _infeasible(reasons, dataclasses.replace(settings, on_infeasible="report"), pool)
    t1 = time.perf_counter()
    classes = _build_classes(pool, settings)
    slots = build_slots(market, aggregate=settings.formulation == "class")
    if (
        settings.prune_columns
        and settings.formulation == "class"
        and classes.n_classes
        and (classes.cost >= 0).all()
    ):
        capped = np.zeros(len(market.buyers), dtype=bool)
        capped[[s.buyer for s in slots if s.window is not None]] = True
        keep = useful_columns(
            classes.p,
            classes.cost,
            classes.count,
            classes.eligible,
            market,
            p_max=classes.p_high,
            capped=capped,
        )
        classes = merge_classes(classes, keep, pool.p, pool.cost)
    times["classes"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    try:
        solution = solve_model(
            classes,
            slots,
            market,
            solver=settings.solver,
            time_limit=settings.time_limit,
            gap_rel=settings.gap_rel,
            relax_counts=settings.relaxed,
        )
    except NoPlanFoundError:
        if not settings.greedy_fallback:
            raise
        # no MILP plan within the time limit: the empty plan stands in; the greedy plan follows
        logger.warning("the MILP found no plan within the time limit; falling back to greedy")
        solution = ModelSolution(
            "feasible",
            float("inf"),
            0.0,
            float("inf"),
            {},
            {},
            np.zeros(classes.n_classes, dtype=int),
            0.0,
            0,
            0,
        )
    times["solve"] = time.perf_counter() - t2
    t3 = time.perf_counter()
    relaxed_objective = solution.objective
    solution, rounded_objective = round_solution(solution, classes, slots, market)
    bundles, notes = concretise(solution, classes, slots, pool, market)
    times["repair"] = time.perf_counter() - t3
    revenue, cost, sold = plan_totals(bundles, pool)
    method = "milp"
    milp_profit = revenue - cost
    if settings.greedy_fallback:
        t4 = time.perf_counter()
        greedy = greedy_packaging(pool, market)
        g_rev, g_cost, g_sold = plan_totals(greedy, pool)
        times["greedy"] = time.perf_counter() - t4
        if g_rev - g_cost > milp_profit + 1e-9:
            notes.append(
                f"kept the greedy plan (profit {g_rev - g_cost:,.2f}) over the MILP plan "
                f"({milp_profit:,.2f}); the MILP's grade condition is conservative and a time "
                "limit may stop it early."
            )
            bundles, revenue, cost, sold, method = greedy, g_rev, g_cost, g_sold, "greedy"
    if not np.isfinite(solution.gap):
        notes.append(
            "the MILP solver found no plan within the time limit (gap unknown); "
            "increase the time limit for an optimised plan."
        )
    served = {b.buyer for b in bundles}
    notes += [
        f"{buyer.name} receives no bundle: no bundle meeting its requirements earns more than "
        "its leads' opportunity cost, or its leads earn more with other buyers."
        for buyer in market.buyers
        if buyer.name not in served
    ]
    times["total"] = time.perf_counter() - t0
    if reasons:
        notes = [f"skipped: {r}" for r in reasons] + notes
    return PackagingResult(
        status=solution.status,
        gap=solution.gap,
        bundles=tuple(bundles),
        unsold=tuple(pool.ids[~sold].tolist()),
        revenue=revenue,
        cost=cost,
        profit=revenue - cost,
        reasons=tuple(reasons),
        notes=tuple(notes),
        solver=settings.solver,
        formulation=settings.formulation,
        n_classes=classes.n_classes,
        model_objective=relaxed_objective,
        rounded_objective=rounded_objective,
        method=method,
        milp_profit=milp_profit,
        seconds=times,
    )
