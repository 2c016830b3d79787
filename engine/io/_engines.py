"""One entry point for a chunked map on either engine: ``local`` (one machine, bounded
memory, any CSV or Parquet input) or ``dask`` (a Parquet dataset on a Dask cluster)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from leadlever.engine.exceptions import ParameterError
from leadlever.engine.io._stream import DEFAULT_CHUNK_ROWS, map_table
from leadlever.engine.io._totals import Tally

__all__ = ["ENGINES", "MapResult", "map_with_engine"]

#: where a chunked map runs
ENGINES = ("local", "dask")


@dataclass(frozen=True)
class MapResult:
    """What a chunked map wrote: where, how many rows, on which engine, its totals."""

    out: str
    n_read: int
    n_rows: int
    engine: str
    tally: Tally = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"out": self.out, "n_rows": self.n_rows, "engine": self.engine}


def map_with_engine(
    source: str | os.PathLike,
    out: str | os.PathLike,
    fn: Callable[[pd.DataFrame], Any],
    *,
    tally: Tally,
    engine: str = "local",
    scheduler: str | None = None,
    dedupe: bool = False,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    id_col: str = "lead_id",
    if_empty: Callable[[int], Exception] | None = None,
) -> MapResult:
    """Run ``fn`` over ``source`` chunk by chunk on ``engine`` and write ``out``.

    ``fn`` returns the chunk's output frame, or the frame and counts (``{key: number}``)
    that ``tally`` adds up over the chunks (:func:`~leadlever.engine.io._totals.split_result`).

    Raises
    ------
    ParameterError
        An unknown engine, ``scheduler`` without Dask, or ``dedupe`` with Dask.
    """
    if engine not in ENGINES:
        raise ParameterError(f"--engine must be one of {', '.join(ENGINES)}, not {engine!r}.")
    if engine == "local":
        if scheduler:
            raise ParameterError("--scheduler is for --engine dask; drop it or add --engine dask.")
        n_read, n = map_table(
            source,
            out,
            fn,
            chunk_rows=chunk_rows,
            id_col=id_col,
            dedupe=dedupe,
            tally=tally,
            if_empty=if_empty,
        )
    else:
        if dedupe:
            raise ParameterError(
                "--dedupe is not available with --engine dask: remove repeated ids from the "
                "dataset first (or run without --engine dask)."
            )
        from leadlever.engine.io._dask import map_dataset_dask

        n_read, n = map_dataset_dask(
            source, out, fn, tally=tally, id_col=id_col, scheduler=scheduler, if_empty=if_empty
        )
    return MapResult(str(out), n_read, n, engine, tally)
