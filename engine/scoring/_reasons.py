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


def _phrases(p_before: np.ndarray, p_after: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``": raises the chance from 32 % to 41 %"``: the distinct phrases and each row's."""
    a = np.rint(np.clip(p_before, 0, 1) * _PERMILLE).astype(np.int64)
    b = np.rint(np.clip(p_after, 0, 1) * _PERMILLE).astype(np.int64)
    keys, inverse = np.unique(a * (_PERMILLE + 1) + b, return_inverse=True)
    ka, kb = keys // (_PERMILLE + 1), keys % (_PERMILLE + 1)
    ta, tb = _PERCENT[ka], _PERCENT[kb]
    same = ta == tb
    ta[same], tb[same] = _PERCENT_FINE[ka[same]], _PERCENT_FINE[kb[same]]
    verb = np.where(kb >= ka, ": raises the chance from ", ": lowers the chance from ")
    return verb.astype(object) + ta + " to " + tb, inverse


def _picks(contrib: np.ndarray, k: int) -> list[tuple[np.ndarray, int]]:
    """Per reason slot, the term of every row: its k largest then k smallest contributions
    (k passes of a row-wise arg-max, faster than a partition on a few dozen terms)."""
    rows = np.arange(contrib.shape[0])
    out = []
    for sign in (1, -1):
        work = contrib * sign
        for _ in range(k):
            best = np.argmax(work, axis=1)
            out.append((best, sign))
            work[rows, best] = -np.inf
    return out


def reason_texts(
    model: ConversionModel, ev: TermEvaluation, p: np.ndarray, *, index: Any = None
) -> pd.Series:
    """One text per lead: up to 3 reasons that raise then up to 3 that lower its chance.

    Strings are built once per distinct (term value, chance before, chance after) of a
    slot and gathered, which keeps scoring with reasons above 200,000 leads a second.
    """
    contrib = ev.contributions
    n, n_terms = contrib.shape
    labels = _Labels(model, ev)
    rows_all = np.arange(n)
    slots = []
    for chosen, sign in _picks(contrib, min(N_REASONS, n_terms)):
        value = contrib[rows_all, chosen]
        keep = np.flatnonzero(value * sign > 0)
        before = model.calibrator_.predict(ev.eta[keep] - value[keep])
        keep_change = np.abs(p[keep] - before) >= MIN_REASON_CHANGE
        keep, before = keep[keep_change], before[keep_change]
        if not keep.size:  # no lead has a reason in this slot (e.g. a model of pure noise)
            continue
        codes = np.empty(keep.size, dtype=np.int64)
        terms = chosen[keep]
        order = np.argsort(terms, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(terms[order]) != 0])
        for a, b in zip(starts, np.r_[starts[1:], keep.size], strict=True):
            rows = order[a:b]
            codes[rows] = labels.codes(int(terms[rows[0]]), keep[rows])
        slots.append((keep, codes, *_phrases(before, p[keep])))
    table = labels.strings()
    joined = np.full(n, "", dtype=object)
    filled = np.zeros(n, dtype=bool)
    for keep, codes, phrases, phrase_codes in slots:
        sep = filled[keep]
        key = (codes * 2 + sep) * len(phrases) + phrase_codes
        distinct, inverse = np.unique(key, return_inverse=True)
        label = table[distinct // (2 * len(phrases))]
        prefix = np.where((distinct // len(phrases)) % 2 == 1, "; ", "").astype(object)
        text = (prefix + label + phrases[distinct % len(phrases)])[inverse]
        first, more = keep[~sep], keep[sep]
        joined[first] = text[~sep]
        joined[more] = joined[more] + text[sep]
        filled[keep] = True
    return pd.Series(joined, index=index, dtype=object)
