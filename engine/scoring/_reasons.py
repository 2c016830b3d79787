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
    """Per-term label of any row (``name value``), each column's texts built once."""

    def __init__(self, model: ConversionModel, ev: TermEvaluation) -> None:
        self.model, self.ev = model, ev
        self.cache: dict[str, np.ndarray] = {}
        self.names = [m["column"] for m in model.mains_]
        self.pairs = [p["columns"] for p in model.pairs_]

    def column(self, name: str, rows: np.ndarray) -> np.ndarray:
        if name not in self.cache:
            index, _, uniques = self.ev.factors[name]
            texts = _value_texts(self.model, name, uniques)
            self.cache[name] = (humanise(name) + " " + texts)[index]
        return self.cache[name][rows]

    def term(self, k: int, rows: np.ndarray) -> np.ndarray:
        if k < len(self.names):
            return self.column(self.names[k], rows)
        a, b = self.pairs[k - len(self.names)]
        return self.column(a, rows) + " with " + self.column(b, rows)


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
    order = np.argsort(contrib, axis=1, kind="stable")
    picks = [order[:, n_terms - 1 - j] for j in range(k)] + [order[:, j] for j in range(k)]
    signs = [1] * k + [-1] * k
    labels = _Labels(model, ev)
    rows_all = np.arange(n)
    joined = np.full(n, "", dtype=object)
    for chosen, sign in zip(picks, signs, strict=True):
        value = contrib[rows_all, chosen]
        keep = np.flatnonzero(value * sign > 0)
        if not keep.size:
            continue
        before = model.calibrator_.predict(ev.eta[keep] - value[keep])
        keep_change = np.abs(p[keep] - before) >= MIN_REASON_CHANGE
        keep, before = keep[keep_change], before[keep_change]
        if not keep.size:
            continue
        text = np.empty(keep.size, dtype=object)
        terms = chosen[keep]
        for t in np.unique(terms):
            here = terms == t
            text[here] = labels.term(int(t), keep[here])
        text = text + _phrases(before, p[keep])
        sep = np.where(joined[keep] == "", "", "; ").astype(object)
        joined[keep] = joined[keep] + sep + text
    return pd.Series(joined, index=index, dtype=object)
