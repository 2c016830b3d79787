"""Declared table schemas and validation with errors a user can act on.

A :class:`TableSchema` lists :class:`ColumnSpec` entries (name, kind, range,
required). :func:`validate_table` checks a DataFrame against it and returns a
coerced copy, or raises an :mod:`leadlever.engine.exceptions` error naming the file,
column and rows, with a fix.

Kinds
-----
``numeric``      float; NaN/inf rejected unless ``allow_missing``
``integer``      whole numbers
``binary``       0/1 from 1/0, yes/no, true/false, y/n, t/f (any case)
``probability``  float in [0, 1]; a column in percent (0-100) is detected
``category``     text labels
``date``         parsed with :func:`pandas.to_datetime`
``id``           text identifiers, must be unique
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import EmptyDataError, InvalidValueError, MissingColumnsError

__all__ = [
    "ColumnSpec",
    "TableSchema",
    "validate_table",
    "coerce_binary",
    "closest_names",
    "require_columns",
    "KINDS",
]

KINDS = ("numeric", "integer", "binary", "probability", "category", "date", "id")

_TRUE = {"1", "1.0", "yes", "y", "true", "t", "placed", "won", "converted"}
_FALSE = {"0", "0.0", "no", "n", "false", "f", "lost", "not converted"}


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a schema.

    Parameters
    ----------
    name : str
    kind : str
        One of :data:`KINDS`.
    required : bool
        Whether the column must be present.
    allow_missing : bool
        Whether empty cells are allowed (they stay NaN / NA).
    min, max : float, optional
        Inclusive numeric range.
    description : str
        Documentation for the data dictionary.
    """

    name: str
    kind: str = "numeric"
    required: bool = True
    allow_missing: bool = False
    min: float | None = None
    max: float | None = None
    description: str = ""


