"""Fit a history file and write the CURVES table with its fit file (``allocate fit``).

A long history (one row per period and channel, or per ad) is read by
:func:`read_history`; a **wide** marketing-mix table (one row per week, one spend
column per channel and one total outcome, like Robyn's ``dt_simulated_weekly.csv``)
is recognised by :func:`~._columns.wide_layout` and its curves are fitted jointly
by :func:`fit_additive`, with a notice naming the columns read.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

import pandas as pd

from leadlever.optimisers.curves._columns import period_kind, wide_layout
from leadlever.optimisers.curves._diagnostics import ENDED_WEEKS
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


def _fit_wide(frame: pd.DataFrame, layout: tuple, source: str, options: dict) -> CurveFitResult:
    from leadlever.optimisers.curves._mmm_fit import fit_additive

    period, spends, outcome = layout
    date = None
    summed = ""
    if period is not None:
        kind, parsed = period_kind(frame[period])
        if kind in ("dates", "labels"):  # numbered weeks: in order, but no week of the year
            frame = frame.assign(**{period: parsed}).sort_values(period, kind="stable")
            date = period if kind == "dates" else None
            frame, summed = _one_row_per_period(frame, period, [*spends, outcome])
        else:
            period = None
    try:
        fit = fit_additive(
            frame,
            list(spends),
            outcome,
            date=date,
            channel_names=list(spends.values()),
            carryover=options.get("carryover", True),
            n_draws=options.get("n_draws", 200),
            seed=options.get("seed", 0),
            source=source,
            ended_weeks=options.get("ended_weeks", ENDED_WEEKS),
        )
    except CurveFitError as exc:
        raise CurveFitError(f"File '{source}': {exc}") from None
    columns = ", ".join(f"{c} -> {ch}" for c, ch in spends.items())
    unused = [str(c) for c in frame.columns if str(c) not in (*spends, outcome, layout[0])]
    notice = (
        f"wide table (one spend column per channel): spend columns {columns}; value column "
        f"'{outcome}' is the total outcome, so the curves are fitted jointly on it"
        + (f"; period column '{period}'" if period else "; no period column: rows in file order")
        + (f"; columns not used (no controls are fitted): {', '.join(unused)}" if unused else "")
        + ". Reshape to one row per week and channel (or name --channel-col/--spend-col) if "
        "each channel's own value is known"
    )
    counted = summed or _rows_text(len(frame), fit.n, True, len(spends))
    return replace(
        fit.curves,
        assumptions=(
            {"name": ROWS_READ, "value": counted, "source": "data"},
            {"name": "layout", "value": notice, "source": "data"},
            *fit.curves.assumptions,
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
        for k in ("period", "channel", "spend", "value", "value_per_lead", "leads")
        if k in options
    }
    frame = read_table(history)
    named = any(columns.get(k) is not None for k in ("channel", "spend", "value_per_lead"))
    layout = None if named else wide_layout(frame)
    if layout is not None and (columns.get("period") or columns.get("value")):
        layout = (
            columns.get("period") or layout[0],
            layout[1],
            columns.get("value") or layout[2],
        )
    if layout is not None:
        result = _fit_wide(frame, layout, str(history), options)
    else:
        hist = read_history(frame, source=str(history), **columns)
        result = _fit_long(hist, len(frame), str(history), options)
    return result, write_fit(result, out)


def _one_row_per_period(
    frame: pd.DataFrame, period: str, amounts: list[str]
) -> tuple[pd.DataFrame, str]:
    """A wide table with several rows per period (one per geo, region or store) summed to one
    row per period, and what was done in words; unchanged (and "") when each period has one
    row, or when an amount is missing (the fit then names the rows)."""
    if not frame[period].duplicated().any() or frame[amounts].isna().any().any():
        return frame, ""
    sizes = frame.groupby(period, sort=False).size()
    # the column that tells a period's rows apart (geo, region), not a row number
    others = [
        c for c in frame.columns if c not in (*amounts, period) and frame[c].nunique() < len(frame)
    ]
    split = next(
        (c for c in others if frame.groupby(period, sort=False)[c].nunique().eq(sizes).all()), None
    )
    by = f", one per '{split}'" if split else ""
    rows = (
        f"{sizes.min():,}" if sizes.min() == sizes.max() else f"{sizes.min():,} to {sizes.max():,}"
    )
    out = frame.groupby(period, as_index=False, sort=True)[amounts].sum()
    said = (
        f"{len(frame):,} rows hold {len(out):,} periods ({rows} rows each{by}): spend and "
        f"'{amounts[-1]}' were summed per period, so the curves, caps and current spend are "
        "totals over them"
        + (f"; fit one table per {split} for curves per {split}" if split else "")
    )
    return out, said
