"""Tables in chunks: bounded-memory reading, incremental atomic writing, one map over both.

:func:`map_table` is how ``score apply`` and ``qualify apply`` run on any number of
leads in bounded memory: it reads the input in chunks of ``chunk_rows`` rows (CSV with
``pandas.read_csv(chunksize=...)``; Parquet files and folders of Parquet files in record
batches), checks each chunk as :func:`leadlever.engine.io.read_table` checks a whole table
(duplicate names, text in numbers, infinite values, repeated ids across all chunks), calls
a function on it, and appends the result to a temporary file that replaces the output only
when every chunk has succeeded (CSV, reproducible ``.csv.gz``, or Parquet).

Column types are fixed by the first chunk (whole numbers as nullable integers, so a
missing value in a later chunk neither turns ``5`` into ``5.0`` nor changes the Parquet
schema), which makes the output the same whatever the chunk size.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import (
    EmptyDataError,
    InputFileError,
    LeadLeverError,
    ParameterError,
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
from leadlever.engine.io._lead_schema import (
    DEDUPE_FIX,
    lead_id_column,
    repeated_ids_error,
    warn_dropped,
)
from leadlever.engine.io._money import read_money
from leadlever.engine.io._numbers import check_table_numbers, shorten
from leadlever.engine.io._tables import check_finite_output
from leadlever.engine.io._totals import SeenIds, Tally, split_result

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "iter_table",
    "TableWriter",
    "map_table",
    "parquet_files",
    "table_columns",
    "arrow_to_pandas",
]

#: rows per chunk: large enough for vectorised speed, small enough for bounded memory
DEFAULT_CHUNK_ROWS = 100_000
#: below this size a float holds every whole number exactly (2**53)
_EXACT_WHOLE = 2.0**53


def _fixed_dtypes(first: pd.DataFrame, ids: list[str]) -> tuple[dict[str, Any], list[str]]:
    """Types to read later CSV chunks with, from the first chunk, and its whole-number
    columns (read as floats, then made nullable integers again where they still are)."""
    out: dict[str, Any] = {c: str for c in ids}
    whole = []
    for name in first.columns:
        col = first[name]
        if name in out or col.isna().all():
            continue
        if pd.api.types.is_bool_dtype(col):
            out[name] = "boolean"
        elif pd.api.types.is_integer_dtype(col):
            out[name] = "float64"
            whole.append(name)
        elif pd.api.types.is_float_dtype(col):
            out[name] = "float64"
        else:
            out[name] = str
    return out, whole


def _whole_numbers(chunk: pd.DataFrame, whole: list[str]) -> pd.DataFrame:
    """Columns of whole numbers as nullable ``Int64`` (``5`` stays ``5`` next to a missing
    value); a column that holds a fraction in this chunk stays float."""
    for name in whole:
        values = chunk[name].to_numpy(dtype=float, na_value=np.nan)
        finite = values[~np.isnan(values)]
        if (
            np.array_equal(finite, np.round(finite))
            and np.abs(finite).max(initial=0) < _EXACT_WHOLE
        ):
            chunk[name] = chunk[name].astype("Int64")
    return chunk


def _csv_chunks(path: Path, chunk_rows: int, id_cols: tuple[str, ...]) -> Iterator[pd.DataFrame]:
    sep = csv_separator(path)
    names = header_names(path, sep)
    check_unique_columns(names, str(path))
    ids = id_columns(names, id_cols)
    options = {"sep": sep, "encoding": "utf-8-sig", "chunksize": chunk_rows, "low_memory": False}
    raw = pd.read_csv(path, sep=sep, nrows=0, encoding="utf-8-sig").columns
    # the first chunk decides the types of the rest
    with pd.read_csv(path, dtype={c: str for c in raw if str(c).strip() in ids}, **options) as r:
        first = next(iter(r), None)
    if first is None:
        raise EmptyDataError(f"File '{path}' has a header but no data rows. Add at least one row.")
    first.columns = [str(c).strip() for c in first.columns]
    commas: set[str] = set()
    if sep != ",":
        text = {c for c in first.columns if not pd.api.types.is_numeric_dtype(first[c])}
        first = decimal_commas(first, skip=tuple(ids))
        commas = {c for c in text if pd.api.types.is_float_dtype(first[c])}
    first, money = read_money(first, skip=tuple(ids))
    dtypes, whole = _fixed_dtypes(first, ids)
    dtypes.update({c: str for c in commas | set(money)})
    read_dtypes = {c: dtypes[str(c).strip()] for c in raw if str(c).strip() in dtypes}
    with pd.read_csv(path, dtype=read_dtypes, **options) as reader:
        for chunk in reader:
            chunk.columns = [str(c).strip() for c in chunk.columns]
            if commas:
                chunk = decimal_commas(chunk, skip=tuple(ids))
            if money:
                chunk, _ = read_money(chunk, marks=money)
            yield restore_formulas(_whole_numbers(chunk, whole))


def parquet_files(path: Path) -> list[Path]:
    """The Parquet files of a file or a dataset folder, in file-name order (the row order
    of every engine)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*.parquet") if not p.name.startswith("."))
    return [path]


