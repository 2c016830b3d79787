"""Fit a history file and write the CURVES table with its fit file (``allocate fit``)."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from leadlever.optimisers.curves._export import ChannelHistory, read_history
from leadlever.optimisers.curves._result import CurveFitResult, write_fit
from leadlever.optimisers.curves._weekly import fit_curves
from leadlever.optimisers.exceptions import CurveFitError

__all__ = ["fit_and_write", "ROWS_READ"]

#: name of the assumption recording how many rows the file had and what they became
ROWS_READ = "rows read"


def _rows_text(n_rows: int, n_periods: int, sequential: bool, n_channels: int) -> str:
    what = (
        f"{n_periods:,} weekly observation{'s' if n_periods != 1 else ''}"
        if sequential
        else f"{n_rows:,} independent observations (no period column)"
    )
    return f"{n_rows:,} rows → {what} of {n_channels} channel{'s' if n_channels != 1 else ''}"


def _fit_long(hist: ChannelHistory, n_rows: int, source: str, options: dict) -> CurveFitResult:
    counted = _rows_text(n_rows, hist.n_periods, hist.sequential, len(hist.channels))
    try:
        result = fit_curves(hist, **options)
    except CurveFitError as exc:
        how = "; ".join(
            str(a["value"]) for a in hist.assumptions if a["name"] in ("period", "period column")
        )
        raise CurveFitError(
            f"File '{source}': {counted} ({how}). {exc} Export a longer history, or pass "
            "--period-col '' to read every row as an independent observation (no carry-over)."
        ) from None
    return replace(
        result,
        assumptions=(
            {"name": ROWS_READ, "value": counted, "source": "data"},
            *result.assumptions,
        ),
    )


def fit_and_write(
    history: str | os.PathLike, out: str | os.PathLike, **options: Any
) -> tuple[CurveFitResult, str]:
    """Read a history file, fit its curves (:func:`fit_curves` options) and write the CURVES
    table with its ``.fit.json`` sidecar. Returns the result and the sidecar's path.

    The result's assumptions start with :data:`ROWS_READ`: the rows read and the periods and
    channels they became. Nothing is written when reading or fitting fails.
    """
    from leadlever.engine.io._tables import read_table, table_format

    table_format(out)
    columns = {
        k: options.pop(k)
        for k in ("period", "channel", "spend", "value", "value_per_lead")
        if k in options
    }
    frame = read_table(history)
    hist = read_history(frame, source=str(history), **columns)
    result = _fit_long(hist, len(frame), str(history), options)
    return result, write_fit(result, out)
