"""Reading and writing tables and files safely.

* :func:`read_table` reads CSV (any of ``,``, ``;``, tab, ``|`` separators, an
  optional UTF-8 byte-order mark, optional gzip) or Parquet, chosen by the file
  extension, and raises :mod:`leadlever.engine.exceptions` errors a user can act on:
  duplicate column names, a damaged file, text in a numeric column, infinite values.
  Identifier columns (``lead_id``, ``id``, ``... key``; :data:`ID_NAME_PATTERN`) are read
  as text, exactly as written (``0000123`` stays ``0000123``).
* :func:`write_table` writes atomically (a temporary file carrying the process id in the
  same folder, then :func:`os.replace`; see :mod:`leadlever.engine.io._atomic`), so a
  failed run never leaves a half-written file. In CSV output, free-text cells a spreadsheet
  would run as a formula are prefixed with ``'`` (identifier columns are written
  verbatim) and :func:`read_table` removes that prefix again, so LeadLever reads its own
  files back exactly. ``.csv.gz`` output is byte-for-byte reproducible (no time stamp or
  file name in the gzip header).
* :func:`atomic_write_text` and :func:`append_table` do the same for text files
  and append-only histories.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pandas as pd

from leadlever.engine.exceptions import (
    EmptyDataError,
    InputFileError,
    InvalidValueError,
    LeadLeverError,
)
from leadlever.engine.io._atomic import atomic_path
from leadlever.engine.io._formats import (
    READ_ERRORS,
    check_unique_columns,
    csv_separator,
    decimal_commas,
    header_names,
    id_columns,
    input_table,
    neutralise_formulas,
    open_csv_output,
    require_pyarrow,
    restore_formulas,
    table_format,
)
from leadlever.engine.io._money import read_money
from leadlever.engine.io._numbers import check_table_numbers, rows_text, shorten

__all__ = [
    "read_table",
    "write_table",
    "atomic_write_text",
    "append_table",
    "read_toml",
    "check_finite_output",
]


def read_table(
    source: str | os.PathLike | pd.DataFrame, *, id_cols: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Read a lead table (or any table) from CSV or Parquet.

    Parameters
    ----------
    source : path or DataFrame
        A ``.csv``/``.csv.gz``/``.tsv`` or ``.parquet`` file. A DataFrame is
        returned as a copy, so callers may pass either.
    id_cols : tuple of str
        Columns to read as identifiers (text, verbatim) besides those named like one.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    InputFileError
        Missing, unreadable or damaged file, unsupported extension.
    EmptyDataError
        The file has no header or no data rows.
    InvalidValueError
        Duplicate column names, text cells in a numeric column, infinite values.
    """
    if isinstance(source, pd.DataFrame):
        if source.empty:
            raise EmptyDataError("The table has no rows. Pass a table with at least one lead.")
        check_unique_columns([str(c) for c in source.columns])
        return source.copy()
    path, kind = input_table(source)
    if kind == "parquet":
        frame = _read_parquet(path)
        ids = id_columns(frame.columns, id_cols)
    else:
        sep = csv_separator(path)
        names = header_names(path, sep)
        check_unique_columns(names, str(path))
        ids = id_columns(names, id_cols)
        frame = _read_csv(path, sep, ids)
        if sep != ",":
            frame = decimal_commas(frame, skip=tuple(ids))
        frame = restore_formulas(frame)
    if frame.empty:
        raise EmptyDataError(f"File '{path}' has a header but no data rows. Add at least one row.")
    frame, _ = read_money(frame, skip=tuple(ids))
    check_table_numbers(frame, source=str(path), skip=tuple(ids))
    return frame


def _read_parquet(path: Path) -> pd.DataFrame:
    require_pyarrow(path)
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
    except Exception as exc:  # pyarrow raises many types
        raise InputFileError(
            f"File '{path}' is not a readable Parquet file ({shorten(str(exc), 120)})."
        ) from None
    check_unique_columns(names, str(path))
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types
        raise InputFileError(
            f"File '{path}' is not a readable Parquet file ({shorten(str(exc), 120)})."
        ) from None


