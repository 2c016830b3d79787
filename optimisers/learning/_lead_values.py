"""Last period's evaluated value per channel, from the scored leads ``campaign step`` reads.

An open lead counts its predicted value (``expected_value``, or ``p_convert`` x
``commission``); a closed one (the ``converted`` column: 1 won, 0 lost, empty open) counts
what it realised: a won lead its ``value`` (else its ``commission``), a lost lead 0. With an
OKR ``threshold`` on ``expected_roi``, open leads below it count 0 (they are not worked).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.economics import Economics
from leadlever.engine.exceptions import InvalidValueError, MissingColumnsError
from leadlever.engine.io._outcomes import OUTCOME_COLUMN, OutcomeSpec, parse_outcome
from leadlever.engine.io._schema import ColumnSpec, TableSchema, validate_table

__all__ = ["LeadFeedback", "leads_feedback", "leads_value_by_channel"]

#: the columns a won lead's realised value is read from, in order
REALISED_COLUMNS = ("value", "commission")


@dataclass(frozen=True)
class LeadFeedback:
    """Value per channel and how many leads counted as won, lost and open."""

    value: pd.Series
    won: int
    lost: int
    open: int
    predicted: str
    realised: str | None
    assumptions: tuple[dict[str, Any], ...] = ()
    outcomes: bool = False

    def counts(self) -> dict[str, int]:
        return {"won": self.won, "lost": self.lost, "open": self.open}

    @property
    def note(self) -> str:
        if self.won + self.lost == 0:
            why = (
                f"none is closed ('{OUTCOME_COLUMN}' 1 won, 0 lost)"
                if self.outcomes
                else f"the leads have no '{OUTCOME_COLUMN}' column (1 won, 0 lost, empty open)"
            )
            return (
                f"Counted all {self.open:,} leads at their predicted value ({self.predicted}): "
                f"{why}."
            )
        won = f"{self.won:,} won at their realised '{self.realised}'" if self.won else "0 won"
        return (
            f"Counted {won}, {self.lost:,} lost at 0 and {self.open:,} open at their predicted "
            f"value ({self.predicted})."
        )


def leads_value_by_channel(
    leads: pd.DataFrame, *, threshold: float | None = None, source: str = "leads"
) -> pd.Series:
    """Sum of the leads' evaluated value per channel (see the module docstring)."""
    return leads_feedback(leads, threshold=threshold, source=source).value


def leads_feedback(
    leads: pd.DataFrame,
    *,
    threshold: float | None = None,
    source: str = "leads",
    economics: Economics | None = None,
) -> LeadFeedback:
    """The leads' evaluated value per channel, closed leads at what they realised.

    Leads with ``p_convert`` but no ``commission`` are worth ``value_per_conversion`` of
    ``economics`` (default: the documented default) when won, announced as an assumption.
    """
    assumptions: tuple[dict[str, Any], ...] = ()
    if "channel" not in leads.columns:
        raise MissingColumnsError(
            f"{source} has no 'channel' column. Add the channel of every lead.", ["channel"], {}
        )
    if "expected_value" in leads.columns:
        spec = (ColumnSpec("channel", "category"), ColumnSpec("expected_value", "numeric"))
        frame = validate_table(leads, TableSchema("scored leads", spec), source=source)
        value = frame["expected_value"].to_numpy(float)
        predicted = "expected_value"
    elif {"p_convert", "commission"} <= set(leads.columns):
        spec = (
            ColumnSpec("channel", "category"),
            ColumnSpec("p_convert", "probability"),
            ColumnSpec("commission", "numeric", min=0.0),
        )
        frame = validate_table(leads, TableSchema("scored leads", spec), source=source)
        value = frame["p_convert"].to_numpy(float) * frame["commission"].to_numpy(float)
        predicted = "p_convert x commission"
    elif "p_convert" in leads.columns:
        spec = (ColumnSpec("channel", "category"), ColumnSpec("p_convert", "probability"))
        frame = validate_table(leads, TableSchema("scored leads", spec), source=source)
        econ = economics or Economics()
        per = econ.value_per_conversion
        frame = frame.assign(commission=per) if "value" not in frame.columns else frame
        value = frame["p_convert"].to_numpy(float) * per
        predicted = f"p_convert x value_per_conversion {per:,.6g}"
        assumptions = (
            {
                "name": "value_per_conversion",
                "value": per,
                "source": econ.sources.get("value_per_conversion", "default"),
                "note": f"{source} has no 'commission' column: every lead is worth this if won",
            },
        )
    else:
        raise MissingColumnsError(
            f"{source} needs an 'expected_value' column, or 'p_convert' (and 'commission', else "
            "the economics' value_per_conversion; --economics) (value = p_convert x commission). "
            "Score the leads first.",
            ["expected_value"],
            {},
        )
    if threshold is not None:
        if "expected_roi" not in frame.columns:
            raise MissingColumnsError(
                f"{source} has no 'expected_roi' column, needed with an OKR threshold. "
                "Evaluate the leads' expected ROI first or drop the threshold.",
                ["expected_roi"],
                {},
            )
        roi = pd.to_numeric(frame["expected_roi"], errors="coerce").to_numpy(float)
        value = np.where(roi >= threshold, value, 0.0)
    won = lost = np.zeros(len(frame), dtype=bool)
    if OUTCOME_COLUMN in frame.columns:
        outcome = parse_outcome(frame, OutcomeSpec(OUTCOME_COLUMN), source=source, strict=False)
        won = (outcome.values == 1).fillna(False).to_numpy(dtype=bool)
        lost = (outcome.values == 0).fillna(False).to_numpy(dtype=bool)
    realised_col = None
    if won.any():
        realised_col = next((c for c in REALISED_COLUMNS if c in frame.columns), None)
        if realised_col is None:
            raise MissingColumnsError(
                f"{source} has {int(won.sum()):,} won lead(s) ('{OUTCOME_COLUMN}' = 1) but no "
                "'value' or 'commission' column with what a won lead earned. Add one, or empty "
                f"their '{OUTCOME_COLUMN}' cells to count them at their predicted value.",
                ["commission"],
                {},
            )
        realised = pd.to_numeric(frame[realised_col], errors="coerce").to_numpy(float)
        bad = won & ~(np.isfinite(realised) & (realised >= 0))
        if bad.any():
            rows = (np.flatnonzero(bad) + 1).tolist()
            raise InvalidValueError(
                f"{source}, column '{realised_col}': won lead(s) in data row(s) {rows[:5]} have no "
                "value >= 0. Fill in what each won lead earned.",
                realised_col,
                rows,
            )
        value = np.where(won, realised, value)
    value = np.where(lost, 0.0, value)
    by_channel = (
        pd.Series(value, index=frame["channel"].astype(str).to_numpy()).groupby(level=0).sum()
    )
    n_open = len(frame) - int(won.sum()) - int(lost.sum())
    return LeadFeedback(
        by_channel,
        int(won.sum()),
        int(lost.sum()),
        n_open,
        predicted,
        realised_col,
        assumptions,
        OUTCOME_COLUMN in frame.columns,
    )
