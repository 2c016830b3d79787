"""Money written as text: ``$30,518.00``, ``1.234,56 €``, ``GBP 1,200``.

CRM exports often write amounts with a currency symbol and thousands separators, so a
reader sees text and a model a category with one level per deal. :func:`money_columns`
finds the text columns whose every non-empty cell is an amount (at least one with a
currency sign or a thousands separator) and :func:`parse_money` turns them into numbers.

Which of ``,`` and ``.`` is the decimal mark is decided per column from the cells that
tell (``1.234,56``, ``30,518.00``, ``0,5``); a column whose cells only hold groups of
three (``1,234``) is read by its currency (``$``/``£``: ``,`` groups thousands; ``€``:
``.`` does), and otherwise is ambiguous: left as text (and then an error or a category
as before, never a silent guess).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["money_columns", "parse_money", "MONEY_NOTE"]

_SIGNS = r"[$€£¥₹]|US\$|USD|EUR|GBP|INR|JPY|CHF"
_CELL = re.compile(
    rf"^\(?\s*[-+]?\s*(?:{_SIGNS})?\s*[-+]?\s*(\d[\d,.\s' ]*\d|\d)\s*(?:{_SIGNS})?\s*\)?$",
    re.I,
)
_SIGN = re.compile(_SIGNS, re.I)
#: digits grouped by threes with one separator throughout (or not grouped), then decimals
_WELL_FORMED = re.compile(r"(\d{1,3}(?:([,.\s' ])\d{3})(?:\2\d{3})*|\d+)(?:[.,]\d+)?")
_GROUPED = re.compile(r"^\d{1,3}([,.\s' ]\d{3})+$")
_US_SIGNS = ("$", "£", "usd", "gbp", "us$")
_EU_SIGNS = ("€", "eur")

#: how ``inspect`` describes a column read as money
MONEY_NOTE = "money written as text (e.g. {example}): read as numbers"


def _decimal_mark(digits: pd.Series, signs: str) -> str | None:
    """``.`` or ``,`` as the column's decimal mark, or None when its cells do not tell."""
    dot = comma = False
    for d in digits:
        last_dot, last_comma = d.rfind("."), d.rfind(",")
        if last_dot >= 0 and last_comma >= 0:
            dot, comma = (dot or last_dot > last_comma), (comma or last_comma > last_dot)
        elif (last_dot >= 0 or last_comma >= 0) and not _GROUPED.match(d):
            mark = "." if last_dot >= 0 else ","
            if d.count(mark) > 1:
                return None
            dot, comma = dot or mark == ".", comma or mark == ","
    if dot and comma:
        return None
    if dot or comma:
        return "." if dot else ","
    lower = signs.lower()
    if any(s in lower for s in _US_SIGNS):
        return "."
    if any(s in lower for s in _EU_SIGNS):
        return ","
    if not digits.str.contains(r"[,.]").any():
        return "."  # no separators at all: whole amounts with a currency sign
    return None


def _amounts(values: pd.Series) -> tuple[pd.Series, pd.Series, str] | None:
    """(cells, digits, signs) when every non-empty cell is an amount, else None."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return None
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return None
    found = text.str.extract(_CELL)[0]
    if found.isna().any() or not found.str.fullmatch(_WELL_FORMED).all():
        return None
    signs = "".join(text.str.findall(_SIGN).str.join("").tolist())
    if not signs and not found.str.contains(r"\d[,.]\d{3}(?:\D|$)").any():
        return None  # plain numbers (or decimal commas): not this module's business
    return text, found, signs


def money_columns(frame: pd.DataFrame, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """``{column: decimal mark}`` of the text columns of ``frame`` holding amounts."""
    out = {}
    for name in frame.columns:
        if name in skip:
            continue
        found = _amounts(frame[name])
        if found is None:
            continue
        mark = _decimal_mark(found[1], found[2])
        if mark is not None:
            out[str(name)] = mark
    return out


def parse_money(values: pd.Series, mark: str) -> pd.Series:
    """Amounts written as text as floats (``mark`` the decimal mark; empty cells NaN;
    ``(1,234)`` and ``-1,234`` negative)."""
    text = values.astype("string").str.strip()
    digits = text.str.extract(_CELL)[0]
    group = "," if mark == "." else "."
    cleaned = digits.str.replace(rf"[\s' {re.escape(group)}]", "", regex=True)
    if mark == ",":
        cleaned = cleaned.str.replace(",", ".", regex=False)
    number = pd.to_numeric(cleaned, errors="coerce").astype(float)
    negative = text.str.contains(r"^\(|^\s*[-]|[-]\s*\d", regex=True).fillna(False)
    return pd.Series(np.where(negative.to_numpy(dtype=bool), -number, number), index=values.index)


def read_money(
    frame: pd.DataFrame, skip: tuple[str, ...] = (), marks: dict[str, str] | None = None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """``frame`` with its money columns (``marks``, or those :func:`money_columns` finds) as
    numbers; ``frame.attrs["money_columns"]`` keeps an example cell of each for ``inspect``."""
    marks = money_columns(frame, skip) if marks is None else marks
    examples = dict(frame.attrs.get("money_columns", {}))
    for name, mark in marks.items():
        if name not in frame.columns:
            continue
        text = frame[name].dropna().astype(str).str.strip()
        text = text[text != ""]
        examples.setdefault(name, str(text.iloc[0]) if len(text) else "")
        frame[name] = parse_money(frame[name], mark)
    if examples:
        frame.attrs["money_columns"] = examples
    return frame, marks
