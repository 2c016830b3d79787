"""Quality classes from ``p_convert`` thresholds, and reading a scored lead table.

``thresholds`` (ascending, inside (0, 1)) split the leads into ``labels`` (one
more label than thresholds; a lead exactly at a threshold goes up). The
default is the case's two quality classes: ``high`` when ``p_convert >= 0.5`` (a
predicted hit), ``low`` otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from leadlever.engine.io._lead_schema import read_leads
from leadlever.engine.io._schema import ColumnSpec, TableSchema, validate_table
from leadlever.pricing.exceptions import PricingError

__all__ = [
    "DEFAULT_QUALITY_CLASSES",
    "SCORED_SCHEMA",
    "assign_quality_classes",
    "quality_class_shares",
    "load_scored_leads",
]

#: the case's two quality classes: "high" when p_convert >= 0.5 (a predicted hit)
DEFAULT_QUALITY_CLASSES: tuple[tuple[float, ...], tuple[str, ...]] = ((0.5,), ("low", "high"))


#: what pricing needs of a scored lead table
SCORED_SCHEMA = TableSchema(
    "scored lead",
    (
        ColumnSpec("lead_id", "id", required=False, description="Unique id of the lead."),
        ColumnSpec("p_convert", "probability", description="Calibrated probability of conversion."),
        ColumnSpec(
            "generation_cost",
            "numeric",
            required=False,
            allow_missing=True,
            min=0,
            description="Optional cost of generating the lead (its price floor; empty = the quality class's cost).",
        ),
        ColumnSpec(
            "willingness_to_pay",
            "numeric",
            required=False,
            allow_missing=True,
            min=0,
            description="Optional price cap per lead (empty = no cap).",
        ),
    ),
)


def load_scored_leads(
    source: str | os.PathLike | pd.DataFrame, *, dedupe: bool = False
) -> pd.DataFrame:
    """Read a scored lead table (CSV/Parquet or DataFrame) and check ``p_convert`` and that
    each ``lead_id`` appears once (``dedupe`` keeps the first row of a repeated one)."""
    name = None if isinstance(source, pd.DataFrame) else str(source)
    return validate_table(read_leads(source, dedupe=dedupe), SCORED_SCHEMA, source=name)


def assign_quality_classes(
    p_convert: np.ndarray | Sequence[float],
    thresholds: Sequence[float] = DEFAULT_QUALITY_CLASSES[0],
    labels: Sequence[str] = DEFAULT_QUALITY_CLASSES[1],
) -> np.ndarray:
    """Quality class of each lead: ``labels[j]`` with ``j`` = number of thresholds <= p."""
    t = np.asarray(thresholds, dtype=float)
    if len(labels) != t.size + 1:
        raise PricingError(
            f"The 'labels' parameter needs one label more than thresholds ({t.size + 1}). "
            f"Got {len(labels)} instead."
        )
    if t.size and (np.any(np.diff(t) <= 0) or t.min() <= 0 or t.max() >= 1):
        raise PricingError(
            f"The 'thresholds' parameter must be strictly increasing and inside (0, 1). Got {list(t)} instead."
        )
    idx = np.searchsorted(t, np.asarray(p_convert, dtype=float), side="right")
    return np.asarray(labels, dtype=object)[idx]


def quality_class_shares(
    p_convert: np.ndarray | Sequence[float],
    thresholds: Sequence[float] = DEFAULT_QUALITY_CLASSES[0],
    labels: Sequence[str] = DEFAULT_QUALITY_CLASSES[1],
) -> dict[str, float]:
    """Share of leads in each quality class (the :math:`s_k` of :func:`leadlever.pricing._formulas.expected_profit_k`)."""
    classes = assign_quality_classes(p_convert, thresholds, labels)
    if classes.size == 0:
        raise PricingError("No leads: quality-class shares need at least one lead.")
    return {str(g): float(np.mean(classes == g)) for g in labels}
