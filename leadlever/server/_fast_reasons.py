"""The conversion model's reason texts for plain lead records, as
:func:`leadlever.engine.scoring._reasons.reason_texts` writes them.

The choice of terms is the library's own (:func:`~leadlever.engine.scoring._reasons._picks`
on the contribution matrix: per slot, the 3 largest then the 3 smallest contributions),
and so is the filter (a reason must move the calibrated chance, computed by the model's
own calibrator, by at least :data:`MIN_REASON_CHANGE`). The texts are written lead by lead
instead of once per distinct value: the label (``humanise(column)`` and the value's text:
``14 (high)``, ``retired``, ``yes``, ``missing``; a pair's two labels joined by
``" with "``) and the phrase (``": raises the chance from 32 % to 41 %"``, from the
library's percent tables), joined by ``"; "`` in slot order.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from leadlever.engine.scoring._reasons import (
    _PERCENT,
    _PERCENT_FINE,
    _PERMILLE,
    MIN_REASON_CHANGE,
    N_REASONS,
    _number,
    _picks,
    humanise,
)
from leadlever.server._fast_additive import AdditiveScorer
from leadlever.server._fast_terms import RawValues

__all__ = ["reason_texts"]


def _value_text(kind: str, plan: dict[str, Any], raw: Any, cell: Any) -> str:
    """``_value_texts`` of one lead's value: ``raw`` is the posted cell (categorical) or
    the raw number the model reads (others)."""
    if kind == "categorical":  # the lead's own text, also for pooled or unseen levels
        return (raw.strip() or "missing") if isinstance(raw, str) else "missing"
    value = float(cell)
    if math.isnan(value):
        return "missing"
    if kind == "binary":
        return "yes" if value == 1 else "no"
    q1, q3 = plan["quartiles"]
    level = " (high)" if value > q3 else " (low)" if value < q1 else ""
    return _number(value) + (" days old" if kind == "date" else "") + level


def _percent(permille: int, fine: bool) -> str:
    return str((_PERCENT_FINE if fine else _PERCENT)[permille])


def _permille(p: np.ndarray) -> list[int]:
    """Chances in permille, as ``_phrases`` rounds them."""
    return np.rint(np.clip(p, 0, 1) * _PERMILLE).astype(np.int64).tolist()


def _phrase(a: int, b: int) -> str:
    """``": raises the chance from 32 % to 41 %"`` (``_phrases``) from the chance before
    (``a``) and after (``b``) in permille."""
    ta, tb = _percent(a, False), _percent(b, False)
    if ta == tb:
        ta, tb = _percent(a, True), _percent(b, True)
    verb = ": raises the chance from " if b >= a else ": lowers the chance from "
    return verb + ta + " to " + tb


class _Labels:
    """The label of a lead's value of each column (``name value``), written once per
    distinct value."""

    def __init__(self, scorer: AdditiveScorer, raw: RawValues) -> None:
        self.scorer, self.raw = scorer, raw
        self.cache: dict[tuple[int, Any], str] = {}
        self.heads = [humanise(name) + " " for name in scorer.names]
        self.values: dict[int, list[Any]] = {}

    def column(self, k: int, i: int) -> str:
        column = self.scorer.columns[k]
        plan = column.reader.plan
        if column.kind == "categorical":
            posted = self.raw.records[i].get(plan["name"])
            key: Any = posted if isinstance(posted, str) else None
            value = None
        else:
            if k not in self.values:
                self.values[k] = self.raw.get(column.reader).tolist()
            posted = value = self.values[k][i]
            key = None if math.isnan(value) else value
        text = self.cache.get((k, key))
        if text is None:
            text = self.heads[k] + _value_text(column.kind, plan, posted, value)
            self.cache[(k, key)] = text
        return text

    def term(self, t: int, i: int) -> str:
        scorer = self.scorer
        if t < len(scorer.columns):
            return self.column(t, i)
        pair = scorer.pairs[t - len(scorer.columns)]
        return self.column(pair.a, i) + " with " + self.column(pair.b, i)


def reason_texts(
    scorer: AdditiveScorer, raw: RawValues, eta: np.ndarray, contrib: np.ndarray, p: np.ndarray
) -> list[str]:
    """One text per lead: up to 3 reasons that raise then up to 3 that lower its chance.

    Parameters
    ----------
    scorer : AdditiveScorer
    raw : RawValues
        The leads.
    eta, contrib : ndarray
        What ``scorer(raw)`` returned.
    p : ndarray
        The calibrated chance of every lead (``calibrator_.predict(eta)``).
    """
    n, n_terms = contrib.shape
    calibrator = scorer.model.calibrator_
    labels = _Labels(scorer, raw)
    phrases: dict[tuple[int, int], str] = {}
    rows = np.arange(n)
    joined = [""] * n
    chance = _permille(p)
    for chosen, sign in _picks(contrib, min(N_REASONS, n_terms)):
        value = contrib[rows, chosen]
        keep = np.flatnonzero(value * sign > 0)
        if not keep.size:
            continue
        before = calibrator.predict(eta[keep] - value[keep])
        moved = np.abs(p[keep] - before) >= MIN_REASON_CHANGE
        for i, b, t in zip(
            keep[moved].tolist(),
            _permille(before[moved]),
            chosen[keep[moved]].tolist(),
            strict=True,
        ):
            key = (b, chance[i])
            phrase = phrases.get(key)
            if phrase is None:
                phrase = phrases[key] = _phrase(*key)
            text = labels.term(t, i) + phrase
            joined[i] = text if not joined[i] else joined[i] + "; " + text
    return joined
