"""The CURVES table: one row per channel with its curve kind and parameters.

Columns: ``channel``, ``curve`` (hill, logistic, michaelis_menten, power,
exp_saturation) and that curve's parameters (see :mod:`leadlever.optimisers.curves._family`);
optional ``min_spend``, ``max_spend``, ``current_spend``, and what the fitter
writes: ``max_observed_spend`` and ``min_observed_spend`` (the evidence the
caps rest on; an explicit ``max_spend`` replaces the cap), ``adstock``,
``carryover_state``, ``quality`` and ``reasons``. Other columns (standard
errors, R²) are ignored. The fitter's sidecar ``<name>.fit.json`` (posterior
draws, time effect) is read when it sits next to the table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import InvalidValueError, MissingColumnsError
from leadlever.engine.io._schema import ColumnSpec, TableSchema, validate_table
from leadlever.engine.io._tables import read_table
from leadlever.optimisers.curves._family import CURVE_KINDS, Curve, curve_from_params
from leadlever.optimisers.curves._result import QUALITIES, fit_json_path, read_fit_json
from leadlever.optimisers.exceptions import CurveError

__all__ = ["CurveTable", "read_curves"]

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
        ColumnSpec("min_observed_spend", "numeric", required=False, allow_missing=True, min=0),
        ColumnSpec("adstock", "numeric", required=False, allow_missing=True, min=0, max=0.99),
        ColumnSpec("carryover_state", "numeric", required=False, allow_missing=True, min=0),
    ),
)


@dataclass(frozen=True)
class CurveTable:
    """Parsed CURVES table (arrays in channel order; NaN where a column is absent)."""

    channels: tuple[str, ...]
    curves: tuple[Curve, ...]
    min_spend: np.ndarray
    max_spend: np.ndarray
    current_spend: np.ndarray | None
    max_observed: np.ndarray
    min_observed: np.ndarray
    adstock: np.ndarray
    carryover_state: np.ndarray
    quality: tuple[str, ...]
    reasons: tuple[tuple[str, ...], ...]
    fit: dict[str, Any] | None = None
    fit_path: str | None = None


def read_curves(
    source: str | os.PathLike | pd.DataFrame,
    *,
    sidecar: str | os.PathLike | bool | None = None,
    channels: list[str] | tuple[str, ...] | None = None,
) -> CurveTable:
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
    if channels is not None:
        known = set(frame["channel"].astype(str))
        missing = [c for c in channels if c not in known]
        if missing:
            raise InvalidValueError(
                f"{where} has no curve for channel(s) {', '.join(missing)}; it has "
                f"{', '.join(sorted(known))}. Fit curves for every channel you plan.",
                "channel",
                [],
            )
        frame = frame[frame["channel"].astype(str).isin(set(channels))].reset_index(drop=True)
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
        curves.append(curve)

    def col(name_: str, default: float) -> np.ndarray:
        if name_ not in frame.columns:
            return np.full(len(frame), default)
        return frame[name_].astype(float).fillna(default).to_numpy()

    current = None
    if "current_spend" in frame.columns and frame["current_spend"].notna().all():
        current = frame["current_spend"].astype(float).to_numpy()
    quality = []
    for row_no, q in enumerate(frame["quality"] if "quality" in frame.columns else [], start=1):
        text = "" if q is None or (isinstance(q, float) and np.isnan(q)) else str(q).strip().lower()
        if text and text not in QUALITIES:
            raise InvalidValueError(
                f"{where}, column 'quality': data row {row_no} holds {q!r}. Use one of "
                f"{', '.join(QUALITIES)}, or leave it empty for a curve you trust.",
                "quality",
                [row_no],
            )
        quality.append(text or "trusted")
    quality = tuple(quality) if quality else ("trusted",) * len(frame)
    reasons = tuple(
        tuple(r for r in str(v).split("; ") if r) if isinstance(v, str) else ()
        for v in (frame["reasons"] if "reasons" in frame.columns else [None] * len(frame))
    )
    fit = fit_path = None
    if sidecar is not False and name is not None:
        path = Path(sidecar) if sidecar else fit_json_path(name)
        if sidecar or path.exists():
            fit, fit_path = read_fit_json(path), str(path)
            draws = fit.get("draws")
            lacking = (
                []
                if draws is None
                else sorted(set(frame["channel"].astype(str)) - set(draws.channels))
            )
            if lacking and sidecar:
                raise InvalidValueError(
                    f"File '{path}' (--fit) has no posterior draws for channel(s) "
                    f"{', '.join(map(repr, lacking))} of '{name}': it was written with other "
                    "curves. Pass the .fit.json that allocate fit wrote with these curves, or "
                    "leave --fit out.",
                    "channel",
                    [],
                )
    return CurveTable(
        channels=tuple(frame["channel"].astype(str)),
        curves=tuple(curves),
        min_spend=col("min_spend", 0.0),
        max_spend=col("max_spend", np.inf),
        current_spend=current,
        max_observed=col("max_observed_spend", np.nan),
        min_observed=col("min_observed_spend", np.nan),
        adstock=col("adstock", 0.0),
        carryover_state=col("carryover_state", np.nan),
        quality=quality,
        reasons=reasons,
        fit=fit,
        fit_path=fit_path,
    )
