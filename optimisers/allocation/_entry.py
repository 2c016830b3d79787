"""The file-level entry points of the allocation commands: a CURVES table (and its fit file) in,
a decision or a plan out (``allocate solve``, ``allocate plan``), and the same decision from a
fit in memory."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import ParameterError
from leadlever.engine.io._numbers import check_number
from leadlever.optimisers.allocation._curve_table import read_curves
from leadlever.optimisers.allocation._decision import _SAME, DecisionSettings, recommend
from leadlever.optimisers.allocation._held import evidence_bounds, far_tail_notes, held_channels
from leadlever.optimisers.allocation._narrow import narrow_channels
from leadlever.optimisers.allocation._plan import TAIL_WEEKS, PlanResult, plan_weeks
from leadlever.optimisers.allocation._recommendation import Recommendation
from leadlever.optimisers.curves._result import CurveFitResult

__all__ = ["solve_curves", "recommend_fit", "plan_curves"]

#: relative precision of the minimum budget for a target
_TARGET_TOL = 1e-3


def solve_curves(
    source: str | os.PathLike | pd.DataFrame,
    budget: float | None = None,
    *,
    objective: str = "value",
    settings: DecisionSettings | None = None,
    sidecar: str | os.PathLike | bool | None = None,
    limits: tuple[np.ndarray, np.ndarray] | None = None,
    channels: list[str] | tuple[str, ...] | None = None,
) -> Recommendation:
    """Read a CURVES table and recommend a split of ``budget`` (default: today's total).

    Parameters
    ----------
    source : path or DataFrame
    budget : float, optional
        Weekly budget; default the sum of ``current_spend``.
    objective : {"value", "profit"}
    settings : DecisionSettings, optional
        Evidence margin, what happens to channels not trusted, risk.
    sidecar : path, bool or None
        The fitter's ``.fit.json`` (draws): None = next to ``source`` if present,
        False = none.
    limits : (array, array), optional
        Extra lower and upper spend per channel (e.g. the weekly move limit).
    channels : list of str, optional
        Only these channels of the table (the others keep their spend outside this budget).
    """
    table = read_curves(source, sidecar=sidecar, channels=channels)
    current = table.current_spend
    assumptions: list[dict[str, Any]] = []
    if current is None and budget is None:
        raise ParameterError(
            "The curves table has no current_spend column, so there is no current budget: "
            "give --budget."
        )
    if current is None:
        assumptions.append(
            {"name": "current spend", "value": "unknown: no uplift is reported", "source": "data"}
        )
    if budget is None:
        assumptions.append({"name": "budget", "value": float(current.sum()), "source": "data"})
    draws = None if table.fit is None else table.fit.get("draws")
    why_none = "none (no draws file)" if table.fit is None else "none (no draws in the file)"
    if draws is not None and set(table.channels) - set(draws.channels):
        lacking = sorted(set(table.channels) - set(draws.channels))
        why_none = (
            f"none: {table.fit_path} has no draws for {', '.join(map(repr, lacking))} (it was "
            "written with other curves)"
        )
        draws = None
    assumptions.append(
        {
            "name": "uncertainty",
            "value": f"{draws.n} posterior draws from {table.fit_path}"
            if draws is not None
            else why_none,
            "source": "data" if draws is not None else "default",
        }
    )
    return recommend(
        list(table.channels),
        list(table.curves),
        budget,
        current_spend=current,
        max_observed=table.max_observed,
        min_observed=table.min_observed,
        quality=list(table.quality),
        reasons=list(table.reasons),
        min_spend=table.min_spend,
        max_spend=table.max_spend,
        objective=objective,
        draws=draws,
        settings=settings,
        assumptions=tuple(assumptions),
        limits=limits,
    )


def recommend_fit(
    fit: CurveFitResult,
    budget: float | None = None,
    *,
    objective: str = "value",
    settings: DecisionSettings | None = None,
) -> Recommendation:
    """:func:`recommend` on a :class:`~leadlever.optimisers.curves.CurveFitResult` in memory
    (what :func:`solve_curves` does from the CURVES file and its sidecar)."""
    fcs = list(fit.curves)
    return recommend(
        [f.channel for f in fcs],
        [f.curve for f in fcs],
        budget,
        current_spend=np.array([f.current_spend for f in fcs]),
        max_observed=np.array([f.max_observed_spend for f in fcs]),
        min_observed=np.array([f.min_observed_spend for f in fcs]),
        quality=[f.quality for f in fcs],
        reasons=[f.reasons for f in fcs],
        objective=objective,
        draws=fit.draws,
        settings=settings,
        assumptions=tuple(fit.assumptions),
    )


def _weekly_list(weekly: str | list[float] | None, weeks: int) -> list[float] | None:
    if weekly is None:
        return None
    if isinstance(weekly, str):
        try:
            values = [float(v) for v in weekly.split(",") if v.strip()]
        except ValueError:
            raise ParameterError(
                f"--weekly must be comma-separated numbers (e.g. 20000,25000,20000). Got {weekly!r}."
            ) from None
    else:
        values = list(weekly)
    if len(values) != weeks:
        raise ParameterError(
            f"--weekly: give one budget >= 0 per week, {weeks} values for --weeks {weeks}; got "
            f"{len(values)}."
        )
    return [check_number(v, f"--weekly: week {k}'s budget", low=0) for k, v in enumerate(values, 1)]


def plan_curves(
    source: str | os.PathLike | pd.DataFrame,
    *,
    weeks: int,
    budget: float | None = None,
    weekly: str | list[float] | None = None,
    max_week: float | None = None,
    target: float | None = None,
    settings: DecisionSettings | None = None,
    sidecar: str | os.PathLike | bool | None = None,
) -> PlanResult:
    """Plan ``weeks`` weeks from a CURVES table (and its ``.fit.json``: time effect, draws).

    Parameters
    ----------
    budget : float, optional
        Total over the weeks (default: today's weekly total x ``weeks``).
    weekly : list of float or "a,b,c", optional
        One budget per week instead of a total.
    max_week : float, optional
        Cap on any one week's total spend.
    target : float, optional
        Find the smallest total whose best plan reaches this value (over the weeks and
        the carry-over after them).
    """
    settings = settings or DecisionSettings()
    if isinstance(weeks, bool) or not isinstance(weeks, int | np.integer) or weeks < 1:
        raise ParameterError(f"--weeks must be a whole number >= 1. Got {weeks!r}.")
    if budget is not None:
        budget = check_number(budget, "--budget (the total over the weeks)", low=0)
    if max_week is not None:
        max_week = check_number(max_week, "--max-week", low=0, low_open=True)
    if target is not None:
        target = check_number(target, "--target (the value to reach)", low=0, low_open=True)
    table = read_curves(source, sidecar=sidecar)
    if table.current_spend is None:
        raise ParameterError(
            "The curves table has no current_spend column: a plan needs today's spend per channel "
            "(allocate fit writes it)."
        )
    cur = table.current_spend
    names = list(table.channels)
    week_list = _weekly_list(weekly, weeks)
    assumptions: list[dict[str, Any]] = list(settings.assumptions())
    if week_list is None and budget is None and target is None:
        budget = float(cur.sum() * weeks)
        assumptions.append({"name": "total budget", "value": budget, "source": "default"})
    fit = table.fit or {}
    draws = fit.get("draws")
    draws = None if draws is None or set(names) - set(draws.channels) else draws.select(names)
    narrow, _ = narrow_channels(
        names,
        cur,
        list(table.quality),
        settings,
        max_observed=table.max_observed,
        min_observed=table.min_observed,
        draws=draws,
    )
    lower, upper, caps, _ = evidence_bounds(
        cur,
        list(table.quality),
        settings,
        max_observed=table.max_observed,
        min_observed=table.min_observed,
        max_spend=table.max_spend,
        narrow=narrow,
        reasons=list(table.reasons),
    )
    held = held_channels(table.quality, settings, table.reasons)
    state = np.where(np.isfinite(table.carryover_state), table.carryover_state, cur)
    te = fit.get("time_effect")
    m = te.ahead(weeks + TAIL_WEEKS) if te is not None else np.ones(weeks + TAIL_WEEKS)
    assumptions += [
        {
            "name": "time effect",
            "value": "trend and season of the fit, extrapolated"
            if te is not None
            else "none (flat): the fit's trend and season are in its baseline, which no spend "
            "moves, so the plan leaves them out (its value is the channels' contribution)"
            if _baseline_time(fit)
            else "none (flat)",
            "source": "data" if te is not None else "default",
        },
        {
            "name": "after the plan",
            "value": f"carry-over counted for {TAIL_WEEKS} more weeks, as if nothing more were spent",
            "source": "default",
        },
        {
            "name": "held channels",
            "value": "the same limits every week, around today's weekly spend",
            "source": "default",
        },
    ]
    common = dict(
        weeks=weeks,
        current_spend=cur,
        adstock=table.adstock,
        carryover_state=state,
        time_effect=m,
        lower=lower,
        upper=upper,
        max_week=max_week,
    )
    curves = list(table.curves)
    notes: list[str] = []
    reached = None
    if target is not None:
        lo_total = float(lower.sum() * weeks)
        hi_total = float(min(upper.sum(), max_week or np.inf) * weeks)
        if not np.isfinite(hi_total):
            raise ParameterError(
                "A target needs finite caps: do not combine --target with --extrapolate."
            )
        x, info = plan_weeks(names, curves, budget=hi_total, draws=None, **common)
        reached = info["value"] >= target
        if reached:
            lo_b, hi_b = lo_total, hi_total
            while hi_b - lo_b > _TARGET_TOL * hi_total:
                mid = 0.5 * (lo_b + hi_b)
                _, probe = plan_weeks(names, curves, budget=mid, draws=None, **common)
                lo_b, hi_b = (mid, hi_b) if probe["value"] < target else (lo_b, mid)
            budget = hi_b
        else:
            budget = hi_total
            notes.append(
                f"The best plan within the evidence caps reaches {info['value']:,.0f}, short of the "
                f"target {target:,.0f}: test higher spend or lower the target."
            )
        week_list = None
    x, info = plan_weeks(names, curves, budget=budget, weekly=week_list, draws=draws, **common)
    if draws is not None:
        notes += far_tail_notes(draws, np.maximum(x.max(axis=0), cur))
    return PlanResult(
        channels=tuple(names),
        spend=x,
        value_by_week=info["value_by_week"],
        value=info["value"],
        baseline_value=info["baseline_value"],
        value_interval=info["interval"],
        budget=info["total"],
        caps=np.where(held, upper, caps),
        held=tuple(n for n, h in zip(names, held, strict=True) if h),
        held_why=tuple(
            (
                f"held at {upper[i]:,.0f} a week, its current spend"
                if upper[i] - lower[i] <= _SAME * max(upper[i], 1.0)
                else f"held between {lower[i]:,.0f} and {upper[i]:,.0f} a week, near its "
                "current spend"
            )
            + f": its curve is {table.quality[i]}"
            + (f" ({table.reasons[i][0]})" if table.reasons[i] else "")
            for i in np.flatnonzero(held)
        ),
        target=target,
        target_reached=reached,
        assumptions=tuple(assumptions),
        notes=tuple(notes),
    )


def _baseline_time(fit: dict[str, Any]) -> bool:
    """Whether the fit put its trend and season in an additive baseline (a wide table's joint
    fit) rather than in a time effect on the curves."""
    return any(
        a.get("name") == "time effect" and "baseline" in str(a.get("value", ""))
        for a in fit.get("assumptions", ()) or ()
    )
