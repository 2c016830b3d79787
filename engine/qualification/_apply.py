"""``qualify apply`` on any number of leads: chunk by chunk on one machine, or on Dask.

:func:`qualify_file` profiles the open leads (every lead with ``include_closed``) chunk by
chunk with :func:`~leadlever.engine.qualification._profile_leads.profile_rows` and writes
each profiled chunk as it comes (:func:`leadlever.engine.io._engines.map_with_engine`):
bounded memory, and the same output whatever the chunk size or the engine (each lead is
profiled on its own).
"""

from __future__ import annotations

import os
from typing import Any

from leadlever.engine.economics._economics import Economics
from leadlever.engine.io._engines import MapResult, map_with_engine
from leadlever.engine.io._stream import DEFAULT_CHUNK_ROWS
from leadlever.engine.io._totals import Tally
from leadlever.engine.qualification._bundle import (
    QualificationBundle,
    QualificationSettings,
    load_bundle,
)
from leadlever.engine.qualification._profile_leads import (
    closed_note,
    no_open_leads,
    profile_rows,
)
from leadlever.engine.scoring._familiarity import unfamiliar_counts, unfamiliar_warnings

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
    economics: Economics | None = None,
    settings: QualificationSettings | None = None,
    include_closed: bool = False,
    dedupe: bool = False,
    engine: str = "local",
    scheduler: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> MapResult:
    """Write the qualification profile of the open leads of ``leads`` (every lead with
    ``include_closed``); the other parameters are those of
    :func:`leadlever.engine.scoring._apply.score_file`.

    Raises
    ------
    EmptyDataError
        When no open lead is left to profile (nothing is written).
    """
    model = bundle if isinstance(bundle, QualificationBundle) else load_bundle(bundle)
    econ = economics or Economics()
    source = str(leads)

    def profile(chunk: Any) -> tuple[Any, dict[str, int]]:
        rows = chunk if include_closed else chunk.loc[model.open_mask(chunk)]
        if rows.empty:
            return rows, {}
        # counted on every lead read; the bundle scores through predict_proba, so the
        # counts factorise the columns themselves
        counts = unfamiliar_counts(model.conversion, chunk)
        return profile_rows(model, rows, settings, econ, source), counts

    def empty(n_read: int) -> Exception:
        return no_open_leads(source, n_read)

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
        id_col=model.columns.lead_id or "lead_id",
        if_empty=empty,
    )


def qualify_summary(
    result: MapResult,
    bundle: QualificationBundle,
    economics: Economics | None = None,
    *,
    include_closed: bool = False,
    has_outcome: bool = True,
    found: list[str] | None = None,
    columns: list[str] | None = None,
) -> dict[str, Any]:
    """What ``qualify apply --json`` prints (the keys of ``ProfileResult.to_dict`` and where
    the output went); its warnings name the conversion model's categorical columns whose
    values it was not fitted on (:mod:`leadlever.engine.scoring._familiarity`)."""
    n_closed = 0 if include_closed else result.n_read - result.n_rows
    warnings = [bundle.model_warning] if bundle.model_warning else []
    warnings += unfamiliar_warnings(bundle.conversion, result.tally.totals)
    return {
        **result.to_dict(),
        "model_version": bundle.model_version,
        "n_leads": result.n_rows,
        "n_closed_excluded": n_closed,
        "mean_p_convert": result.tally.mean("p_convert") if result.n_rows else None,
        "total_expected_value": result.tally.total("expected_value"),
        "tiers": result.tally.value_counts("tier"),
        "assumptions": [
            a.to_dict() for a in bundle.profile_assumptions(economics or Economics(), columns)
        ],
        "warnings": warnings,
        "notes": closed_note(bundle, n_closed, has_outcome, found),
    }
