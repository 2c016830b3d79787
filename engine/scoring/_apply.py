"""``score apply`` on any number of leads: chunk by chunk on one machine, or on Dask.

:func:`score_file` reads the leads in chunks, scores each with
:meth:`ConversionModel.score_table` and writes the scored chunks to the output as they
come (:func:`leadlever.engine.io._engines.map_with_engine`), so memory stays bounded
whatever the number of leads; every lead is scored on its own, so the output does not
depend on the chunk size or the engine.
"""

from __future__ import annotations

import os
from typing import Any

from leadlever.engine.io._engines import MapResult, map_with_engine
from leadlever.engine.io._stream import DEFAULT_CHUNK_ROWS
from leadlever.engine.io._totals import Tally
from leadlever.engine.scoring._conversion import ConversionModel

__all__ = ["score_file", "score_summary"]


def score_file(
    model: ConversionModel | str | os.PathLike,
    data: str | os.PathLike,
    out: str | os.PathLike,
    *,
    reasons: bool = True,
    dedupe: bool = False,
    engine: str = "local",
    scheduler: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> MapResult:
    """Add ``p_convert``, ``score``, ``tier`` (and ``reasons``) to every lead of ``data``.

    Parameters
    ----------
    model : ConversionModel or path
        A fitted model, or its JSON file.
    data, out : path
        Leads (CSV, Parquet, or a folder of Parquet files) and the output table (with
        ``engine="dask"``, a folder of Parquet parts).
    reasons : bool
        Add the reason texts.
    dedupe : bool
        Keep the first row of a repeated ``lead_id`` (default: an error).
    engine, scheduler : str
        ``"local"`` or ``"dask"`` (with a scheduler address, or local threads).
    chunk_rows : int
        Leads per chunk on the local engine.
    """
    fitted = model if isinstance(model, ConversionModel) else ConversionModel.load(model)
    source = str(data)

    def score(chunk: Any) -> Any:
        return fitted.score_table(chunk, reasons=reasons, source=source)

    return map_with_engine(
        data,
        out,
        score,
        tally=Tally(sums=("p_convert",), counts=("tier",)),
        engine=engine,
        scheduler=scheduler,
        dedupe=dedupe,
        chunk_rows=chunk_rows,
    )


def score_summary(result: MapResult) -> dict[str, Any]:
    """What ``score apply --json`` prints."""
    return {
        **result.to_dict(),
        "mean_p_convert": result.tally.mean("p_convert"),
        "tiers": result.tally.value_counts("tier"),
    }
