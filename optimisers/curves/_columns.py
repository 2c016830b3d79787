"""Finding a history's columns by name and reading money as ad platforms write it."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from leadlever.engine.exceptions import InvalidValueError
from leadlever.engine.io._dates import DATE_SPAN, parse_dates

__all__ = [
    "PERIOD_NAMES",
    "CHANNEL_NAMES",
    "SPEND_NAMES",
    "VALUE_NAMES",
    "COUNT_NAMES",
    "find_column",
    "is_count",
    "clean_money",
    "period_kind",
    "wide_layout",
    "wide_spend_columns",
]

#: candidate names, in order of preference (compared without case, spaces or punctuation)
PERIOD_NAMES = (
    "period",
    "week",
    "weekstart",
    "weekstarting",
    "weekof",
    "date",
    "day",
    "reportingstart",
    "reportingdate",
    "startdate",
    "ds",
    "time",
)
CHANNEL_NAMES = (
    "channel",
    "medium",
    "source",
    "platform",
    "campaign",
    "campaignname",
    "adset",
    "adsetname",
    "adgroup",
    "interest",
)
SPEND_NAMES = ("spend", "amountspent", "spent", "cost", "mediacost", "adspend")
VALUE_NAMES = ("value", "revenue", "conversionvalue", "purchasevalue", "sales")
COUNT_NAMES = (
    "approvedconversion",
    "approvedconversions",
    "conversions",
    "conversion",
    "totalconversion",
    "results",
    "leads",
)
_MONEY = re.compile(r"^[^\d\-+.,]*([-+]?[\d.,]+)[^\d]*$")


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _same(name: str, cand: str) -> bool:
    """Equal after normalising, a plural 's' aside ('Reporting starts' = 'reporting_start')."""
    return name == cand or name == cand + "s" or name + "s" == cand


def find_column(
    columns: Sequence[str], candidates: Sequence[str], *, prefix: bool = False
) -> str | None:
    """The first column whose name matches a candidate, compared without case, spaces,
    underscores or punctuation (and a plural 's'); with ``prefix``, a name starting with
    the candidate also matches (``Amount spent (EUR)``), but never a ``... per ...``."""
    normed = {c: _norm(c) for c in columns}
    for cand in candidates:
        for col, n in normed.items():
            if _same(n, cand) or (prefix and n.startswith(cand) and "per" not in n[len(cand) :]):
                return col
    return None


def is_count(column: str) -> bool:
    n = _norm(column)
    return n.startswith(COUNT_NAMES) and not any(w in n for w in ("value", "revenue", "amount"))


def clean_money(series: pd.Series) -> pd.Series:
    """'€1,234.50' / '1 234,50' -> 1234.5 for text columns; numbers pass through."""
    if pd.api.types.is_numeric_dtype(series):
        return series
    text = series.astype("string").str.strip().str.replace(r"[\s\u00a0']", "", regex=True)
    text = text.str.extract(_MONEY, expand=False).fillna(text)
    thousands = text.str.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?").fillna(False)
    text = text.where(~thousands, text.str.replace(",", "", regex=False))
    eu = text.str.fullmatch(r"[-+]?\d{1,3}(\.\d{3})+(,\d+)?").fillna(False)
    text = text.where(~eu, text.str.replace(".", "", regex=False).str.replace(",", "."))
    return text


def period_kind(raw: pd.Series) -> tuple[str, pd.Series]:
    """('dates', parsed) or ('labels', numbers) for a period column."""
    if pd.api.types.is_numeric_dtype(raw):
        return "labels", raw.astype(float)
    try:  # one format for the whole column: 05/09/2017 is not May in a day/month export
        parsed = parse_dates(raw, column=str(raw.name)).values
    except InvalidValueError:
        parsed = pd.to_datetime(raw, errors="coerce", format="mixed")
    low, high = DATE_SPAN  # a date before or after these is a typo (a negative year): not a date
    parsed = parsed.where((parsed >= low) & (parsed <= high))
    if parsed.notna().mean() >= 0.9:
        return "dates", parsed
    numbers = pd.to_numeric(raw, errors="coerce")
    if numbers.notna().mean() >= 0.9:
        return "labels", numbers.astype(float)
    return "other", raw


_WIDE_SPEND = (
    re.compile(r"^(?P<ch>.+?)[\s_.-]*(?:spend|spent|cost|media[\s_.-]?cost)$", re.IGNORECASE),
    re.compile(r"^(?:spend|cost)[\s_.-]+(?P<ch>.+)$", re.IGNORECASE),
    re.compile(r"^(?P<ch>.+)_S$"),  # Robyn's naming: tv_S is the spend on tv
)


def wide_spend_columns(frame: pd.DataFrame) -> dict[str, str]:
    """{spend column: channel} of a wide marketing-mix table (one spend column per channel).

    A numeric column named like ``tv_spend``, ``Channel0_spend``, ``spend_tv``, ``tv cost``
    or Robyn's ``tv_S`` (never a ``cost per ...``) is the spend of the channel its name gives.
    """
    found: dict[str, str] = {}
    for col in frame.columns:
        name = str(col).strip()
        if "per" in _norm(name) or not pd.api.types.is_numeric_dtype(frame[col]):
            continue
        for pattern in _WIDE_SPEND:
            m = pattern.match(name)
            if m and m.group("ch").strip(" _.-"):
                found[str(col)] = m.group("ch").strip(" _.-")
                break
    return found


def wide_layout(frame: pd.DataFrame) -> tuple[str | None, dict[str, str], str] | None:
    """(period column, {spend column: channel}, outcome column) when ``frame`` is a wide
    marketing-mix table: no channel column, at least two spend columns and one outcome
    column (a value such as ``revenue``, or a count such as ``conversions``); else None."""
    cols = [str(c) for c in frame.columns]
    if find_column(cols, CHANNEL_NAMES) is not None:
        return None
    spends = wide_spend_columns(frame)
    if len(spends) < 2:
        return None
    rest = [c for c in cols if c not in spends]
    outcome = find_column(rest, VALUE_NAMES, prefix=True) or find_column(
        rest, COUNT_NAMES, prefix=True
    )
    if outcome is None or not pd.api.types.is_numeric_dtype(frame[outcome]):
        return None
    return find_column(rest, PERIOD_NAMES), spends, outcome
