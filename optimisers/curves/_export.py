"""Channel histories from ad-platform exports: daily or weekly, extra columns, other names.

:func:`read_history` turns a table as an ad platform or a spreadsheet writes it
into a :class:`ChannelHistory` (one spend and one value per week and channel):

* **columns** are found by name (case, spaces and punctuation ignored) unless
  given: the period (``period``, ``week``, ``date``, ``day``, ``reporting
  starts``, ...), the channel (``channel``, ``campaign``, ``ad set``,
  ``interest``, ...), the spend (``spend``, ``amount spent``, ``cost``,
  ``spent``, ... but never a ``cost per ...``) and the value (``value``,
  ``revenue``, ``conversion value``, then counts: ``approved conversions``,
  ``conversions``, ``results``, ``leads``; or ``leads`` times a value per
  lead). A **leads** count next to a money value (``leads``, ``lead count``,
  ...) is read too: the fit then models value as leads x value per lead
  (:mod:`~leadlever.optimisers.curves._leads`). Every other column
  (impressions, clicks, ...) is ignored. Which column was read as what is
  recorded in :attr:`ChannelHistory.assumptions`.
* **daily rows** are summed into weeks starting on Monday; weeks at either end
  with fewer than 7 days of data are dropped (they would look like half-spend
  weeks). Several rows per week and channel (campaigns of a channel) are summed.
* a week where a channel has **no row** is *not observed* (NaN), not "spent
  0": a campaign that did not exist yet, had ended, or whose rows the platform
  left out says nothing about its curve, so such weeks are left out of the fit,
  of its R² and of its diagnostics; only their spend is taken as 0 for the
  carry-over into later weeks. A row that says spend 0 is an observation. How
  many channel-weeks had no row (before a channel's first row, after its last,
  in between) is recorded in :attr:`ChannelHistory.assumptions`. A week with no
  row for **any** channel is a gap in the file and an error, since carry-over
  cannot be followed across it.
* without a period column every row is one independent observation (e.g. one
  ad): no carry-over and no time effect can be estimated, and the current
  spend of a channel is its mean spend per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import DataError, InvalidValueError, ParameterError
from leadlever.engine.io._schema import ColumnSpec, TableSchema, require_columns, validate_table
from leadlever.optimisers.curves._columns import (
    CHANNEL_NAMES,
    COUNT_NAMES,
    LEAD_NAMES,
    PERIOD_NAMES,
    SPEND_NAMES,
    VALUE_NAMES,
    clean_money,
    find_column,
    is_count,
    period_kind,
)

__all__ = ["ChannelHistory", "read_history"]


@dataclass(frozen=True)
class ChannelHistory:
    """Spend and value per period (rows) and channel (columns).

    Attributes
    ----------
    channels : tuple of str
    spend, value : ndarray, shape (T, C)
        NaN where a channel has no row that period (not observed: left out of the fit).
    periods : tuple
        Week start dates, period labels, or row numbers.
    sequential : bool
        Periods follow each other in time (carry-over and a time effect can be
        estimated); False for independent observations such as single ads.
    week_of_year : ndarray or None
        Week of the year of each period (dated weekly histories only).
    value_kind : str
        ``"money"`` or ``"count"`` (conversions, leads, results).
    assumptions : list of dict
        ``{"name", "value", "source"}``: how the file was read.
    leads : ndarray or None, shape (T, C)
        Leads per period and channel when the history counts them next to a money value.
    """

    channels: tuple[str, ...]
    spend: np.ndarray
    value: np.ndarray
    periods: tuple[Any, ...]
    sequential: bool
    week_of_year: np.ndarray | None
    value_kind: str = "money"
    assumptions: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    source: str | None = None
    leads: np.ndarray | None = None

    @property
    def n_periods(self) -> int:
        return int(self.spend.shape[0])

    def current_spend(self, periods: int = 4) -> np.ndarray:
        """Mean spend of the last ``periods`` periods (observations: mean per row).

        A week without a row counts as no spend: a channel with no row in the last
        ``periods`` weeks spends 0 today.
        """
        if not self.sequential:
            return np.nanmean(self.spend, axis=0)
        return np.nan_to_num(self.spend[-periods:]).mean(axis=0)


def read_history(
    frame: pd.DataFrame,
    *,
    period: str | None = None,
    channel: str | None = None,
    spend: str | None = None,
    value: str | None = None,
    value_per_lead: float | None = None,
    leads: str | None = None,
    source: str | None = None,
) -> ChannelHistory:
    """Read a channel history from any export (see the module docstring).

    Parameters
    ----------
    frame : DataFrame
    period, channel, spend, value : str, optional
        Column names; found by name when not given. ``period=""`` forces
        independent observations.
    value_per_lead : float, optional
        Value of one lead (or conversion): the value column is then a count
        multiplied by it.
    leads : str, optional
        Column counting leads next to a money value (found by name when not given;
        ``""``: none).
    source : str, optional
        File name for messages.

    Raises
    ------
    MissingColumnsError, InvalidValueError, DataError
        With the file, column, rows and a fix.
    """
    where = f"File '{source}'" if source else "The history"
    cols = [str(c) for c in frame.columns]
    assumptions: list[dict[str, Any]] = []

    def pick(given, names, what, *, prefix=False, required=True):
        if given is not None:
            if given:
                require_columns(frame, [given], source=source, fix=f"Name the {what} column.")
            assumptions.append({"name": f"{what} column", "value": given, "source": "option"})
            return given or None
        found = find_column(cols, names, prefix=prefix)
        if found is None and required:
            require_columns(
                frame,
                [names[0]],
                source=source,
                fix=f"Name the {what} column with --{what}-col (or rename it '{names[0]}').",
            )
        if found is not None:
            assumptions.append({"name": f"{what} column", "value": found, "source": "data"})
        return found

    spend_col = pick(spend, SPEND_NAMES, "spend", prefix=True)
    chan_col = pick(channel, CHANNEL_NAMES, "channel")
    value_col = pick(value, VALUE_NAMES, "value", prefix=True, required=False)
    value_kind = "money"
    if value_col is None and value is None:
        value_col = pick(None, COUNT_NAMES, "value", prefix=True)
        value_kind = "count"
    elif value_col is not None and is_count(value_col):
        value_kind = "count"
    period_col = pick(period, PERIOD_NAMES, "period", required=False)
    leads_col = None
    if value_kind == "money" and value_per_lead is None and leads != "":
        leads_col = pick(leads, LEAD_NAMES, "leads", required=False)
        leads_col = None if leads_col == value_col else leads_col
    work = pd.DataFrame(
        {
            "channel": frame[chan_col],
            "spend": clean_money(frame[spend_col]),
            "value": clean_money(frame[value_col]),
            **({"leads": clean_money(frame[leads_col])} if leads_col else {}),
        }
    )
    schema = TableSchema(
        "history",
        (
            ColumnSpec("channel", "category"),
            ColumnSpec("spend", "numeric", min=0),
            ColumnSpec("value", "numeric", min=0),
            *((ColumnSpec("leads", "numeric", min=0),) if leads_col else ()),
        ),
    )
    renamed = {"channel": chan_col, "spend": spend_col, "value": value_col, "leads": leads_col}
    try:
        work = validate_table(work, schema, source=source)
    except InvalidValueError as exc:  # report the user's column name, not ours
        msg = str(exc).replace(f"column '{exc.column}'", f"column '{renamed[exc.column]}'")
        if "below 0" in msg or "outside [0" in msg:
            msg += " Spend and value cannot be negative: correct or drop those rows (refunds belong in an earlier week)."
        raise InvalidValueError(msg, renamed[exc.column], exc.rows) from None
    if value_per_lead is not None:
        if not np.isfinite(value_per_lead) or value_per_lead <= 0:
            raise ParameterError(
                f"The value per lead must be a positive number. Got {value_per_lead!r}."
            )
        work["value"] = work["value"] * float(value_per_lead)
        assumptions.append(
            {"name": "value per lead", "value": float(value_per_lead), "source": "option"}
        )
        value_kind = "money"
    if value_kind == "count":
        assumptions.append(
            {
                "name": "value unit",
                "value": f"counts of '{value_col}'",
                "source": "data",
            }
        )
    work["channel"] = work["channel"].astype(str)
    if period_col is None:
        return _observations(work, where, assumptions, value_kind, source)
    kind, per = period_kind(frame[period_col])
    if kind == "other":
        bad = per.index[pd.to_datetime(per, errors="coerce", format="mixed").isna()]
        rows = (np.asarray(bad) + 1).tolist()
        raise InvalidValueError(
            f"{where}, column '{period_col}': data rows {', '.join(map(str, rows[:5]))} are neither dates "
            "nor period numbers. Use ISO dates (2026-03-30) or whole period numbers.",
            period_col,
            rows,
        )
    if per.isna().any():
        rows = (np.flatnonzero(per.isna().to_numpy()) + 1).tolist()
        raise InvalidValueError(
            f"{where}, column '{period_col}': data rows {', '.join(map(str, rows[:5]))} have no period. "
            "Fill them in or drop those rows.",
            period_col,
            rows,
        )
    work["period"] = per.to_numpy()
    if kind == "dates":
        return _dated(work, period_col, where, assumptions, value_kind, source)
    return _numbered(work, period_col, where, assumptions, value_kind, source)


def _pivot(work: pd.DataFrame, index) -> tuple[list[str], np.ndarray, np.ndarray, Any, Any]:
    """Channels, spend, value (T, C) with NaN where a channel has no row, the count of
    those cells (:class:`_Missing`), leads (T, C) or None."""
    channels = list(dict.fromkeys(work["channel"]))
    cols = [c for c in ("spend", "value", "leads") if c in work.columns]
    grouped = work.groupby(["period", "channel"], sort=False)[cols].sum()
    wide = {c: grouped[c].unstack("channel").reindex(index=index, columns=channels) for c in cols}
    arrays = {c: w.to_numpy(float) for c, w in wide.items()}
    return (
        channels,
        arrays["spend"],
        arrays["value"],
        _Missing.of(arrays["spend"]),
        arrays.get("leads"),
    )


@dataclass(frozen=True)
class _Missing:
    """Channel-periods without a row: before a channel's first row, after its last, between."""

    before: int
    after: int
    inside: int

    @classmethod
    def of(cls, spend: np.ndarray) -> _Missing:
        before = after = inside = 0
        for col in np.isfinite(spend).T:
            rows = np.flatnonzero(col)
            if rows.size == 0:
                continue
            before += int(rows[0])
            after += int(col.size - 1 - rows[-1])
            inside += int(rows[-1] - rows[0] + 1 - rows.size)
        return cls(before, after, inside)

    @property
    def total(self) -> int:
        return self.before + self.after + self.inside

    def note(self, word: str) -> dict[str, Any]:
        parts = [
            f"{n} {what}"
            for n, what in (
                (self.before, "before the channel's first row"),
                (self.after, "after its last row"),
                (self.inside, "between its first and last row"),
            )
            if n
        ]
        return {
            "name": f"channel-{word}s without a row",
            "value": f"{self.total} ({', '.join(parts)}): not observed, so left out of the fit, "
            f"its R² and its diagnostics (a channel that did not run, or a campaign that had not "
            f"started or had ended, says nothing about its curve); their spend is taken as 0 only "
            f"for the carry-over into later {word}s. Add rows with spend 0 where a channel was "
            "live and spent nothing",
            "source": "default",
        }


