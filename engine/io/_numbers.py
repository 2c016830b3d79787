"""Numbers at the boundary: one validator for single values, one for table columns.

Every number a user gives LeadLever (an option, a TOML or JSON field, a table cell) is
checked where it enters, once:

* :func:`check_number` for one value: a real number, finite, at most
  :data:`MAX_ABS_VALUE` in size, inside its range; the message names where the value came
  from, what was given (shortened), the range and a fix.
* :func:`check_table_numbers` for a whole table as it is read: a column that is mostly
  numbers but holds some text is an error naming the rows (never a column silently turned
  into text and dropped), and infinite or absurdly large values are errors.

:func:`shorten` keeps long values (a 300,000-character cell) out of messages.
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any

from leadlever.engine.exceptions import InvalidValueError, ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "MAX_ABS_VALUE",
    "MAX_SHOWN_CHARS",
    "NUMERIC_SHARE",
    "shorten",
    "rows_text",
    "verb",
    "check_number",
    "check_table_numbers",
]

#: largest magnitude accepted for any number (money, counts, parameters): beyond a
#: quadrillion a value is a typo or an overflow, and squares of it overflow float64 sums
MAX_ABS_VALUE = 1e15
#: longest value shown in a message before it is cut
MAX_SHOWN_CHARS = 60
#: a text column whose non-empty cells are at least this share numbers is a numeric column
#: with bad cells (an error naming them), not a text column
NUMERIC_SHARE = 0.9


def shorten(value: Any, limit: int = MAX_SHOWN_CHARS) -> str:
    """``repr``-like text of ``value``, cut to ``limit`` characters with the full length said."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return repr(text) if isinstance(value, str) else text
    head = text[: max(limit - 3, 1)]
    return f"{head!r}... ({len(text):,} characters)"


def rows_text(rows: list[int], limit: int = 5) -> str:
    """``"data rows 3, 7 and 2 more"`` from 1-based row numbers."""
    shown = ", ".join(str(r) for r in rows[:limit])
    more = f" and {len(rows) - limit:,} more" if len(rows) > limit else ""
    return f"data row{'s' if len(rows) > 1 else ''} {shown}{more}"


def _fmt(x: float) -> str:
    """``4,294,967,295`` for whole numbers, ``0.25`` otherwise."""
    if float(x).is_integer() and abs(x) < 1e16:
        return f"{int(x):,}"
    return f"{x:g}"


def _range_text(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        lb, hb = ("(" if low_open else "["), (")" if high_open else "]")
        return f" in {lb}{_fmt(low)}, {_fmt(high)}{hb}"
    if low is not None:
        return f" {'>' if low_open else '>='} {_fmt(low)}"
    if high is not None:
        return f" {'<' if high_open else '<='} {_fmt(high)}"
    return ""


def check_number(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
    fix: str = "",
) -> float:
    """Check one number and return it as a float.

    Parameters
    ----------
    value : object
        What the user gave (a parsed TOML/JSON value, an option).
    name : str
        Where it came from, e.g. ``"--budget"`` or ``"Rules file 'r.toml', criterion 2, 'points'"``.
    low, high : float, optional
        Range ends; ``low_open``/``high_open`` exclude them.
    integer : bool
        Require a whole number.
    fix : str
        What to do instead (appended to the message).

    Raises
    ------
    ParameterError
        Not a number (booleans and text included), NaN, infinite, larger than
        :data:`MAX_ABS_VALUE`, not whole when ``integer``, or outside the range.
    """
    want = _range_text(low, high, low_open, high_open)
    kind = "a whole number" if integer else "a number"
    tail = f" {fix}" if fix else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(f"{name} must be {kind}{want}, not {shorten(value)}.{tail}")
    x = float(value)
    if not math.isfinite(x):
        raise ParameterError(f"{name} is {x}; give a finite number{want}.{tail}")
    if abs(x) > MAX_ABS_VALUE:
        raise ParameterError(
            f"{name} is {x:g}, beyond the largest value LeadLever accepts ({MAX_ABS_VALUE:g}); "
            f"give a realistic number{want}.{tail}"
        )
    if integer and x != round(x):
        raise ParameterError(f"{name} is {x:g}; it must be a whole number{want}.{tail}")
    bad_low = low is not None and (x <= low if low_open else x < low)
    bad_high = high is not None and (x >= high if high_open else x > high)
    if bad_low or bad_high:
        raise ParameterError(f"{name} is {_fmt(x)}; it must be{want}.{tail}")
    return x


def verb(rows: list[int], plural: str) -> str:
    """``plural`` ("hold", "repeat") agreeing with the number of rows ("holds" for one)."""
    return plural + "s" if len(rows) == 1 else plural


def _holds(rows: list[int]) -> str:
    return verb(rows, "hold")


def _where(source: str | None) -> str:
    return f"File '{source}'" if source else "The table"


def check_table_numbers(
    frame: pd.DataFrame,
    *,
    source: str | None = None,
    skip: tuple[str, ...] = (),
    offset: int = 0,
) -> None:
    """Reject numeric columns with text cells, infinite values or absurd magnitudes.

    Parameters
    ----------
    frame : DataFrame
        As read from a file (CSV text columns are ``object``).
    source : str, optional
        The file, for messages.
    skip : tuple of str
        Columns not to check (identifiers, kept as text).
    offset : int
        Data rows before ``frame`` in its file (when it is a chunk), for row numbers.

    Raises
    ------
    InvalidValueError
        Naming the file, the column, the rows and a fix.
    """
    import numpy as np
    import pandas as pd

    for name in frame.columns:
        if name in skip:
            continue
        col = frame[name]
        if pd.api.types.is_float_dtype(col):
            values = col.to_numpy(dtype=float)
            # abs() of NaN warns; NaN cells are the missing values, judged elsewhere
            with np.errstate(invalid="ignore"):
                bad = np.isinf(values) | (np.abs(values) > MAX_ABS_VALUE)
            if bad.any():
                rows = (np.flatnonzero(bad) + 1 + offset).tolist()
                example = values[bad][0]
                what = (
                    "an infinite value, not a finite number"
                    if np.isinf(example)
                    else f"{example:g}, beyond the largest value accepted ({MAX_ABS_VALUE:g})"
                )
                raise InvalidValueError(
                    f"{_where(source)}, column '{name}': {rows_text(rows)} {_holds(rows)} {what}. "
                    "Correct those cells (or empty them if the value is unknown).",
                    str(name),
                    rows,
                )
        elif col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            text = col.astype("string").str.strip()
            present = text.notna() & (text != "")
            n_present = int(present.sum())
            if n_present == 0:
                continue
            parsed = pd.to_numeric(text[present], errors="coerce")
            n_numbers = int(parsed.notna().sum())
            if n_numbers == n_present or n_numbers < NUMERIC_SHARE * n_present:
                continue
            bad = present.to_numpy(dtype=bool).copy()
            bad[bad] = parsed.isna().to_numpy(dtype=bool)
            rows = (np.flatnonzero(bad) + 1 + offset).tolist()
            distinct = list(dict.fromkeys(col[bad].tolist()[:100]))[:3]
            examples = ", ".join(shorten(v, 30) for v in distinct)
            raise InvalidValueError(
                f"{_where(source)}, column '{name}': {n_numbers:,} of {n_present:,} cells are "
                f"numbers but {rows_text(rows)} {_holds(rows)} text ({examples}). Correct those "
                "cells, or "
                "empty them if the value is unknown, so the column is read as numbers.",
                str(name),
                rows,
            )
