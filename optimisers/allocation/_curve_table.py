"""The CURVES table: one row per channel with its curve kind and parameters.

Columns: ``channel``, ``curve`` (hill, logistic, michaelis_menten, power,
exp_saturation) and that curve's parameters (see :mod:`leadlever.optimisers.curves._family`);
optional ``min_spend``, ``max_spend``, ``current_spend`` and
``max_observed_spend`` (written by the fitter: spend beyond
``max_extrapolation`` times it is refused unless the row gives an explicit
``max_spend``). Other columns (standard errors, fit quality) are ignored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import InvalidValueError, MissingColumnsError
from leadlever.engine.io._schema import ColumnSpec, TableSchema, validate_table
from leadlever.engine.io._tables import read_table
from leadlever.optimisers.allocation._allocator import Allocation, AllocatorSettings, allocate
from leadlever.optimisers.curves._family import CURVE_KINDS, Curve, curve_from_params
from leadlever.optimisers.exceptions import CurveError

__all__ = ["TrustedCurve", "CurveTable", "read_curves", "solve_curves"]

_PARAMS = sorted({p for cls in CURVE_KINDS.values() for p in cls.param_names})

CURVES_SCHEMA = TableSchema(
    "curves",
    (
        ColumnSpec("channel", "id", description="Channel name (unique)."),
        ColumnSpec("curve", "category", description="Curve kind."),
        *(ColumnSpec(p, "numeric", required=False, allow_missing=True) for p in _PARAMS),
        ColumnSpec("min_spend", "numeric", required=False, allow_missing=True, min=0),
        ColumnSpec("max_spend", "numeric", required=False, allow_missing=True, min=0),
        ColumnSpec("current_spend", "numeric", required=False, allow_missing=True, min=0),
        ColumnSpec("max_observed_spend", "numeric", required=False, allow_missing=True, min=0),
    ),
)


@dataclass(frozen=True)
class TrustedCurve:
    """A curve with the largest spend it was fitted on (the allocator caps spend near it)."""

    curve: Curve
    max_observed_spend: float


@dataclass(frozen=True)
class CurveTable:
    """Parsed CURVES table."""

    channels: tuple[str, ...]
    curves: tuple[Any, ...]
    min_spend: np.ndarray
    max_spend: np.ndarray
    current_spend: np.ndarray | None


def read_curves(source: str | os.PathLike | pd.DataFrame) -> CurveTable:
    """Read and validate a CURVES table (CSV/Parquet path or DataFrame).

    Raises
    ------
    leadlever.engine.exceptions.DataError
        With the file, row and column at fault.
    """
    name = None if isinstance(source, pd.DataFrame) else str(source)
    raw = read_table(source)
    if "curve" not in raw.columns and {"channel", "spend", "value"} <= set(raw.columns):
        raise MissingColumnsError(
            f"{f'File {name!r}' if name else 'The table'} looks like a channel history (channel, "
            "spend, value per period), not a CURVES table (it has no 'curve' column). Fit the "
            "curves first: leadlever allocate fit HISTORY --out curves.csv, then allocate solve "
            "curves.csv.",
            ["curve"],
            {},
        )
    frame = validate_table(raw, CURVES_SCHEMA, source=name)
    where = f"File '{name}'" if name else "The curves table"
    curves: list[Any] = []
    for row_no, (_, row) in enumerate(frame.iterrows(), start=1):
        kind = str(row["curve"]).strip().lower()
        if kind not in CURVE_KINDS:
            raise InvalidValueError(
                f"{where}, column 'curve': data row {row_no} holds {row['curve']!r}, which is not a curve "
                f"kind. Use one of: {', '.join(CURVE_KINDS)}.",
                "curve",
                [row_no],
            )
        cls = CURVE_KINDS[kind]
        params = {}
        for p in cls.param_names:
            v = row.get(p, np.nan)
            if v is None or pd.isna(v):
                raise InvalidValueError(
                    f"{where}, column '{p}': data row {row_no} (channel '{row['channel']}') is empty, but a "
                    f"'{kind}' curve needs {', '.join(cls.param_names)}. Fill it in.",
                    p,
                    [row_no],
                )
            params[p] = float(v)
        try:
            curve = curve_from_params(kind, params)
        except CurveError as exc:
            raise InvalidValueError(
                f"{where}, data row {row_no} (channel '{row['channel']}'): {exc}", kind, [row_no]
            ) from None
        explicit_max = "max_spend" in frame.columns and pd.notna(row["max_spend"])
        observed = row.get("max_observed_spend", np.nan)
        if not explicit_max and observed is not None and pd.notna(observed) and observed > 0:
            curves.append(TrustedCurve(curve, float(observed)))
        else:
            curves.append(curve)

    def col(name_: str, default: float) -> np.ndarray:
        if name_ not in frame.columns:
            return np.full(len(frame), default)
        return frame[name_].astype(float).fillna(default).to_numpy()

    current = None
    if "current_spend" in frame.columns and frame["current_spend"].notna().all():
        current = frame["current_spend"].astype(float).to_numpy()
    return CurveTable(
        channels=tuple(frame["channel"].astype(str)),
        curves=tuple(curves),
        min_spend=col("min_spend", 0.0),
        max_spend=col("max_spend", np.inf),
        current_spend=current,
    )


def solve_curves(
    source: str | os.PathLike | pd.DataFrame,
    budget: float,
    *,
    objective: str = "value",
    settings: AllocatorSettings | None = None,
) -> Allocation:
    """Read a CURVES table and allocate ``budget`` over its channels."""
    table = read_curves(source)
    return allocate(
        list(table.curves),
        budget,
        names=list(table.channels),
        objective=objective,
        current_spend=table.current_spend,
        min_spend=table.min_spend,
        max_spend=table.max_spend,
        settings=settings,
    )
