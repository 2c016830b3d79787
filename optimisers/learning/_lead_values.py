"""Last period's evaluated value per channel, from the scored leads ``campaign step`` reads."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import MissingColumnsError
from leadlever.engine.io._schema import ColumnSpec, TableSchema, validate_table

__all__ = ["leads_value_by_channel"]


def leads_value_by_channel(
    leads: pd.DataFrame, *, threshold: float | None = None, source: str = "leads"
) -> pd.Series:
    """Sum of the leads' evaluated value per channel (see the module docstring)."""
    if "channel" not in leads.columns:
        raise MissingColumnsError(
            f"{source} has no 'channel' column. Add the channel of every lead.", ["channel"], {}
        )
    if "expected_value" in leads.columns:
        spec = (ColumnSpec("channel", "category"), ColumnSpec("expected_value", "numeric"))
        frame = validate_table(leads, TableSchema("scored leads", spec), source=source)
        value = frame["expected_value"].to_numpy(float)
    elif {"p_convert", "commission"} <= set(leads.columns):
        spec = (
            ColumnSpec("channel", "category"),
            ColumnSpec("p_convert", "probability"),
            ColumnSpec("commission", "numeric", min=0.0),
        )
        frame = validate_table(leads, TableSchema("scored leads", spec), source=source)
        value = frame["p_convert"].to_numpy(float) * frame["commission"].to_numpy(float)
    else:
        raise MissingColumnsError(
            f"{source} needs an 'expected_value' column, or 'p_convert' and 'commission' columns "
            "(value = p_convert x commission). Score the leads first.",
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
    return pd.Series(value, index=frame["channel"].astype(str).to_numpy()).groupby(level=0).sum()
