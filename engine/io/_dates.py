"""Dates in the formats CRM exports use.

:func:`parse_dates` reads a column of dates written as ISO 8601 (``2024-03-31``,
``2024-03-31T14:05:00Z``), day/month/year or month/day/year with ``/``, ``.`` or ``-``
(four- or two-digit years, optional ``HH:MM[:SS]``), ``2024/03/31``, ``31 Mar 2024``,
``Mar 31, 2024`` or ``March 31 2024``. It picks the one format that reads every
non-empty cell; when both day/month and month/day fit (every day is 12 or less) it
reads day/month and says so. A column mixing ISO dates with one other format (``2017-03-01``
and ``03/01/2017``, as when a CRM's export was edited in a spreadsheet) is read cell by cell,
each in its format, and the note says so. Time zones are converted to UTC and dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import InvalidValueError
from leadlever.engine.io._numbers import rows_text, shorten, verb

__all__ = [
    "ParsedDates",
    "parse_dates",
    "distinct_text",
    "looks_like_dates",
    "DATE_FORMATS",
    "DATE_SPAN",
]

#: distinct cells :func:`looks_like_dates` reads to decide ...
DATE_SAMPLE = 200
#: ... after the first this many, which settle most columns that are not dates
DATE_PROBE = 8

_TIMES = ("", " %H:%M", " %H:%M:%S")
#: (label, strftime formats) tried in order; ISO is handled by pandas' ISO8601 parser
DATE_FORMATS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("year/month/day", tuple(f"%Y/%m/%d{t}" for t in _TIMES)),
    (
        "day/month/year",
        tuple(f"%d{s}%m{s}{y}{t}" for s in "/.-" for y in ("%Y", "%y") for t in _TIMES),
    ),
    (
        "month/day/year",
        tuple(f"%m{s}%d{s}{y}{t}" for s in "/-" for y in ("%Y", "%y") for t in _TIMES),
    ),
    (
        "day month-name year",
        ("%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%b-%y", "%d %b %Y %H:%M", "%d %B %Y %H:%M"),
    ),
    ("month-name day year", ("%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y")),
)


@dataclass(frozen=True)
class ParsedDates:
    """Parsed dates (naive, UTC where a zone was given), the format read, and a note."""

    values: pd.Series
    format: str
    note: str = ""


def _try(text: pd.Series, fmt: str) -> pd.Series:
    return pd.to_datetime(text, format=fmt, errors="coerce")


def _iso(text: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    return parsed.dt.tz_localize(None)


def _best(text: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    """Cell by cell, the first of ``formats`` that reads it."""
    # microseconds hold every year a format reads (1600 too, which nanoseconds cannot:
    # converting it would wrap silently into 2185); the span check then names such rows
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[us]")
    todo = np.ones(len(text), dtype=bool)
    for fmt in formats:  # (on arrays: indexing a Series per format cost more than parsing)
        rows = np.flatnonzero(todo)
        if not len(rows):
            break
        read = _try(text.iloc[rows], fmt).to_numpy(dtype="datetime64[us]")
        ok = ~np.isnat(read)
        out[rows[ok]] = read[ok]
        todo[rows[ok]] = False
    return pd.Series(out, index=text.index)


#: dates a lead table can hold: before or after these a cell is a typo (or a negative year)
DATE_SPAN = (pd.Timestamp("1900-01-01"), pd.Timestamp("2200-12-31"))


def _check_span(values: pd.Series, text: pd.Series, column: str, where: str) -> None:
    """Parsed dates outside :data:`DATE_SPAN` are an error naming their rows."""
    low, high = DATE_SPAN
    # comparing missing dates (NaN) warns; they are excluded by notna() anyway
    with np.errstate(invalid="ignore"):
        bad = (values.notna() & ((values < low) | (values > high))).to_numpy(dtype=bool)
    if bad.any():
        rows = (np.flatnonzero(bad) + 1).tolist()
        raise InvalidValueError(
            f"{where}, column '{column}': {rows_text(rows)} {verb(rows, 'hold')} dates outside "
            f"{low.year}-{high.year} (e.g. {shorten(str(text[bad].iloc[0]), 30)}). Correct them.",
            column,
            rows,
        )


def _iso_and_one_other(
    text: pd.Series, iso: pd.Series, filled: np.ndarray, column: str
) -> ParsedDates | None:
    """A column mixing ISO dates with one other format (``2017-03-01`` and ``03/01/2017``),
    each cell read in its own format; None when the other cells share no format."""
    rest = iso.isna().to_numpy() & filled
    n_iso = int((filled & ~rest).sum())
    if n_iso == 0 or not rest.any():
        return None
    others = [(label, _best(text[rest], fmts)) for label, fmts in DATE_FORMATS]
    full = [(label, v) for label, v in others if v.notna().all()]
    if not full:
        return None
    label, read = full[0]
    values = iso.astype("datetime64[ns]").copy()
    values[rest] = read.astype("datetime64[ns]")
    note = (
        f"Column '{column}' mixes two date formats: {n_iso:,} ISO dates (2024-03-31) and "
        f"{int(rest.sum()):,} {label} dates; each cell was read in its own format."
    )
    if label == "day/month/year" and "month/day/year" in {lb for lb, _ in full}:
        note += (
            " In the latter every day is 12 or less, so they could be day/month or month/day: "
            "read as day/month/year. Export ISO dates to be sure."
        )
    return ParsedDates(values, f"ISO 8601 and {label}", note)


def parse_dates(series: pd.Series, *, column: str, source: str | None = None) -> ParsedDates:
    """Parse a date column (empty cells stay missing).

    Raises
    ------
    InvalidValueError
        Cells no format reads, naming the rows and showing examples.
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        values = series
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        return ParsedDates(values.astype("datetime64[ns]"), "datetime")
    where = f"File '{source}'" if source else "The table"
    text = series.astype("string").str.strip()
    text = text.mask(text == "")
    filled = text.notna().to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(series) and filled.any():
        raise InvalidValueError(
            f"{where}, column '{column}' holds numbers, not dates (e.g. {series.dropna().iloc[0]!r}). "
            "Export it as dates such as 2024-03-31.",
            column,
            [],
        )
    candidates: list[tuple[str, pd.Series]] = [("ISO 8601", _iso(text))]
    candidates += [(label, _best(text, fmts)) for label, fmts in DATE_FORMATS]
    complete = [(label, v) for label, v in candidates if not (v.isna().to_numpy() & filled).any()]
    if complete:
        label, values = complete[0]
        note = ""
        labels = {lb for lb, _ in complete}
        if label == "day/month/year" and "month/day/year" in labels:
            note = (
                f"Column '{column}': every day is 12 or less, so the dates could be day/month or "
                "month/day; read as day/month/year. Export ISO dates (2024-03-31) to be sure."
            )
        _check_span(values, text, column, where)
        return ParsedDates(values.astype("datetime64[ns]"), label, note)
    mixed = _iso_and_one_other(text, candidates[0][1], filled, column)
    if mixed is not None:
        _check_span(mixed.values, text, column, where)
        return mixed
    label, values = max(candidates, key=lambda c: int(c[1].notna().sum()))
    bad = values.isna().to_numpy() & filled
    rows = (np.flatnonzero(bad) + 1).tolist()
    examples = sorted(set(text[bad].astype(str).tolist()))[:3]
    raise InvalidValueError(
        f"{where}, column '{column}': data row{'s' if len(rows) > 1 else ''} "
        f"{', '.join(map(str, rows[:5]))}{' and more' if len(rows) > 5 else ''} "
        f"hold{'s' if len(rows) == 1 else ''} {examples}, "
        f"which are not dates in one format (most cells read as {label}). Use one date format "
        "per column, e.g. ISO 2024-03-31.",
        column,
        rows,
    )