def _gap_error(where: str, col: str, labels: list[str]) -> DataError:
    shown = ", ".join(labels[:5]) + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")
    return DataError(
        f"{where}, column '{col}': no row at all for {shown}: the history has a gap, and carry-over "
        "from one week into the next cannot be followed across it. Add the missing periods (spend 0 "
        "and value 0 if nothing ran), or keep only the part of the history after the gap."
    )


def _dated(work, col, where, assumptions, value_kind, source) -> ChannelHistory:
    dates = pd.DatetimeIndex(work["period"])
    days = np.unique(dates.to_numpy().astype("datetime64[D]").astype(np.int64))
    gaps = np.diff(days).astype(float) if days.size > 1 else np.array([7.0])
    step = float(np.median(gaps))
    if step < 6.5:  # daily (or finer): sum into Monday-start weeks
        monday = dates.normalize() - pd.to_timedelta(dates.day_of_week, unit="D")
        work = work.assign(period=monday, day=dates.normalize())
        ndays = work.groupby("period")["day"].nunique()
        full = ndays.index[ndays >= 7]
        partial = ndays.index[ndays < 7]
        inner = partial[(partial > full.min()) & (partial < full.max())] if len(full) else partial
        if len(full) == 0:
            raise DataError(
                f"{where}: the daily rows cover no complete week (Monday to Sunday). A curve needs "
                "several weeks of history."
            )
        edge = [p for p in partial if p not in inner]
        work = work[work["period"].isin(full) | work["period"].isin(inner)]
        assumptions.append(
            {
                "name": "period",
                "value": f"daily rows summed into {len(full) + len(inner)} weeks starting on Monday"
                + (f"; {len(edge)} incomplete week(s) at the ends dropped" if edge else ""),
                "source": "data",
            }
        )
        step = 7.0
    elif step > 8.5:
        raise DataError(
            f"{where}, column '{col}': periods are {step:.0f} days apart. Weekly or daily histories are "
            "needed (carry-over and seasonality are estimated per week); export by week or by day."
        )
    else:
        assumptions.append({"name": "period", "value": "weeks", "source": "data"})
    periods = pd.DatetimeIndex(sorted(work["period"].unique()))
    grid = pd.date_range(periods.min(), periods.max(), freq="7D")
    if periods.isin(grid).all() and len(grid) > len(periods):  # weeks on one weekday: gaps show
        raise _gap_error(where, col, [d.date().isoformat() for d in grid.difference(periods)])
    channels, spend, value, missing, leads = _pivot(work, periods)
    if missing.total:
        assumptions.append(missing.note("week"))
    week_of_year = ((periods.day_of_year.to_numpy() - 1) / 7.0).astype(float)
    return ChannelHistory(
        tuple(channels),
        spend,
        value,
        tuple(d.date().isoformat() for d in periods),
        True,
        week_of_year,
        value_kind,
        tuple(assumptions),
        source,
        leads,
    )


