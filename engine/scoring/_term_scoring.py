r"""Scoring new leads with the fitted term tables, without building a design matrix.

Each column is factorised once (:func:`pandas.factorize`); its distinct values are
binned into cells, and every term's contribution is a table look-up:

.. math::
    r_{i,c} = f_c[\text{cell}_c(x_{ic})], \qquad
    r_{i,(a,b)} = g_{ab}[m_a(\text{cell}_a), m_b(\text{cell}_b)], \qquad
    \eta_i = \beta_0 + \sum_c r_{i,c} + \sum_{(a,b)} r_{i,(a,b)},

exactly (the reasons add up to the logit). Term names are the column name for a main
effect and ``"a × b"`` for a pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import ParameterError
from leadlever.engine.features._binning import cell_labels, factorized_cells, group_labels

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.engine.scoring._conversion import ConversionModel

__all__ = [
    "BAND_Z",
    "PAIR_SEPARATOR",
    "TermEvaluation",
    "evaluate_terms",
    "term_importance",
    "term_names",
    "term_table",
]

#: the bands of main-effect curves are +- this many posterior standard errors (95 %)
BAND_Z = 1.96

PAIR_SEPARATOR = " × "


def term_names(model: ConversionModel) -> list[str]:
    """Main effects (one per column) then pairs, in the model's order."""
    return [m["column"] for m in model.mains_] + [
        PAIR_SEPARATOR.join(p["columns"]) for p in model.pairs_
    ]


@dataclass
class TermEvaluation:
    """Linear predictor, per-term contributions and the columns' factorisation."""

    eta: np.ndarray
    contributions: np.ndarray | None
    factors: dict[str, tuple[np.ndarray, np.ndarray, pd.Series]]


def evaluate_terms(
    model: ConversionModel,
    X: pd.DataFrame,
    *,
    contributions: bool = False,
    source: str | None = None,
) -> TermEvaluation:
    """:math:`\\eta` for every row of ``X`` (and the n x terms contribution matrix)."""
    pre = model.preprocessor_
    pre.check_columns(X, source)
    n = len(X)
    n_terms = len(model.mains_) + len(model.pairs_)
    contrib = np.empty((n, n_terms)) if contributions else None
    eta = np.full(n, model.intercept_)
    in_pairs = {i for p in model.pairs_ for i in p["index"]}
    factors: dict[str, tuple[np.ndarray, np.ndarray, pd.Series]] = {}
    cells: dict[int, np.ndarray] = {}
    for k, (info, main) in enumerate(zip(model.bins_, model.mains_, strict=True)):
        rows, unique_cells, uniques = factorized_cells(pre, info, X[info["name"]])
        factors[info["name"]] = (rows, unique_cells, uniques)
        part = main["values"][unique_cells][rows]
        eta += part
        if contrib is not None:
            contrib[:, k] = part
        if k in in_pairs:
            cells[k] = unique_cells[rows]
    for j, pair in enumerate(model.pairs_, start=len(model.mains_)):
        a, b = pair["index"]
        nb = pair["shape"][1]
        part = pair["values"][pair["maps"][0][cells[a]] * nb + pair["maps"][1][cells[b]]]
        eta += part
        if contrib is not None:
            contrib[:, j] = part
    return TermEvaluation(eta=eta, contributions=contrib, factors=factors)


def term_table(model: ConversionModel, term: str) -> pd.DataFrame:
    """The learned table of one term, as a manager can read and challenge it.

    Main effect: one row per cell with ``cell``, ``label``, ``n`` (training leads),
    ``log_odds`` (against the average lead) and the 95 % band ``lower``/``upper``
    (:data:`BAND_Z` posterior standard errors). Pair: one row per cell of the table with
    both columns' group labels, ``n`` and ``log_odds`` (the interaction only: what the
    two main effects do not explain).
    """
    names = term_names(model)
    if term not in names:
        raise ParameterError(
            f"The model has no term {term!r}. Terms: {', '.join(repr(n) for n in names)}."
        )
    k = names.index(term)
    if k < len(model.mains_):
        main, info = model.mains_[k], model.bins_[k]
        values, se = np.asarray(main["values"]), np.asarray(main["se"])
        return pd.DataFrame(
            {
                "cell": np.arange(len(values)),
                "label": cell_labels(info),
                "n": info["counts"],
                "log_odds": values,
                "lower": values - BAND_Z * se,
                "upper": values + BAND_Z * se,
            }
        )
    pair = model.pairs_[k - len(model.mains_)]
    a, b = pair["index"]
    la = group_labels(model.bins_[a], pair["maps"][0])
    lb = group_labels(model.bins_[b], pair["maps"][1])
    na, nb = pair["shape"]
    return pd.DataFrame(
        {
            pair["columns"][0]: np.repeat(la, nb),
            pair["columns"][1]: np.tile(lb, na),
            "n": np.asarray(pair["counts"], dtype=np.int64),
            "log_odds": np.asarray(pair["values"]),
        }
    )


def term_importance(model: ConversionModel, cells: list[np.ndarray]) -> list[dict]:
    """Every term's importance, largest first: the standard deviation of its log-odds
    contribution over the training leads (``cells``: their cell of every column)."""
    sd = np.array(
        [m["values"][c].std() for m, c in zip(model.mains_, cells, strict=True)]
        + [
            p["values"][
                p["maps"][0][cells[p["index"][0]]] * p["shape"][1]
                + p["maps"][1][cells[p["index"][1]]]
            ].std()
            for p in model.pairs_
        ]
    )
    order = np.argsort(-sd, kind="stable")
    return [
        {
            "column": model.feature_names_[i],
            "kind": "pair" if i >= len(model.mains_) else "main",
            "importance": float(sd[i]),
        }
        for i in order
    ]
