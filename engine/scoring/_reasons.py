r"""Reasons per lead, in the words a sales person uses.

A lead's log-odds are exactly :math:`\eta_i = \beta_0 + \sum_t r_{it}` (one
contribution per term, measured against the average training lead; see
:mod:`leadlever.engine.scoring._term_scoring`). The reason for term :math:`t` compares
the lead's calibrated chance with the chance it would have if that term were average:

.. math::
    p_i = \mathrm{cal}(\eta_i), \qquad p_i^{(-t)} = \mathrm{cal}(\eta_i - r_{it}),

e.g. ``site visits 14 (high): raises the chance from 32 % to 41 %`` or, for a pair,
``page value 0 (low) with month nov: lowers the chance from 12 % to 4 %``. Each lead
gets its :data:`N_REASONS` largest positive and largest negative contributions (in
that order), leaving out those that move the chance by less than
:data:`MIN_REASON_CHANGE`. "(high)/(low)" means above the training 75th / below the
25th percentile. The log-odds themselves are in :meth:`ConversionModel.contributions`
and the model's JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.engine.scoring._conversion import ConversionModel
    from leadlever.engine.scoring._term_scoring import TermEvaluation

__all__ = ["N_REASONS", "MIN_REASON_CHANGE", "humanise", "percent_text", "reason_texts"]

N_REASONS = 3
#: reasons that move the calibrated chance by less than this (half a point) are left out
MIN_REASON_CHANGE = 0.005
_PERMILLE = 1000


def humanise(name: str) -> str:
    """``days_since_last_activity`` -> ``days since last activity``."""
    return str(name).replace("_", " ").replace(".", " ").strip()


def percent_text(p: Any) -> np.ndarray:
    """``"32 %"`` from 10 % up, ``"4.5 %"`` below (object array)."""
    return _PERCENT[np.rint(np.clip(np.asarray(p, dtype=float), 0, 1) * _PERMILLE).astype(int)]


_PERCENT = np.array(
    [f"{k / 10:.0f} %" if k >= 100 else f"{k / 10:.1f} %" for k in range(_PERMILLE + 1)],
    dtype=object,
)
_PERCENT_FINE = np.array([f"{k / 10:.1f} %" for k in range(_PERMILLE + 1)], dtype=object)


def _number(v: float) -> str:
    """``14``, ``0.25``, ``-1.5``: at most two decimals, no trailing zeros."""
    if not np.isfinite(v):
        return "missing"
    if float(v).is_integer():
        return f"{int(v)}"
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _value_texts(model: ConversionModel, column: str, uniques: pd.Series) -> np.ndarray:
    """``14 (high)``, ``retired``, ``yes``, ``missing`` for each distinct value of a column."""
    pre = model.preprocessor_
    plan = next(p for p in pre.plans_ if p["name"] == column)
    kind = plan["kind"]
    if kind == "categorical":  # the lead's own text, also for pooled or unseen levels
        text = uniques.astype("string").str.strip()
        return text.mask(text == "").fillna("missing").to_numpy(dtype=object)
    values = pre.raw_values(plan, uniques)
    if kind == "binary":
        text = np.where(values == 1, "yes", "no").astype(object)
        text[np.isnan(values)] = "missing"
        return text
    q1, q3 = plan["quartiles"]
    level = np.where(values > q3, " (high)", np.where(values < q1, " (low)", "")).astype(object)
    rounded = np.array([_number(v) for v in values], dtype=object)
    suffix = " days old" if kind == "date" else ""
    text = (rounded + suffix + level).astype(object)
    text[np.isnan(values)] = "missing"
    return text


class _Labels:
    """Labels (``name value``) of the terms, as one growing table of strings addressed by
    integer codes: each column's distinct values once, each pair's value combinations once."""

    def __init__(self, model: ConversionModel, ev: TermEvaluation) -> None:
        self.model, self.ev = model, ev
        self.columns: dict[str, tuple[np.ndarray, int, int]] = {}  # index, offset, count
        self.table: list[np.ndarray] = []
        self.size = 0
        self.names = [m["column"] for m in model.mains_]
        self.pairs = [p["columns"] for p in model.pairs_]

    def _add(self, texts: np.ndarray) -> int:
        offset = self.size
        self.table.append(texts.astype(object))
        self.size += len(texts)
        return offset

    def _column(self, name: str) -> tuple[np.ndarray, int, int]:
        if name not in self.columns:
            index, _, uniques = self.ev.factors[name]
            texts = humanise(name) + " " + _value_texts(self.model, name, uniques)
            self.columns[name] = (index, self._add(texts), len(texts))
        return self.columns[name]

    def codes(self, k: int, rows: np.ndarray) -> np.ndarray:
        """Codes of term ``k``'s labels for ``rows``."""
        if k < len(self.names):
            index, offset, _ = self._column(self.names[k])
            return offset + index[rows]
        (ia, oa, na), (ib, ob, nb) = (self._column(c) for c in self.pairs[k - len(self.names)])
        keys, inverse = np.unique(ia[rows] * nb + ib[rows], return_inverse=True)
        table = np.concatenate(self.table)
        combos = table[oa + keys // nb] + " with " + table[ob + keys % nb]
        return self._add(combos) + inverse

    def strings(self) -> np.ndarray:
        return np.concatenate(self.table) if self.table else np.empty(0, dtype=object)


def _phrases(p_before: np.ndarray, p_after: np.ndarray) -> np.ndarray:
    """``": raises the chance from 32 % to 41 %"`` per row (built once per distinct pair)."""
    a = np.rint(np.clip(p_before, 0, 1) * _PERMILLE).astype(np.int64)
    b = np.rint(np.clip(p_after, 0, 1) * _PERMILLE).astype(np.int64)
    keys, inverse = np.unique(a * (_PERMILLE + 1) + b, return_inverse=True)
    ka, kb = keys // (_PERMILLE + 1), keys % (_PERMILLE + 1)
    ta, tb = _PERCENT[ka], _PERCENT[kb]
    same = ta == tb
    ta[same], tb[same] = _PERCENT_FINE[ka[same]], _PERCENT_FINE[kb[same]]
    verb = np.where(kb >= ka, ": raises the chance from ", ": lowers the chance from ")
    return (verb.astype(object) + ta + " to " + tb)[inverse]


def reason_texts(
    model: ConversionModel, ev: TermEvaluation, p: np.ndarray, *, index: Any = None
) -> pd.Series:
    """One text per lead: up to 3 reasons that raise then up to 3 that lower its chance."""
    contrib = ev.contributions
    n, n_terms = contrib.shape
    k = min(N_REASONS, n_terms)
    # one partition gives each row's k smallest (front) and k largest (back) contributions
    kth = sorted({k - 1, n_terms - k})
    part = np.argpartition(contrib, kth, axis=1)
    front, back = part[:, :k], part[:, n_terms - k :]
    sorted_back = np.argsort(-np.take_along_axis(contrib, back, axis=1), axis=1)
    sorted_front = np.argsort(np.take_along_axis(contrib, front, axis=1), axis=1)
    up = np.take_along_axis(back, sorted_back, axis=1)
    down = np.take_along_axis(front, sorted_front, axis=1)
    picks = [(up[:, j], 1) for j in range(k)] + [(down[:, j], -1) for j in range(k)]
    labels = _Labels(model, ev)
    rows_all = np.arange(n)
    chosen_rows, chosen_codes, chosen_text = [], [], []
    for chosen, sign in picks:
        value = contrib[rows_all, chosen]
        keep = np.flatnonzero(value * sign > 0)
        before = model.calibrator_.predict(ev.eta[keep] - value[keep])
        keep_change = np.abs(p[keep] - before) >= MIN_REASON_CHANGE
        keep, before = keep[keep_change], before[keep_change]
        codes = np.empty(keep.size, dtype=np.int64)
        terms = chosen[keep]
        for t in np.unique(terms):
            here = terms == t
            codes[here] = labels.codes(int(t), keep[here])
        chosen_rows.append(keep)
        chosen_codes.append(codes)
        chosen_text.append(_phrases(before, p[keep]))
    table = labels.strings()
    separated = "; " + table
    joined = np.full(n, "", dtype=object)
    filled = np.zeros(n, dtype=bool)
    for keep, codes, phrase in zip(chosen_rows, chosen_codes, chosen_text, strict=True):
        label = np.where(filled[keep], separated[codes], table[codes])
        joined[keep] = joined[keep] + (label + phrase)
        filled[keep] = True
    return pd.Series(joined, index=index, dtype=object)
