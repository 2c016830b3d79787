"""``score apply``: score a table with a model file, carrying what later steps must know.

:func:`score_leads` adds ``p_convert``, ``score``, ``tier`` (and reasons) to every row,
writes the shared ``converted`` column (1 won, 0 lost, empty open) coded from the
outcome the model was fitted on, so ``plan``, ``price``, ``package`` and ``roi`` can leave
closed leads out, and, when the model was no better than chance, a ``model_warning``
column that those commands repeat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from leadlever.engine.io._outcomes import OUTCOME_COLUMN, parse_outcome
from leadlever.engine.scoring._familiarity import unfamiliar_warnings
from leadlever.engine.scoring._fit_record import (
    MODEL_WARNING_COLUMN,
    FitRecord,
    chance_label,
    chance_warning,
)

__all__ = ["ScoredLeads", "score_leads"]


@dataclass(frozen=True)
class ScoredLeads:
    """A scored table and its summary (the ``score apply --json`` object)."""

    table: pd.DataFrame
    warnings: tuple[str, ...] = ()
    n_closed: int = 0
    #: what :func:`~leadlever.engine.scoring._familiarity.counts_from_factors` counted
    counts: dict[str, int] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def to_dict(self) -> dict[str, Any]:
        t = self.table
        return {
            "n_rows": int(len(t)),
            "n_closed": self.n_closed,
            "mean_p_convert": float(t["p_convert"].mean()),
            "tiers": t["tier"].value_counts(sort=False).to_dict(),
            "warnings": list(self.warnings),
        }


def score_leads(
    model: Any,
    record: FitRecord,
    table: pd.DataFrame,
    *,
    reasons: bool = True,
    source: str | None = None,
) -> ScoredLeads:
    """Score every row of ``table`` (see the module docstring); also warn about columns
    whose values the model was not fitted on or that have shifted
    (:func:`~leadlever.engine.scoring._familiarity.unfamiliar_warnings`)."""
    coded = None
    spec = record.outcome
    if spec is not None and spec.column in table.columns:
        coded = parse_outcome(table, spec, source=source, strict=False).values
    n_closed = 0 if coded is None else int(coded.notna().sum())
    # the leads acted on are the open ones: a column empty for all of them (a value known
    # only once a lead is won) must not hide behind the closed rows that have it
    open_rows = coded.isna().to_numpy() if n_closed else None
    if hasattr(model, "score_and_count"):
        scored, counts = model.score_and_count(
            table, reasons=reasons, source=source, count_rows=open_rows
        )
    else:
        scored, counts = model.score_table(table, reasons=reasons, source=source), {}
    if coded is not None:
        scored[OUTCOME_COLUMN] = coded.to_numpy()
    warnings: tuple[str, ...] = ()
    label = chance_label(record.auc_ci)
    if label:
        scored[MODEL_WARNING_COLUMN] = label
        warnings = (chance_warning(record.auc_ci),)
    warnings += tuple(unfamiliar_warnings(model, counts))
    return ScoredLeads(scored, warnings, n_closed, counts)