@dataclass(frozen=True)
class TableSchema:
    """A named list of column specifications."""

    name: str
    columns: tuple[ColumnSpec, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def __getitem__(self, name: str) -> ColumnSpec:
        for spec in self.columns:
            if spec.name == name:
                return spec
        raise KeyError(name)


def closest_names(wanted: str, available: list[str], n: int = 1) -> list[str]:
    """Closest existing column names to ``wanted`` (case-insensitive first)."""
    lower = {a.lower(): a for a in available}
    if wanted.lower() in lower:
        return [lower[wanted.lower()]]
    hits = difflib.get_close_matches(wanted.lower(), list(lower), n=n, cutoff=0.6)
    return [lower[h] for h in hits]


def _where(source: str | None) -> str:
    return f"File '{source}'" if source else "The table"


def _verb(rows: list[int], plural: str) -> str:
    """``plural`` ('hold', 'are') agreeing with the number of rows."""
    if len(rows) != 1:
        return plural
    return {"are": "is"}.get(plural, plural + "s")


def _rows_text(bad: np.ndarray) -> tuple[str, list[int]]:
    rows = (np.flatnonzero(bad) + 1).tolist()
    shown = ", ".join(str(r) for r in rows[:5])
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    return f"data row{'s' if len(rows) > 1 else ''} {shown}{more}", rows


def coerce_binary(values: pd.Series, *, column: str, source: str | None = None) -> pd.Series:
    """Map yes/no, true/false, 1/0 (any case) to a nullable 0/1 integer series.

    Empty cells stay missing (``<NA>``). Anything else raises
    :class:`InvalidValueError` naming the rows.
    """
    if pd.api.types.is_bool_dtype(values):
        return values.astype("Int8")
    text = values.astype("string").str.strip().str.lower()
    missing = text.isna() | (text == "")
    is_true = text.isin(_TRUE).fillna(False).to_numpy(dtype=bool)
    is_false = text.isin(_FALSE).fillna(False).to_numpy(dtype=bool)
    bad = ~(is_true | is_false | missing.to_numpy(dtype=bool))
    if bad.any():
        where, rows = _rows_text(bad)
        examples = sorted(set(values[bad].astype(str).tolist()))[:3]
        raise InvalidValueError(
            f"{_where(source)}, column '{column}': {where} {_verb(rows, 'hold')} {examples}, which is not a yes/no "
            "value. Use 1/0, yes/no or true/false (empty for leads still open).",
            column,
            rows,
        )
    out = pd.Series(pd.NA, index=values.index, dtype="Int8")
    out[is_true] = 1
    out[is_false] = 0
    return out


def require_columns(
    frame: pd.DataFrame,
    needed: list[str] | tuple[str, ...],
    *,
    source: str | None = None,
    needed_for: str = "",
    fix: str = "Rename the columns or name them with the command's options.",
) -> None:
    """Raise :class:`MissingColumnsError` if any of ``needed`` is absent from ``frame``.

    The message names the file, each missing column with the closest existing
    name, the columns the table does have, and ``fix``.

    Parameters
    ----------
    needed_for : str
        What needs the columns, e.g. ``"that the model was trained on"``.
    """
    missing = [str(c) for c in needed if c not in frame.columns]
    if not missing:
        return
    available = [str(c) for c in frame.columns]
    suggestions = {}
    parts = []
    for name in missing:
        close = closest_names(name, available)
        if close:
            suggestions[name] = close[0]
            parts.append(f"'{name}' (did you mean '{close[0]}'?)")
        else:
            parts.append(f"'{name}'")
    raise MissingColumnsError(
        f"{_where(source)} lacks column{'s' if len(missing) > 1 else ''} {', '.join(parts)}"
        f"{' ' + needed_for if needed_for else ''}. Its columns are: {', '.join(available[:30])}"
        f"{' ...' if len(available) > 30 else ''}. {fix}",
        missing,
        suggestions,
    )


def _check_missing_columns(frame: pd.DataFrame, schema: TableSchema, source: str | None) -> None:
    require_columns(
        frame,
        [c.name for c in schema.columns if c.required],
        source=source,
        needed_for="(required)",
    )


def _coerce_numeric(series: pd.Series, spec: ColumnSpec, source: str | None) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        numbers = series.astype(float)
    else:
        text = series.astype("string").str.strip()
        numbers = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
        not_number = numbers.isna().to_numpy() & ~(text.isna() | (text == "")).to_numpy()
        if not_number.any():
            where, rows = _rows_text(not_number)
            examples = sorted(set(series[not_number].astype(str).tolist()))[:3]
            raise InvalidValueError(
                f"{_where(source)}, column '{spec.name}': {where} {_verb(rows, 'hold')} {examples}, which is not a "
                "number. Fix or remove those rows.",
                spec.name,
                rows,
            )
        numbers = numbers.astype(float)
    values = numbers.to_numpy(dtype=float)
    if np.isinf(values).any():
        where, rows = _rows_text(np.isinf(values))
        raise InvalidValueError(
            f"{_where(source)}, column '{spec.name}': {where} {_verb(rows, 'hold')} an infinite value. "
            "Replace it with a finite number.",
            spec.name,
            rows,
        )
    if not spec.allow_missing and np.isnan(values).any():
        where, rows = _rows_text(np.isnan(values))
        raise InvalidValueError(
            f"{_where(source)}, column '{spec.name}': {where} {_verb(rows, 'are')} empty or NaN, but a number is "
            "required. Fill them in or drop those rows.",
            spec.name,
            rows,
        )
    return pd.Series(values, index=series.index, name=spec.name)


def _check_range(values: pd.Series, spec: ColumnSpec, source: str | None) -> None:
    arr = values.to_numpy(dtype=float)
    low = spec.min if spec.min is not None else -np.inf
    high = spec.max if spec.max is not None else np.inf
    with np.errstate(invalid="ignore"):  # missing values (NaN) are checked apart
        bad = (arr < low) | (arr > high)
    if not bad.any():
        return
    where, rows = _rows_text(bad)
    finite = arr[np.isfinite(arr)]
    if (
        spec.kind == "probability"
        and finite.size
        and np.nanmax(arr) <= 100
        and np.nanmin(arr) >= 0
        and np.mean(finite > 1) > 0.5  # most values above 1: percentages, not one typo
    ):
        hint = " It looks like a percentage: divide the column by 100."
    else:
        hint = " Correct those cells."
    raise InvalidValueError(
        f"{_where(source)}, column '{spec.name}': {where} {_verb(rows, 'lie')} "
        + (
            f"outside [{low:g}, {high:g}]"
            if np.isfinite(low) and np.isfinite(high)
            else (f"below {low:g}" if np.isfinite(low) else f"above {high:g}")
        )
        + f" (e.g. {arr[bad][0]:g}).{hint}",
        spec.name,
        rows,
    )


def validate_table(
    frame: pd.DataFrame,
    schema: TableSchema,
    *,
    source: str | None = None,
) -> pd.DataFrame:
    """Check a table against a schema and return a coerced copy.

    Columns not in the schema are kept untouched; optional columns that are
    absent are not added.

    Raises
    ------
    EmptyDataError, MissingColumnsError, InvalidValueError
    """
    if frame.shape[0] == 0:
        raise EmptyDataError(f"{_where(source)} has no data rows. Add at least one row.")
    _check_missing_columns(frame, schema, source)
    out = frame.copy()
    for spec in schema.columns:
        if spec.name not in out.columns:
            continue
        series = out[spec.name]
        if spec.kind in ("numeric", "integer", "probability"):
            values = _coerce_numeric(series, spec, source)
            if spec.kind == "integer":
                arr = values.to_numpy()
                frac = ~np.isnan(arr) & (np.abs(arr - np.round(arr)) > 1e-9)
                if frac.any():
                    where, rows = _rows_text(frac)
                    raise InvalidValueError(
                        f"{_where(source)}, column '{spec.name}': {where} {_verb(rows, 'are')} not whole numbers.",
                        spec.name,
                        rows,
                    )
            low = 0.0 if spec.kind == "probability" and spec.min is None else spec.min
            high = 1.0 if spec.kind == "probability" and spec.max is None else spec.max
            _check_range(values, ColumnSpec(spec.name, spec.kind, min=low, max=high), source)
            out[spec.name] = values
        elif spec.kind == "binary":
            coerced = coerce_binary(series, column=spec.name, source=source)
            if not spec.allow_missing and coerced.isna().any():
                where, rows = _rows_text(coerced.isna().to_numpy())
                raise InvalidValueError(
                    f"{_where(source)}, column '{spec.name}': {where} {_verb(rows, 'are')} empty, but a yes/no "
                    "value is required. Drop the open leads or fill them in.",
                    spec.name,
                    rows,
                )
            out[spec.name] = coerced
        elif spec.kind == "date":
            parsed = pd.to_datetime(series, errors="coerce")
            bad = parsed.isna().to_numpy() & series.notna().to_numpy()
            if bad.any():
                where, rows = _rows_text(bad)
                raise InvalidValueError(
                    f"{_where(source)}, column '{spec.name}': {where} {_verb(rows, 'are')} not dates. "
                    "Use ISO dates such as 2026-03-31.",
                    spec.name,
                    rows,
                )
            out[spec.name] = parsed
        elif spec.kind in ("category", "id"):
            text = series.astype("string")
            if not spec.allow_missing and text.isna().any():
                where, rows = _rows_text(text.isna().to_numpy())
                raise InvalidValueError(
                    f"{_where(source)}, column '{spec.name}': {where} {_verb(rows, 'are')} empty. Fill them in.",
                    spec.name,
                    rows,
                )
            if spec.kind == "id":
                dup = text.duplicated(keep="first").to_numpy(dtype=bool)
                if dup.any():
                    where, rows = _rows_text(dup)
                    raise InvalidValueError(
                        f"{_where(source)}, column '{spec.name}': {where} {_verb(rows, 'repeat')} an earlier id. "
                        "Each lead needs a unique id.",
                        spec.name,
                        rows,
                    )
            out[spec.name] = (
                series.astype(object).where(series.notna(), None)
                if spec.allow_missing
                else series.astype(str)
            )
        else:  # pragma: no cover - guarded by ColumnSpec authors
            raise ValueError(f"unknown column kind {spec.kind!r}")
    return out
