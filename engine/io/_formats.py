"""File formats of tables: extensions, CSV dialects, identifiers and formula escaping.

The pieces :mod:`leadlever.engine.io._tables` (whole tables) and
:mod:`leadlever.engine.io._stream` (tables in chunks) share, so both read and write
exactly alike.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import os
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pandas as pd

from leadlever.engine.exceptions import (
    EmptyDataError,
    InputFileError,
    InvalidValueError,
    ParameterError,
)
from leadlever.engine.io._numbers import shorten

__all__ = [
    "ID_NAME_PATTERN",
    "READ_ERRORS",
    "table_format",
    "input_table",
    "require_pyarrow",
    "require_table_writer",
    "id_columns",
    "csv_separator",
    "header_names",
    "check_unique_columns",
    "decimal_commas",
    "restore_formulas",
    "neutralise_formulas",
    "open_csv_output",
]

_CSV_SUFFIXES = (".csv", ".csv.gz", ".txt", ".tsv", ".tsv.gz")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = re.compile(r"^'[=+\-@\t\r]")
#: words that make a column name an identifier's, as its last word (``lead_id``, ``Deal key``)
ID_WORDS = ("id", "uuid", "guid", "key")
#: ... or as its first (``id_lead``; not ``key``, which starts ordinary names: ``key_account``)
ID_FIRST_WORDS = ("id", "uuid", "guid")
#: column names read and written as identifiers: verbatim text, no formula escaping
ID_NAME_PATTERN = re.compile(
    rf"(^|[_\s.-])({'|'.join(ID_WORDS)})$|^({'|'.join(ID_FIRST_WORDS)})([_\s.-]|$)", re.I
)
#: what a damaged compressed or binary file raises while being read
READ_ERRORS = (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error)


def table_format(path: str | os.PathLike) -> str:
    """Return ``"csv"`` or ``"parquet"`` from a file name, or raise.

    Raises
    ------
    InputFileError
        If the extension is neither CSV nor Parquet.
    """
    name = str(path).lower()
    if name.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(_CSV_SUFFIXES):
        return "csv"
    raise InputFileError(
        f"File '{path}': unsupported extension. Use a .csv (optionally .csv.gz) or "
        ".parquet file name."
    )


def require_pyarrow(path: str | os.PathLike) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputFileError(
            f"File '{path}' is Parquet, which needs pyarrow. Install it with "
            "pip install 'leadlever[parquet]', or use a .csv file."
        ) from exc


def input_table(source: str | os.PathLike, *, dataset: bool = False) -> tuple[Path, str]:
    """An input table's path and format (``"csv"``/``"parquet"``), or the error a user can
    act on: missing, a folder (unless ``dataset`` and it holds ``.parquet`` files), an
    unsupported extension, empty."""
    path = Path(source)
    if not path.exists():
        raise InputFileError(
            f"File '{path}' does not exist. Check the path and the current folder."
        )
    if path.is_dir():
        if dataset and any(path.rglob("*.parquet")):
            return path, "parquet"
        raise InputFileError(
            f"'{path}' is a folder, not a file. Name a .csv or .parquet file"
            + (", or a folder of .parquet files." if dataset else ".")
        )
    kind = table_format(path)
    if path.stat().st_size == 0:
        raise EmptyDataError(
            f"File '{path}' is empty. It needs a header row and at least one data row."
        )
    return path, kind


def require_table_writer(path: str | os.PathLike, label: str = "Output") -> str:
    """The format of an output table (``"csv"``/``"parquet"``), checked before any work.

    Raises
    ------
    ParameterError
        Unsupported extension, or Parquet without pyarrow.
    """
    try:
        kind = table_format(path)
        if kind == "parquet":
            require_pyarrow(path)
    except InputFileError as exc:
        raise ParameterError(f"{label}: {exc}") from None
    return kind


def id_columns(names: list[str] | pd.Index, extra: tuple[str, ...] = ()) -> list[str]:
    """Columns read and written as identifiers: named like an id, or named in ``extra``."""
    return [str(n) for n in names if ID_NAME_PATTERN.search(str(n)) or str(n) in extra]


def csv_separator(path: Path) -> str:
    """The separator of a CSV file, sniffed from its header line."""
    return _sniff_separator(_first_line(path))


def _sniff_separator(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


def _first_line(path: Path) -> str:
    opener = gzip.open if str(path).lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", errors="replace") as handle:
            return handle.readline()
    except READ_ERRORS as exc:
        raise InputFileError(
            f"File '{path}' could not be read ({shorten(str(exc), 120)}). If it is compressed, "
            "the archive is damaged: export it again."
        ) from None


def check_unique_columns(names: list[str], source: str | None = None) -> None:
    """Raise when a header names a column twice (pandas would rename one ``name.1``)."""
    seen: dict[str, int] = {}
    dups = []
    for position, name in enumerate(names, start=1):
        if name in seen and name not in dups:
            dups.append(name)
        seen.setdefault(name, position)
    if dups:
        where = f"File '{source}'" if source else "The table"
        listed = ", ".join(shorten(d, 40) for d in dups[:5])
        raise InvalidValueError(
            f"{where} has duplicate column name(s) {listed}: each column needs its own name, "
            "otherwise it is unclear which one to use. Rename or delete the copies.",
            dups[0],
            [],
        )


def header_names(path: Path, sep: str) -> list[str]:
    line = _first_line(path).rstrip("\r\n")
    try:
        return [c.strip() for c in next(csv.reader([line], delimiter=sep))]
    except (csv.Error, StopIteration):
        return []


def decimal_commas(frame: pd.DataFrame, skip: tuple[str, ...] = ()) -> pd.DataFrame:
    """Text columns holding only numbers written with a decimal comma (``0,25``) become floats.

    Spreadsheets in many locales export ``;``-separated CSV with decimal commas; without this
    such a column would be read as text (and a model would treat it as a category or an id).
    Columns with anything else in them (``1.234,5``, words) are left as they are.
    """
    for name in frame.columns:
        col = frame[name]
        if name in skip or pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            continue
        text = col.dropna().astype(str).str.strip()
        text = text[text != ""]
        if text.empty:
            continue
        comma = text.str.fullmatch(r"[+-]?\d*,\d+")
        if comma.any() and (comma | text.str.fullmatch(r"[+-]?\d+")).all():
            cleaned = col.astype("string").str.strip().str.replace(",", ".", regex=False)
            frame[name] = pd.to_numeric(cleaned.replace("", pd.NA), errors="coerce").astype(float)
    return frame


def restore_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralise_formulas`: ``'=1+1`` read back as ``=1+1`` (text columns only)."""
    for name in frame.columns:
        col = frame[name]
        if not (col.dtype == object or pd.api.types.is_string_dtype(col.dtype)):
            continue
        text = col.astype("string")
        escaped = text.str.match(_ESCAPED).fillna(False).to_numpy(dtype=bool)
        if escaped.any():
            values = col.to_numpy(copy=True)
            values[escaped] = [v[1:] for v in values[escaped]]
            frame[name] = values
    return frame


