r"""Reason codes per lead and global attribute importance per original column.

The contribution of original column :math:`c` to lead :math:`i`'s log-odds is

.. math::
    r_{ic} = \sum_{k \in c} \beta_k \frac{x_{ik} - \bar x_k}{s_k},

the coefficient times the deviation from the average training lead, summed over
the design columns built from :math:`c` (linear term, spline terms, missing
indicator, one-hot levels). :math:`\eta_i = \beta_0 + \sum_c r_{ic}`, so the
reasons add up to the lead's distance from the average lead. Each lead gets its
3 largest positive and 3 largest negative :math:`r_{ic}`, in words, e.g.
``site visits: 14 (high), +0.80 log-odds``. Global importance of column
:math:`c` is the standard deviation of :math:`r_{ic}` over the training leads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.engine.scoring._conversion import ConversionModel

__all__ = [
    "group_contributions",
    "group_importance",
    "importance_table",
    "reason_texts",
    "humanise",
]

N_REASONS = 3


def humanise(name: str) -> str:
    """``days_since_last_activity`` -> ``days since last activity``."""
    return str(name).replace("_", " ").replace(".", " ").strip()


def group_contributions(
    Z: np.ndarray, coef: np.ndarray, sources: list[str]
) -> tuple[np.ndarray, list[str]]:
    """Per-column contributions :math:`r_{ic}` (n x columns) and the column names."""
    cols = list(dict.fromkeys(sources))
    index = {c: i for i, c in enumerate(cols)}
    groups = np.array([index[s] for s in sources])
    # sum design columns into their source column with one matrix product
    member = np.zeros((len(sources), len(cols)))
    member[np.arange(len(sources)), groups] = 1.0
    return (Z * coef) @ member, cols


def group_importance(Z: np.ndarray, coef: np.ndarray, sources: list[str]) -> list[dict[str, Any]]:
    """``[{column, importance}]`` sorted by decreasing standard deviation of :math:`r_{ic}`."""
    contrib, cols = group_contributions(Z, coef, sources)
    imp = contrib.std(axis=0)
    order = np.argsort(-imp, kind="stable")
    return [{"column": cols[i], "importance": float(imp[i])} for i in order]


def importance_table(model: ConversionModel) -> pd.DataFrame:
    """Importance of each original column, largest first, as a DataFrame."""
    return pd.DataFrame(model.importance_, columns=["column", "importance"])


def _value_texts(model: ConversionModel, column: str, series: pd.Series) -> pd.Series:
    """How a column's value reads to a sales person: ``14 (high)``, ``retired``, ``missing``."""
    pre = model.preprocessor_
    plan = next(p for p in pre.plans_ if p["name"] == column)
    kind = plan["kind"]
    values = pre.raw_values(plan, series)
    if kind == "categorical":
        return pd.Series(np.asarray(plan["levels"], dtype=object)[values], index=series.index)
    if kind == "binary":
        text = np.where(values == 1, "yes", "no").astype(object)
        text[np.isnan(values)] = "missing"
        return pd.Series(text, index=series.index)
    q1, q3 = plan["quartiles"]
    level = np.where(values > q3, " (high)", np.where(values < q1, " (low)", " (typical)")).astype(
        object
    )
    rounded = (
        pd.Series(np.round(values, 2), index=series.index)
        .astype(str)
        .str.replace(r"\.0$", "", regex=True)
    )
    suffix = " days old" if kind == "date" else ""
    text = (rounded + suffix + pd.Series(level, index=series.index)).astype(object)
    text[np.isnan(values)] = "missing"
    return text


def _column_texts(model: ConversionModel, column: str, series: pd.Series) -> np.ndarray:
    """Value text of every row, computed once per distinct value (:func:`pandas.factorize`)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    texts = _value_texts(model, column, pd.Series(uniques, name=series.name)).to_numpy(dtype=object)
    return texts[codes]


def reason_texts(model: ConversionModel, X: pd.DataFrame, Z: np.ndarray) -> pd.Series:
    """One text per lead: up to 3 positive then up to 3 negative reasons, ``"; "``-separated."""
    contrib, cols = group_contributions(Z, model.coef_, model.feature_source_)
    n, c = contrib.shape
    k = min(N_REASONS, c)
    order = np.argsort(contrib, axis=1, kind="stable")
    picks = [(order[:, c - 1 - j], 1) for j in range(k)] + [(order[:, j], -1) for j in range(k)]
    rows = np.arange(n)
    labels = np.array([humanise(col) + ": " for col in cols], dtype=object)
    cache: dict[int, np.ndarray] = {}
    joined = np.full(n, "", dtype=object)
    for chosen, sign in picks:
        value = contrib[rows, chosen]
        keep = value * sign > 0.005
        if not keep.any():
            continue
        cents, inverse = np.unique(np.rint(value[keep] * 100).astype(np.int64), return_inverse=True)
        amounts = np.array([f", {v / 100:+.2f} log-odds" for v in cents], dtype=object)[inverse]
        values = np.empty(int(keep.sum()), dtype=object)
        kept_cols = chosen[keep]
        for g in np.unique(kept_cols):
            if g not in cache:
                cache[g] = _column_texts(model, cols[g], X[cols[g]])
            here = kept_cols == g
            values[here] = cache[g][keep][here]
        text = labels[kept_cols] + values + amounts
        sep = np.where(joined[keep] == "", "", "; ").astype(object)
        joined[keep] = joined[keep] + sep + text
    return pd.Series(joined, index=X.index, dtype=object)
