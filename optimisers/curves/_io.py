"""Fit a history file and write the CURVES table with its fit file (``allocate fit``)."""

from __future__ import annotations

import os
from typing import Any

from leadlever.optimisers.curves._export import read_history
from leadlever.optimisers.curves._result import CurveFitResult, write_fit
from leadlever.optimisers.curves._weekly import fit_curves

__all__ = ["fit_and_write"]


def fit_and_write(
    history: str | os.PathLike, out: str | os.PathLike, **options: Any
) -> tuple[CurveFitResult, str]:
    """Read a history file, fit its curves (:func:`fit_curves` options) and write the CURVES
    table with its ``.fit.json`` sidecar. Returns the result and the sidecar's path.

    Nothing is written when reading or fitting fails.
    """
    from leadlever.engine.io._tables import read_table, table_format

    table_format(out)
    columns = {
        k: options.pop(k)
        for k in ("period", "channel", "spend", "value", "value_per_lead")
        if k in options
    }
    hist = read_history(read_table(history), source=str(history), **columns)
    result = fit_curves(hist, **options)
    return result, write_fit(result, out)
