"""The same chunked map on Dask: one task per Parquet file of a dataset, on any cluster.

:func:`map_dataset_dask` is :func:`leadlever.engine.io._stream.map_table` for lead tables
beyond one machine. The input is a Parquet dataset (a folder of ``.parquet`` files, or one
file); each file is one task that reads it exactly as the single-machine run reads it
(:func:`~leadlever.engine.io._stream.arrow_to_pandas`, the same checks), applies the same
function and writes ``part-NNNNN.parquet`` into a fresh folder next to the output; only
when every task succeeded and no ``lead_id`` repeats anywhere in the dataset (an exact,
distributed ``value_counts``) is that folder swapped in. The output's parts, read in
order, are the rows of the single-machine run over the same dataset.

``scheduler`` is a Dask scheduler address (``tcp://host:8786``): the tasks run on that
cluster's workers, which need LeadLever installed and must see the input and output
folders at the same paths (a shared file system). Without it they run on local threads.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from leadlever.engine.exceptions import InputFileError, InvalidValueError, ParameterError
from leadlever.engine.io._atomic import fresh_folder, swap_folder
from leadlever.engine.io._formats import check_unique_columns, id_columns
from leadlever.engine.io._lead_schema import unique_ids
from leadlever.engine.io._numbers import check_table_numbers, shorten
from leadlever.engine.io._stream import arrow_to_pandas, parquet_files
from leadlever.engine.io._tables import write_table
from leadlever.engine.io._totals import Tally, split_result

__all__ = ["map_dataset_dask", "require_dask"]

_PART = re.compile(r"part-\d{5}\.parquet")


def require_dask() -> None:
    """Raise a clear error when the ``dask`` extra is not installed."""
    try:
        import dask  # noqa: F401
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise ParameterError(
            "--engine dask needs Dask: pip install 'leadlever[dask]' (dask, distributed, "
            f"pyarrow). ({exc})"
        ) from None


def _read_piece(path: Path, id_col: str) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputFileError(
            f"File '{path}' is not a readable Parquet file ({shorten(str(exc), 160)})."
        ) from None
    check_unique_columns(table.schema.names, str(path))
    frame = arrow_to_pandas(table)
    check_table_numbers(frame, source=str(path), skip=tuple(id_columns(frame.columns, (id_col,))))
    return unique_ids(frame, id_col, source=str(path))


def _task(
    piece: Path, part: Path, fn: Callable[[pd.DataFrame], Any], id_col: str, tally: Tally
) -> dict[str, Any]:
    """One file: read, check, apply, write its part (none when no row comes out); return its
    totals and the rows read."""
    frame = _read_piece(piece, id_col)
    result, extra = split_result(fn(frame))
    if len(result):
        write_table(result, part)
    return {**tally.of(result, extra), "_read": len(frame)}


def _ids(piece: Path, id_col: str) -> pd.Series:
    import pyarrow.parquet as pq

    if id_col not in pq.read_schema(piece).names:
        return pd.Series([], dtype="string", name=id_col)
    return pq.read_table(piece, columns=[id_col]).to_pandas()[id_col].astype("string")


def _check_ids_across_files(pieces: list[Path], id_col: str, source: str, compute: Any) -> None:
    """A ``lead_id`` that appears in two files of the dataset is an error (exact, on Dask)."""
    import dask.dataframe as dd

    ids = dd.from_map(_ids, pieces, id_col=id_col)
    counts = ids.dropna().value_counts(split_out=max(1, len(pieces) // 8))
    repeated = counts[counts > 1]
    (n_repeated, examples) = compute(repeated.size, repeated.head(3, npartitions=-1))
    if n_repeated:
        raise InvalidValueError(
            f"Dataset '{source}', column '{id_col}': {int(n_repeated):,} id(s) appear more than "
            f"once across its files (e.g. {shorten(str(examples.index[0]), 40)}), so those leads "
            "would be counted twice. Remove the copies; --dedupe is not available with "
            "--engine dask.",
            id_col,
            [],
        )


def _check_target(target: Path) -> None:
    """The output folder may be new, empty, or an earlier output (only ``part-*.parquet``)."""
    if target.exists() and not target.is_dir():
        raise ParameterError(
            f"--out '{target}' is a file; with --engine dask the output is a folder of Parquet "
            "parts. Name a folder."
        )
    if target.is_dir():
        others = [p.name for p in target.iterdir() if not _PART.fullmatch(p.name)]
        if others:
            raise ParameterError(
                f"--out '{target}' holds other files ({', '.join(shorten(o, 30) for o in others[:3])}"
                "); it would be replaced by the output's parts. Name a new or empty folder."
            )


def map_dataset_dask(
    source: str | os.PathLike,
    out: str | os.PathLike,
    fn: Callable[[pd.DataFrame], Any],
    *,
    tally: Tally,
    id_col: str = "lead_id",
    scheduler: str | None = None,
    if_empty: Callable[[int], Exception] | None = None,
) -> tuple[int, int]:
    """Apply ``fn`` to every file of a Parquet dataset on Dask; write a dataset folder.

    Returns
    -------
    (int, int)
        The rows read and the rows written (``tally`` holds the totals).
    """
    require_dask()
    import dask

    path = Path(source)
    if not path.exists():
        raise InputFileError(f"Dataset '{path}' does not exist. Check the path.")
    pieces = parquet_files(path)
    if (path.is_file() and path.suffix.lower() not in (".parquet", ".pq")) or not pieces:
        raise InputFileError(
            f"'{path}' is not a Parquet dataset: --engine dask reads a folder of .parquet files "
            "(or one .parquet file). Convert CSV input first, or drop --engine dask."
        )
    target = Path(out)
    _check_target(target)
    work = fresh_folder(target)
    client = None
    try:
        if scheduler:
            from distributed import Client

            try:
                client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise ParameterError(
                    f"Cannot reach the Dask scheduler at {scheduler!r} ({shorten(str(exc), 120)})."
                    " Check the address (tcp://host:8786) and that the scheduler is running."
                ) from None

        def compute(*graphs: Any) -> Any:
            if client is not None:
                return client.compute(list(graphs), sync=True)
            return dask.compute(*graphs, scheduler="threads")

        tasks = [
            dask.delayed(_task, pure=False)(p, work / f"part-{i:05d}.parquet", fn, id_col, tally)
            for i, p in enumerate(pieces)
        ]
        n_read = 0
        for part in compute(*tasks):
            n_read += part.pop("_read")
            tally.add(part)
        if tally.totals["n"] == 0 and if_empty is not None:
            raise if_empty(n_read)
        _check_ids_across_files(pieces, id_col, str(path), compute)
        swap_folder(work, target, replace_whole=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        if client is not None:
            client.close()
    return n_read, int(tally.totals["n"])