def neutralise_formulas(frame: pd.DataFrame, *, id_cols: tuple[str, ...] = ()) -> pd.DataFrame:
    """Prefix free-text cells that a spreadsheet would run as a formula with ``'``.

    A cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return in a
    text column is written as ``'=...`` (OWASP's CSV-injection advice). Numeric
    columns are untouched, so negative numbers stay numbers, and so are identifier
    columns (:func:`id_columns`), which are kept verbatim.
    """
    out = frame
    copied = False
    skip = set(id_columns(frame.columns, id_cols))
    for column in frame.columns:
        series = frame[column]
        if str(column) in skip:
            continue
        if not (series.dtype == object or pd.api.types.is_string_dtype(series.dtype)):
            continue
        text = series.astype("string")
        risky = text.str.startswith(_FORMULA_START).fillna(False).to_numpy(dtype=bool)
        if risky.any():
            if not copied:
                out = frame.copy()
                copied = True
            values = out[column].astype(object).to_numpy(copy=True)
            values[risky] = ["'" + str(v) for v in values[risky]]
            out[column] = values
    return out


@contextlib.contextmanager
def open_csv_output(tmp: Path, *, gz: bool) -> Iterator[IO[str]]:
    """A text handle writing UTF-8 CSV into ``tmp``; gzip without time stamp or file name."""
    with open(tmp, "wb") as raw:
        if gz:
            with (
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed,
                io.TextIOWrapper(packed, encoding="utf-8", newline="") as text,
            ):
                yield text
        else:
            with io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
                yield text
