"""``score apply`` on any number of leads: chunk by chunk on one machine, or on Dask.

:func:`score_file` reads the leads in chunks, scores each with
:func:`~leadlever.engine.scoring._scored.score_leads` (probability, score, tier, reasons,
the shared ``converted`` column and the model's warning; its counts of unfamiliar values
add up in the run's tally) and writes the scored chunks as
they come (:func:`leadlever.engine.io._engines.map_with_engine`), so memory stays bounded
whatever the number of leads; every lead is scored on its own, so the output does not
depend on the chunk size or the engine.
"""

from __future__ import annotations

import os
from typing import Any

from leadlever.engine.io._engines import MapResult, map_with_engine
from leadlever.engine.io._outcomes import OUTCOME_COLUMN
from leadlever.engine.io._stream import DEFAULT_CHUNK_ROWS
from leadlever.engine.io._totals import Tally
from leadlever.engine.scoring._familiarity import unfamiliar_warnings
from leadlever.engine.scoring._fit_record import FitRecord, chance_warning, load_model
from leadlever.engine.scoring._scored import score_leads

__all__ = ["score_file", "score_summary"]


def score_file(
    model: str | os.PathLike | Any,
    data: str | os.PathLike,
    out: str | os.PathLike,
    *,
    reasons: bool = True,
    dedupe: bool = False,
    engine: str = "local",
    scheduler: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> MapResult:
    """Score every lead of ``data`` into ``out`` (see the module docstring).

    Parameters
    ----------
    model : path, fitted model or (model, FitRecord)
        A model file (``score fit --model-out``), a fitted model, or what
        :func:`load_model` returns.
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
    if isinstance(model, tuple):
        fitted, record = model
    elif hasattr(model, "score_table"):  # a fitted model without its fit record
        fitted, record = model, FitRecord.from_dict(None)
    else:
        fitted, record = load_model(model)
    source = str(data)

    def score(chunk: Any) -> tuple[Any, dict[str, int]]:
        scored = score_leads(fitted, record, chunk, reasons=reasons, source=source)
        return scored.table, scored.counts  # the counts add up in the tally

    return map_with_engine(
        data,
        out,
        score,
        tally=Tally(sums=("p_convert",), counts=("tier",), present=(OUTCOME_COLUMN,)),
        engine=engine,
        scheduler=scheduler,
        dedupe=dedupe,
        chunk_rows=chunk_rows,
    )


def score_summary(result: MapResult, record: FitRecord, model: Any = None) -> dict[str, Any]:
    """What ``score apply --json`` prints (the keys of ``ScoredLeads.to_dict`` and where
    the output went); with the fitted ``model``, also how its tiers were cut
    (``tier_method``, and ``tier_note`` when quantile tiers replaced the funnel's) and the
    columns whose values it was not fitted on (:mod:`~leadlever.engine.scoring._familiarity`)."""
    warning = chance_warning(record.auc_ci)
    warnings = [warning] if warning else []
    warnings += unfamiliar_warnings(model, result.tally.totals)
    tiers = getattr(model, "tiers_", None) or {}
    return {
        **({"tier_method": tiers["method"], "tier_note": tiers["reason"]} if tiers else {}),
        **result.to_dict(),
        "n_closed": result.tally.present(OUTCOME_COLUMN),
        "mean_p_convert": result.tally.mean("p_convert"),
        "tiers": result.tally.value_counts("tier"),
        "warnings": warnings,
    }
