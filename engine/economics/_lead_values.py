r"""A lead's in-house value and resale value: one definition for ``plan``, ``price leads``
and ``package``.

**In-house value** :math:`V_i` (what keeping and working the lead is worth, the opportunity
cost of selling it): the ``expected_value`` column of a qualification profile (source
"data"), else :math:`V_i = p_i K_i - D(p_i, h_i)` from the economics (:math:`K_i` the
``expected_commission`` column, else :func:`conversion_values`: ``commission_rate`` times
the salary column where it has a value, else ``value_per_conversion``; :math:`h_i`
``expected_effort_hours`` or ``effort_hours``), each figure announced.

A profile's ``expected_value`` was built upstream (``qualify apply``) from a value per
conversion the file does not record; where the profile has no per-lead commission, that
value is recovered exactly as :math:`K = (V_i + D_i) / p_i` from its
``expected_delivery_cost`` :math:`D_i` (:func:`implied_value_per_conversion`), announced
(source "data") and compared with the economics of the current run.

**Resale value** :math:`R_i` (what selling the lead earns): the ``expected_resale_value``
column (a qualification bundle's resale model), else the ``price`` column that ``price
leads`` writes (the lead's list price), else 0, announced as a default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from leadlever.engine.economics._economics import Assumption, Economics

__all__ = [
    "LeadValues",
    "conversion_values",
    "in_house_values",
    "resale_values",
    "implied_value_per_conversion",
    "RESALE_COLUMNS",
]

#: columns a lead's resale value is read from, first found wins
RESALE_COLUMNS = ("expected_resale_value", "price")


@dataclass(frozen=True)
class LeadValues:
    """Per-lead values, the figures they rest on, and warnings about them."""

    values: np.ndarray
    assumptions: tuple[Assumption, ...]
    how: str
    warnings: tuple[str, ...] = ()


def _numbers(frame: pd.DataFrame, col: str) -> np.ndarray:
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)


def conversion_values(
    get: Callable[[str], np.ndarray | None],
    n: int,
    econ: Economics,
    *,
    given: np.ndarray | None = None,
) -> tuple[np.ndarray, str, list[Assumption]]:
    r"""What one conversion of each of ``n`` leads is worth where ``given`` (a lead's own
    ``expected_commission``; None: no such column) does not say it: :math:`K_i = r\,S_i`
    (``commission_rate`` times the economics' ``salary_column``) where the lead has a
    salary, else ``value_per_conversion``.

    ``get(name)`` returns a column as floats (NaN for empty cells) or None when the table
    has no such column. Returns the values of all ``n`` leads, a short name of the filled
    values' source and the assumptions the filling used (none when nothing was filled). One
    definition for ``roi``, ``plan``, ``price leads``, ``package`` and ``qualify``.
    """
    need = np.ones(n, dtype=bool) if given is None else np.isnan(given)
    values = np.full(n, econ.value_per_conversion) if given is None else given.copy()
    salary = get(econ.salary_column) if need.any() else None
    salary = None if salary is None else np.where(need, salary, np.nan)
    if salary is None or np.isnan(salary).all():
        used = [econ.assumption("value_per_conversion")] if need.any() else []
        values[need] = econ.value_per_conversion
        return values, "value_per_conversion", used
    has = ~np.isnan(salary)
    used = [econ.assumption("commission_rate", f"times column '{econ.salary_column}'")]
    if (need & ~has).any():
        note = f"for {int((need & ~has).sum()):,} lead(s) without '{econ.salary_column}'"
        used.append(econ.assumption("value_per_conversion", note))
    values[need & ~has] = econ.value_per_conversion
    values[has] = econ.commission_rate * salary[has]
    return values, f"{econ.commission_rate:g} x {econ.salary_column}", used


def implied_value_per_conversion(frame: pd.DataFrame, prob_col: str = "p_convert") -> float | None:
    """The one value per conversion a profile's ``expected_value`` was built from, or None.

    Needs ``expected_value``, ``expected_delivery_cost`` and ``prob_col`` and no per-lead
    ``expected_commission``; leads with :math:`p < 0.01` are skipped (the division is
    ill-conditioned); None when the implied values disagree by more than 0.1 %.
    """
    need = ("expected_value", "expected_delivery_cost", prob_col)
    if any(c not in frame.columns for c in need):
        return None
    if "expected_commission" in frame.columns and frame["expected_commission"].notna().any():
        return None
    v, d, p = (_numbers(frame, c) for c in need)
    ok = np.isfinite(v) & np.isfinite(d) & np.isfinite(p) & (p >= 0.01)
    if not ok.any():
        return None
    k = (v[ok] + d[ok]) / p[ok]
    mid = float(np.median(k))
    if mid <= 0 or np.max(np.abs(k - mid)) > 1e-3 * mid:
        return None
    return mid


def in_house_values(
    frame: pd.DataFrame, econ: Economics, prob_col: str = "p_convert", source: str | None = None
) -> LeadValues:
    """Each lead's expected in-house value (module docstring); NaN becomes 0."""
    where = f"'{source}'" if source else "the leads table"
    if "expected_value" in frame.columns:
        v = np.nan_to_num(_numbers(frame, "expected_value"), nan=0.0)
        used = [
            Assumption(
                "expected_value",
                "column 'expected_value'",
                "data",
                f"each lead's in-house value as computed upstream (qualify apply), read from {where}",
            )
        ]
        warnings = []
        k = implied_value_per_conversion(frame, prob_col)
        if k is not None:
            default = k == Economics().value_per_conversion
            note = "implied by expected_value and expected_delivery_cost" + (
                "; it is the documented default, so the profile was likely built without "
                "an economics file" * default
            )
            used.append(Assumption("value_per_conversion", round(k, 6), "data", note))
            if econ.given("value_per_conversion") and abs(k - econ.value_per_conversion) > 1e-3 * k:
                warnings.append(
                    f"the expected_value column of {where} was built with a value per "
                    f"conversion of {k:,.2f}, but this run's economics say "
                    f"{econ.value_per_conversion:,.2f}; re-run 'leadlever qualify apply' "
                    "with the same --economics file so the two agree."
                )
        return LeadValues(v, tuple(used), "column 'expected_value'", tuple(warnings))
    used = econ.assumptions(["hourly_rate", "legal_fees", "legal_fees_per", "admin_overhead"])
    n = len(frame)
    k = _numbers(frame, "expected_commission") if "expected_commission" in frame else None
    if k is not None and not np.isnan(k).all():
        used.append(Assumption("expected_commission", "column 'expected_commission'", "data"))

    def column(c: str) -> np.ndarray | None:
        return _numbers(frame, c) if c in frame.columns else None

    k, _, fallback = conversion_values(column, n, econ, given=k)
    used += fallback
    if "expected_effort_hours" in frame.columns:
        h = _numbers(frame, "expected_effort_hours")
        empty = np.isnan(h)
        if empty.any():
            h = np.where(empty, econ.effort_hours, h)
            used.append(econ.assumption("effort_hours", f"for {int(empty.sum()):,} lead(s)"))
    else:
        h = np.full(n, econ.effort_hours)
        used.append(econ.assumption("effort_hours"))
    p = np.nan_to_num(_numbers(frame, prob_col), nan=0.0)
    v = econ.in_house_value(p, k, h)
    return LeadValues(np.nan_to_num(v, nan=0.0), tuple(used), "p x value - delivery cost")


def resale_values(frame: pd.DataFrame, source: str | None = None) -> LeadValues:
    """Each lead's resale value (module docstring): a column, else 0 announced."""
    where = f"'{source}'" if source else "the leads table"
    for col in RESALE_COLUMNS:
        if col in frame.columns:
            r = np.nan_to_num(_numbers(frame, col), nan=0.0)
            what = "list price from 'price leads'" if col == "price" else "resale model"
            used = Assumption("expected_resale_value", f"column '{col}'", "data", what)
            return LeadValues(r, (used,), f"column '{col}'")
    used = Assumption(
        "expected_resale_value",
        0.0,
        "default",
        f"{where} has no 'expected_resale_value' or 'price' column, so selling a lead earns "
        "nothing here: price the leads ('leadlever price leads') or give --buyers",
    )
    return LeadValues(np.zeros(len(frame)), (used,), "default 0")