def arrow_to_pandas(batch: Any) -> pd.DataFrame:
    """A pyarrow table or batch as pandas, integers and booleans as nullable types (so a
    missing value does not turn a column of whole numbers into floats in some chunks)."""
    import pyarrow as pa

    nullable = {
        pa.int8(): pd.Int8Dtype(),
        pa.int16(): pd.Int16Dtype(),
        pa.int32(): pd.Int32Dtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
    }
    return batch.to_pandas(types_mapper=nullable.get)


def _parquet_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    require_pyarrow(path)
    import pyarrow as pa
    import pyarrow.dataset as ds

    try:
        dataset = ds.dataset([str(f) for f in parquet_files(path)], format="parquet")
        check_unique_columns(dataset.schema.names, str(path))
        for batch in dataset.to_batches(batch_size=chunk_rows):
            if batch.num_rows:
                yield arrow_to_pandas(batch)
    except (pa.ArrowException, OSError) as exc:
        raise InputFileError(
            f"File '{path}' is not a readable Parquet file ({shorten(str(exc), 160)})."
        ) from None


def table_columns(source: str | os.PathLike) -> list[str]:
    """The column names of a table (CSV header, Parquet schema), without reading its rows."""
    path, kind = input_table(source, dataset=True)
    if kind == "csv":
        return header_names(path, csv_separator(path))
    require_pyarrow(path)
    import pyarrow.parquet as pq

    return list(pq.read_schema(parquet_files(path)[0]).names)


def iter_table(
    source: str | os.PathLike,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    id_cols: tuple[str, ...] = (),
) -> Iterator[tuple[int, pd.DataFrame]]:
    """``(offset, chunk)`` pairs of a CSV or Parquet table (or a folder of Parquet files),
    each chunk checked like :func:`read_table` checks a table; ``offset`` is the number of
    data rows before the chunk."""
    path, kind = input_table(source, dataset=True)
    if not 1 <= chunk_rows <= 100_000_000:
        raise ParameterError(
            f"The chunk size must be between 1 and 100,000,000 rows, not {chunk_rows}."
        )
    chunks = (
        _parquet_chunks(path, chunk_rows)
        if kind == "parquet"
        else _csv_chunks(path, chunk_rows, id_cols)
    )
    offset = 0
    try:
        for chunk in chunks:
            chunk.index = pd.RangeIndex(offset, offset + len(chunk))
            ids = id_columns(chunk.columns, id_cols)
            check_table_numbers(chunk, source=str(path), skip=tuple(ids), offset=offset)
            yield offset, chunk
            offset += len(chunk)
    except LeadLeverError:
        raise
    except (pd.errors.ParserError, *READ_ERRORS) as exc:
        raise InputFileError(
            f"File '{path}' is not a readable table after data row {offset:,} "
            f"({shorten(str(exc), 160)}). Save it as UTF-8 CSV with one header row (a compressed "
            "file may be damaged: export it again)."
        ) from None
    except ValueError as exc:  # a later chunk does not fit the types of the first
        if kind == "csv":  # name the cells: read that chunk again as text and check it
            sep = csv_separator(path)
            text = pd.read_csv(
                path, sep=sep, encoding="utf-8-sig", dtype=str, nrows=chunk_rows,
                skiprows=range(1, offset + 1),
            )  # fmt: skip
            text.columns = [str(c).strip() for c in text.columns]
            check_table_numbers(
                text, source=str(path), skip=tuple(id_columns(text.columns, id_cols)), offset=offset
            )
        raise InputFileError(
            f"File '{path}': a column changes type after data row {offset:,} "
            f"({shorten(str(exc), 160)}). Make each column hold one kind of value."
        ) from None
    if offset == 0:
        raise EmptyDataError(f"File '{path}' has a header but no data rows. Add at least one row.")


