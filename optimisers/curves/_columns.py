"""Finding a history's columns by name and reading money as ad platforms write it."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from leadlever.engine.io._dates import DATE_SPAN

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
]

#: candidate names, in order of preference (compared without case, spaces or punctuation)
PERIOD_NAMES = ("period", "week", "weekstart", "date", "day", "reportingstarts", "ds", "time")
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


def find_column(
    columns: Sequence[str], candidates: Sequence[str], *, prefix: bool = False
) -> str | None:
    normed = {c: _norm(c) for c in columns}
    for cand in candidates:
        for col, n in normed.items():
            if n == cand or (prefix and n.startswith(cand) and "per" not in n[len(cand) :]):
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
    parsed = pd.to_datetime(raw, errors="coerce", format="mixed")
    low, high = DATE_SPAN  # a date before or after these is a typo (a negative year): not a date
    parsed = parsed.where((parsed >= low) & (parsed <= high))
    if parsed.notna().mean() >= 0.9:
        return "dates", parsed
    numbers = pd.to_numeric(raw, errors="coerce")
    if numbers.notna().mean() >= 0.9:
        return "labels", numbers.astype(float)
    return "other", raw