def _read_csv(path: Path, sep: str, ids: list[str]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            encoding="utf-8-sig",
            low_memory=False,
            dtype={c: str for c in ids} or None,
        )
    except pd.errors.EmptyDataError as exc:
        raise EmptyDataError(
            f"File '{path}' has no columns. It needs a header row and at least one data row."
        ) from exc
    except (pd.errors.ParserError, *READ_ERRORS) as exc:
        raise InputFileError(
            f"File '{path}' is not a readable CSV file ({shorten(str(exc), 160)}). Save it as "
            "UTF-8 CSV with one header row (a compressed file may be damaged: export it again)."
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def check_finite_output(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Refuse to write infinite numbers (an overflow upstream, e.g. from a 1e308 input)."""
    import numpy as np

    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_float_dtype(col):
            values = col.to_numpy(dtype=float)
            if np.isinf(values).any():
                rows = (np.flatnonzero(np.isinf(values)) + 1).tolist()
                raise InvalidValueError(
                    f"Nothing was written to '{path}': its column '{name}' came out infinite in "
                    f"{rows_text(rows)}. An input value is too large for the computation; use "
                    "realistic magnitudes (amounts up to about 1e12).",
                    str(name),
                    rows,
                )


def write_table(
    frame: pd.DataFrame, path: str | os.PathLike, *, id_cols: tuple[str, ...] = ()
) -> Path:
    """Write a table atomically as CSV or Parquet (by extension).

    Returns
    -------
    pathlib.Path
        The written path.

    Raises
    ------
    InvalidValueError
        A float column holds an infinite value (nothing is written).
    """
    path = Path(path)
    kind = table_format(path)
    if kind == "parquet":
        require_pyarrow(path)
    check_finite_output(frame, path)
    with atomic_path(path) as tmp:
        if kind == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            sep = "\t" if ".tsv" in str(path).lower() else ","
            with open_csv_output(tmp, gz=str(path).lower().endswith(".gz")) as handle:
                neutralise_formulas(frame, id_cols=id_cols).to_csv(
                    handle, index=False, sep=sep, lineterminator="\n"
                )
    return path


def atomic_write_text(text: str, path: str | os.PathLike) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def append_table(
    rows: pd.DataFrame, path: str | os.PathLike, *, existing: pd.DataFrame | None = None
) -> Path:
    """Append rows to an append-only history table, atomically.

    The existing file is read (or ``existing``, the caller's copy of it, is used), the new
    rows are concatenated after it and the result replaces the file in one
    :func:`os.replace`. A crash at any point leaves the earlier history exactly as it was.
    Columns must match the existing history (new columns are an error, so no row is
    silently lost). Concurrent writers must hold
    :func:`leadlever.engine.io._lock.exclusive_lock` on ``path`` around their read and this
    append.
    """
    path = Path(path)
    if existing is None and path.exists():
        existing = read_table(path)
    if existing is not None:
        if list(existing.columns) != list(rows.columns):
            raise InputFileError(
                f"History '{path}' has columns {[shorten(c, 30) for c in existing.columns][:20]} "
                f"but the new rows have {list(rows.columns)}. Write to a new history file or "
                "align the columns."
            )
        rows = pd.concat([existing, rows], ignore_index=True)
    return write_table(rows, path)


def read_toml(
    path: str | os.PathLike,
    *,
    what: str,
    error: type[LeadLeverError] = InputFileError,
) -> dict:
    """Parse a TOML input file (``tomllib``: data only, no code runs).

    Parameters
    ----------
    path : path
    what : str
        What the file is, for messages ("Rules", "Costs", "Deals", ...).
    error : exception class
        The domain error to raise (a :class:`LeadLeverError` taking one message).

    Raises
    ------
    error
        When the file is missing or is not valid UTF-8 TOML; the message names the
        file, the line TOML names, and how to get an example.
    """
    p = Path(path)
    if not p.is_file():
        raise error(
            f"{what} file '{p}' does not exist. Check the path; `leadlever examples DIR` writes an "
            "example to start from."
        )
    try:
        return tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise error(
            f"{what} file '{p}' is not valid TOML ({shorten(str(exc), 160)}). Fix the line it "
            "names, or start from `leadlever examples DIR`."
        ) from None
