"""``qualify apply`` on any number of leads: chunk by chunk on one machine, or on Dask.

:func:`qualify_file` profiles the leads chunk by chunk with
:meth:`QualificationBundle.profile` and writes each profiled chunk as it comes
(:func:`leadlever.engine.io._engines.map_with_engine`): bounded memory, and the same
output whatever the chunk size or the engine (each lead is profiled on its own).
"""

from __future__ import annotations

import os
from typing import Any

from leadlever.engine.io._engines import MapResult, map_with_engine
from leadlever.engine.io._stream import DEFAULT_CHUNK_ROWS
from leadlever.engine.io._totals import Tally
from leadlever.engine.qualification._bundle import (
    QualificationBundle,
    QualificationSettings,
    active_leads,
    load_bundle,
)

__all__ = ["qualify_file", "qualify_summary", "TOP_COLUMNS"]

#: columns of the ten most valuable leads the command prints
TOP_COLUMNS = (
    "lead_id",
    "p_convert",
    "p_convert_180d",
    "expected_effort_hours",
    "expected_commission",
    "p_fit",
    "expected_value",
)


def qualify_file(
    bundle: QualificationBundle | str | os.PathLike,
    leads: str | os.PathLike,
    out: str | os.PathLike,
    *,
    settings: QualificationSettings | None = None,
    open_only: bool = False,
    dedupe: bool = False,
    engine: str = "local",
    scheduler: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> MapResult:
    """Write the qualification profile of every lead (or every open lead) of ``leads``.

    Parameters are those of :func:`leadlever.engine.scoring._apply.score_file`;
    ``settings`` overrides the bundle's (``None``: the bundle's own), ``open_only`` keeps
    only leads whose ``converted`` is empty.
    """
    model = bundle if isinstance(bundle, QualificationBundle) else load_bundle(bundle)
    source = str(leads)

    def profile(chunk: Any) -> Any:
        return model.profile(active_leads(chunk) if open_only else chunk, settings, source=source)

    return map_with_engine(
        leads,
        out,
        profile,
        tally=Tally(
            sums=("p_convert", "expected_value"),
            counts=("tier",),
            top=("expected_value", 10, TOP_COLUMNS),
        ),
        engine=engine,
        scheduler=scheduler,
        dedupe=dedupe,
        chunk_rows=chunk_rows,
    )


def qualify_summary(result: MapResult, model_version: str) -> dict[str, Any]:
    """What ``qualify apply --json`` prints."""
    return {
        **result.to_dict(),
        "model_version": model_version,
        "n_leads": result.n_rows,
        "mean_p_convert": result.tally.mean("p_convert"),
        "total_expected_value": result.tally.total("expected_value"),
        "tiers": result.tally.value_counts("tier"),
    }