def distinct_text(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The distinct non-blank cells of a column as stripped text, in order of first
    appearance, and the number of rows holding each: what
    ``values.dropna().astype(str).str.strip()`` without blanks holds, with the text work
    done once per distinct cell instead of once per row."""
    codes, uniques = pd.factorize(values)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    text = pd.Series(np.asarray(uniques, dtype=object)).astype(str).str.strip()
    keep = (text != "").to_numpy()
    text, counts = text[keep], counts[keep]
    merged, distinct = pd.factorize(text)  # cells that differed only in spaces
    total = np.bincount(merged, weights=counts, minlength=len(distinct)).astype(np.int64)
    return pd.Series(np.asarray(distinct, dtype=object), dtype=object), total


def looks_like_dates(values: pd.Series, text: pd.Series | None = None) -> bool:
    """Whether a column holds dates :func:`parse_dates` reads (up to :data:`DATE_SAMPLE`
    distinct cells tried): the one definition ``inspect`` and the models' features use.
    ``text``: the column's :func:`distinct_text`, when the caller has it already."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return False
    if text is None:
        text, _ = distinct_text(values)
    if text.empty or not text.str.contains(r"\d").all():
        return False
    sample = text.head(DATE_SAMPLE)
    if not sample.str.contains(r"[-/.:\s]").all():
        return False
    # the first few cells first: when no format reads them, none reads the sample
    # (a format that read every cell of the sample would read these), and reading the
    # sample tries every format on every cell
    parts = (sample.head(DATE_PROBE), sample) if len(sample) > DATE_PROBE else (sample,)
    for part in parts:
        try:
            parse_dates(part.reset_index(drop=True), column="sample")
        except Exception:  # any reading failure means "not dates"
            return False
    return True