class TableWriter:
    """Write a table chunk by chunk into a temporary file; ``close()`` puts it in place.

    Use as a context manager: an exception leaves the output as it was before.
    """

    def __init__(self, path: str | os.PathLike, *, id_cols: tuple[str, ...] = ()) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise ParameterError(f"Output '{self.path}' is a folder. Name a file to write.")
        self.kind = table_format(self.path)
        if self.kind == "parquet":
            require_pyarrow(self.path)
        self.id_cols = id_cols
        self.n_rows = 0
        self._atomic = atomic_path(self.path)
        self._handle: Any = None
        self._parquet: Any = None
        self._header = True

    def __enter__(self) -> TableWriter:
        self._tmp = self._atomic.__enter__()
        if self.kind == "csv":
            self._handle_cm = open_csv_output(self._tmp, gz=str(self.path).lower().endswith(".gz"))
            self._handle = self._handle_cm.__enter__()
        return self

    def write(self, frame: pd.DataFrame) -> None:
        check_finite_output(frame, self.path)
        if self.kind == "csv":
            sep = "\t" if ".tsv" in str(self.path).lower() else ","
            neutralise_formulas(frame, id_cols=self.id_cols).to_csv(
                self._handle, index=False, header=self._header, sep=sep, lineterminator="\n"
            )
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            if self._parquet is None:
                table = pa.Table.from_pandas(frame, preserve_index=False)
                self._schema = table.schema
                self._parquet = pq.ParquetWriter(self._tmp, self._schema)
            else:
                table = pa.Table.from_pandas(frame, schema=self._schema, preserve_index=False)
            self._parquet.write_table(table)
        self._header = False
        self.n_rows += len(frame)

    def __exit__(self, *exc: Any) -> None:
        try:
            if self._handle is not None:
                self._handle_cm.__exit__(*exc)
            if self._parquet is not None:
                self._parquet.close()
        finally:
            self._atomic.__exit__(*exc)


def _unique_across_chunks(
    chunk: pd.DataFrame, seen: SeenIds, id_col: str, source: str, dedupe: bool
) -> tuple[pd.DataFrame, list[int]]:
    """The chunk without rows whose id repeats one met earlier in the file, and those rows
    (1-based); without ``dedupe`` a repeat is an error naming its row."""
    if id_col not in chunk.columns:
        return chunk, []
    present = chunk[id_col].notna().to_numpy(dtype=bool)
    h = SeenIds.hashes(chunk[id_col])
    repeated = (seen.seen(h) | pd.Series(h).duplicated().to_numpy(dtype=bool)) & present
    rows = (chunk.index[repeated] + 1).tolist()
    if rows and not dedupe:
        raise repeated_ids_error(
            source, id_col, rows, chunk.loc[repeated, id_col].iloc[0], fix=DEDUPE_FIX
        )
    seen.add(h[present & ~repeated])
    return (chunk.loc[~repeated] if rows else chunk), rows


def map_table(
    source: str | os.PathLike,
    out: str | os.PathLike,
    fn: Callable[[pd.DataFrame], Any],
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    id_col: str = "lead_id",
    dedupe: bool = False,
    tally: Tally | None = None,
    if_empty: Callable[[int], Exception] | None = None,
) -> tuple[int, int]:
    """Apply ``fn`` chunk by chunk to ``source`` and write the results to ``out``.

    Each chunk's ``id_col`` values (or, without that column, those of the id column
    :func:`~leadlever.engine.io._lead_schema.lead_id_column` finds in the first chunk) must
    not repeat one met before (``dedupe`` drops such
    rows instead). ``fn`` (a frame, or a frame and counts for ``tally``: :func:`split_result`)
    may return fewer rows than it is given (none: nothing is written
    for that chunk). Nothing is written unless every chunk succeeds; when no row at all
    comes out, ``if_empty(rows read)`` is raised if given.

    Returns
    -------
    (int, int)
        The rows read and the rows written.
    """
    seen = SeenIds()
    dropped: list[int] = []
    n_read = 0
    with TableWriter(out, id_cols=(id_col,)) as writer:
        for _, chunk in iter_table(source, chunk_rows=chunk_rows, id_cols=(id_col,)):
            if n_read == 0:
                id_col = lead_id_column(chunk, id_col) or id_col
            kept, repeats = _unique_across_chunks(chunk, seen, id_col, str(source), dedupe)
            dropped += repeats
            n_read += len(chunk)
            result, extra = split_result(fn(kept)) if len(kept) else (kept.iloc[:0], {})
            if len(result):
                writer.write(result)
                if tally is not None:
                    tally.add(tally.of(result, extra))
        if writer.n_rows == 0 and if_empty is not None:
            raise if_empty(n_read)
    if dropped:
        warn_dropped(str(source), id_col, dropped)
    return n_read, writer.n_rows
