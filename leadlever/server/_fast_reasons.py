"""The conversion model's reason texts for a few leads, as
:func:`leadlever.engine.scoring._reasons.reason_texts` writes them.

The contributions are the library's (:func:`group_contributions` on the standardised
design); the choice (3 largest positive, then 3 largest negative, above 0.005 log-odds)
and the wording (``humanise``, the value's text, the signed log-odds) follow
``reason_texts`` and ``_value_texts`` lead by lead instead of column by column.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from leadlever.server._fast_terms import PlanReader, RawValues

__all__ = ["reason_texts"]

#: least |contribution| (log-odds) a reason must have (as in ``reason_texts``)
MIN_REASON = 0.005
_TRAILING_ZERO = re.compile(r"\.0$")


def _value_text(reader: PlanReader, value: Any, rounded: float) -> str:
    """``_value_texts`` of one raw value (``rounded``: it to 2 decimals, as numpy rounds):
    ``14 (high)``, ``retired``, ``yes``, ``missing``."""
    plan = reader.plan
    kind = plan["kind"]
    if kind == "categorical":
        return str(plan["levels"][value])
    if math.isnan(value):
        return "missing"
    if kind == "binary":
        return "yes" if value == 1 else "no"
    q1, q3 = plan["quartiles"]
    level = " (high)" if value > q3 else " (low)" if value < q1 else " (typical)"
    text = _TRAILING_ZERO.sub("", str(float(rounded)))
    return text + (" days old" if kind == "date" else "") + level


def reason_texts(model: Any, readers: list[PlanReader], raw: RawValues, Z: np.ndarray) -> list[str]:
    """One text per lead: up to 3 positive then up to 3 negative reasons, ``"; "``-separated.

    Parameters
    ----------
    model : ConversionModel
        Its ``coef_`` and ``feature_source_`` group the design columns into input columns.
    readers : list of PlanReader
        One per plan of the model's preprocessor, in order.
    raw : RawValues
        The leads' raw values.
    Z : ndarray
        The standardised design (``(design - center_) / scale_``), one row per lead.
    """
    from leadlever.engine.scoring._reasons import N_REASONS, group_contributions, humanise

    contrib, cols = group_contributions(Z, model.coef_, model.feature_source_)
    n, c = contrib.shape
    k = min(N_REASONS, c)
    order = np.argsort(contrib, axis=1, kind="stable")
    picks = [(order[:, c - 1 - j], 1) for j in range(k)] + [(order[:, j], -1) for j in range(k)]
    by_name: dict[str, PlanReader] = {}
    for r in readers:
        by_name.setdefault(r.plan["name"], r)
    labels = [humanise(col) + ": " for col in cols]
    rounded: dict[str, np.ndarray] = {}  # each column's values rounded once, for all leads
    joined = [""] * n
    for chosen, sign in picks:
        for i in range(n):
            g = int(chosen[i])
            value = contrib[i, g]
            if not value * sign > MIN_REASON:
                continue
            cents = round(float(value) * 100)  # half to even, as np.rint
            reader = by_name[cols[g]]
            values = raw.get(reader)
            if cols[g] not in rounded:
                rounded[cols[g]] = np.round(values, 2) if values.dtype.kind == "f" else values
            text = (
                labels[g]
                + _value_text(reader, values[i], rounded[cols[g]][i])
                + f", {cents / 100:+.2f} log-odds"
            )
            joined[i] = text if not joined[i] else joined[i] + "; " + text
    return joined