def _numbered(work, col, where, assumptions, value_kind, source) -> ChannelHistory:
    labels = np.unique(work["period"].to_numpy(float))
    if np.any(labels != np.round(labels)):
        raise DataError(
            f"{where}, column '{col}': period numbers must be whole numbers (1, 2, 3, ...)."
        )
    full = np.arange(labels.min(), labels.max() + 1)
    if full.size > labels.size:
        raise _gap_error(where, col, [f"period {int(p)}" for p in np.setdiff1d(full, labels)])
    channels, spend, value, missing, leads = _pivot(work, labels)
    assumptions.append(
        {
            "name": "period",
            "value": "numbered periods, taken as consecutive weeks",
            "source": "default",
        }
    )
    if missing.total:
        assumptions.append(missing.note("period"))
    return ChannelHistory(
        tuple(channels),
        spend,
        value,
        tuple(int(p) for p in labels),
        True,
        None,
        value_kind,
        tuple(assumptions),
        source,
        leads,
    )


def _observations(work, where, assumptions, value_kind, source) -> ChannelHistory:
    channels = list(dict.fromkeys(work["channel"]))
    groups = [work[work["channel"] == c] for c in channels]
    n = max(len(g) for g in groups)
    spend = np.full((n, len(channels)), np.nan)
    value = np.full((n, len(channels)), np.nan)
    leads = np.full((n, len(channels)), np.nan) if "leads" in work.columns else None
    for j, g in enumerate(groups):
        spend[: len(g), j] = g["spend"].to_numpy(float)
        value[: len(g), j] = g["value"].to_numpy(float)
        if leads is not None:
            leads[: len(g), j] = g["leads"].to_numpy(float)
    assumptions.append(
        {
            "name": "period",
            "value": "no period column: every row is one independent observation (no carry-over, "
            "no time effect); current spend = mean spend per row",
            "source": "data",
        }
    )
    return ChannelHistory(
        tuple(channels),
        spend,
        value,
        tuple(range(1, n + 1)),
        False,
        None,
        value_kind,
        tuple(assumptions),
        source,
        leads,
    )
