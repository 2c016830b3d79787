"""Reading and writing tables and files safely.

* :func:`read_table` reads CSV (any of ``,``, ``;``, tab, ``|`` separators, an
  optional UTF-8 byte-order mark, optional gzip) or Parquet, chosen by the file
  extension, and raises :mod:`leadlever.engine.exceptions` errors a user can act on.
* :func:`write_table` writes atomically (temporary file in the same folder, then
  :func:`os.replace`), so a failed run never leaves a half-written file, and
  neutralises spreadsheet formulas in string cells of CSV output.
* :func:`atomic_write_text` and :func:`append_table` do the same for text files
  and append-only histories.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from leadlever.engine.exceptions import EmptyDataError, InputFileError, LeadLeverError

__all__ = [
    "read_table",
    "write_table",
    "atomic_write_text",
    "append_table",
    "neutralise_formulas",
    "table_format",
    "read_toml",
]

_CSV_SUFFIXES = (".csv", ".csv.gz", ".txt", ".tsv", ".tsv.gz")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def _require_pyarrow(path: str | os.PathLike) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputFileError(
            f"File '{path}' is Parquet, which needs pyarrow. Install it with "
            "pip install 'leadlever[parquet]', or use a .csv file."
        ) from exc


def _sniff_separator(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


def _first_line(path: Path) -> str:
    opener = gzip.open if str(path).lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", errors="replace") as handle:
            return handle.readline()
    except OSError as exc:
        raise InputFileError(f"File '{path}' could not be read: {exc}.") from exc


def _decimal_commas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns holding only numbers written with a decimal comma (``0,25``) become floats.

    Spreadsheets in many locales export ``;``-separated CSV with decimal commas; without this
    such a column would be read as text (and a model would treat it as a category or an id).
    Columns with anything else in them (``1.234,5``, words) are left as they are.
    """
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
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


def read_table(source: str | os.PathLike | pd.DataFrame) -> pd.DataFrame:
    """Read a lead table (or any table) from CSV or Parquet.

    Parameters
    ----------
    source : path or DataFrame
        A ``.csv``/``.csv.gz``/``.tsv`` or ``.parquet`` file. A DataFrame is
        returned as a copy, so callers may pass either.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    InputFileError
        Missing or unreadable file, unsupported extension.
    EmptyDataError
        The file has no header or no data rows.
    """
    if isinstance(source, pd.DataFrame):
        if source.empty:
            raise EmptyDataError("The table has no rows. Pass a table with at least one lead.")
        return source.copy()
    path = Path(source)
    if not path.exists():
        raise InputFileError(
            f"File '{path}' does not exist. Check the path and the current folder."
        )
    if path.is_dir():
        raise InputFileError(f"'{path}' is a folder, not a file. Name a .csv or .parquet file.")
    kind = table_format(path)
    if path.stat().st_size == 0:
        raise EmptyDataError(
            f"File '{path}' is empty. It needs a header row and at least one data row."
        )
    if kind == "parquet":
        _require_pyarrow(path)
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many types
            raise InputFileError(f"File '{path}' is not a readable Parquet file: {exc}.") from exc
    else:
        sep = _sniff_separator(_first_line(path))
        try:
            frame = pd.read_csv(path, sep=sep, encoding="utf-8-sig", low_memory=False)
        except pd.errors.EmptyDataError as exc:
            raise EmptyDataError(
                f"File '{path}' has no columns. It needs a header row and at least one data row."
            ) from exc
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise InputFileError(
                f"File '{path}' is not a readable CSV file ({exc}). Save it as UTF-8 CSV with "
                "one header row."
            ) from exc
        frame.columns = [str(c).strip() for c in frame.columns]
        if sep != ",":
            frame = _decimal_commas(frame)
    if frame.empty:
        raise EmptyDataError(f"File '{path}' has a header but no data rows. Add at least one row.")
    return frame


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix string cells that a spreadsheet would run as a formula with ``'``.

    A cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return in a
    text column is written as ``'=...`` (OWASP's CSV-injection advice). Numeric
    columns are untouched, so negative numbers stay numbers.
    """
    out = frame
    copied = False
    for column in frame.columns:
        series = frame[column]
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
def _atomic_path(path: Path) -> Iterator[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; give the usual permissions
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_table(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a table atomically as CSV or Parquet (by extension).

    Returns
    -------
    pathlib.Path
        The written path.
    """
    path = Path(path)
    kind = table_format(path)
    if kind == "parquet":
        _require_pyarrow(path)
    with _atomic_path(path) as tmp:
        if kind == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            compression = "gzip" if str(path).lower().endswith(".gz") else None
            sep = "\t" if ".tsv" in str(path).lower() else ","
            neutralise_formulas(frame).to_csv(
                tmp, index=False, sep=sep, compression=compression, lineterminator="\n"
            )
    return path


def atomic_write_text(text: str, path: str | os.PathLike) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    path = Path(path)
    with _atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def append_table(rows: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Append rows to an append-only history table, atomically.

    The existing file is read, the new rows are concatenated after it and the
    result replaces the file in one :func:`os.replace`. A crash at any point
    leaves the earlier history exactly as it was. Columns must match the
    existing history (new columns are an error, so no row is silently lost).
    """
    path = Path(path)
    if path.exists():
        existing = read_table(path)
        if list(existing.columns) != list(rows.columns):
            raise InputFileError(
                f"History '{path}' has columns {list(existing.columns)} but the new rows have "
                f"{list(rows.columns)}. Write to a new history file or align the columns."
            )
        combined = pd.concat([existing, rows], ignore_index=True)
    else:
        combined = rows
    return write_table(combined, path)


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
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error(
            f"{what} file '{p}' is not valid TOML ({exc}). Fix the line it names."
        ) from None
