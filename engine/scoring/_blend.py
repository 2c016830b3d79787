r"""Blend manual points with the predictive probability, and compare the scores.

Manual points :math:`S` are mapped to a probability :math:`q = \sigma(a + bS)`
(Platt, fitted out-of-fold), then blended with the model's :math:`p` in log-odds:

.. math::
    \mathrm{logit}\,p_{blend} = w\,\mathrm{logit}\,p + (1-w)\,\mathrm{logit}\,q .

:func:`compare_scores` reports, on the same held-out leads, each score's AUC,
precision and recall at its own threshold, and the gains (share of all
conversions) in the top 10/20/30 % of leads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import ParameterError
from leadlever.engine.scoring._calibration import fit_platt, sigmoid
from leadlever.engine.scoring._metrics import roc_auc
from leadlever.engine.stats._cv import stratified_kfold

__all__ = ["points_to_probability", "blend_probabilities", "compare_scores", "ComparisonResult"]


def points_to_probability(
    points: np.ndarray, y: np.ndarray, *, cv: int = 5, seed: int = 0
) -> np.ndarray:
    """Out-of-fold Platt map of manual points to a conversion probability."""
    points = np.asarray(points, dtype=float)
    sd = points.std() or 1.0
    z = (points - points.mean()) / sd
    out = np.empty(len(points))
    for train, test in stratified_kfold(np.asarray(y, dtype=np.int64), cv, seed=seed):
        a, b = fit_platt(z[train], y[train])
        out[test] = sigmoid(a + b * z[test])
    return out


def blend_probabilities(
    p_model: np.ndarray, p_manual: np.ndarray, weight: float = 0.5
) -> np.ndarray:
    """Log-odds blend with weight ``weight`` on the model."""
    if not 0 <= weight <= 1:
        raise ParameterError(
            f"The 'weight' parameter of blend_probabilities must be in [0, 1]. Got {weight!r} instead."
        )
    lo = np.clip(np.asarray(p_model, dtype=float), 1e-9, 1 - 1e-9)
    hi = np.clip(np.asarray(p_manual, dtype=float), 1e-9, 1 - 1e-9)
    return sigmoid(weight * np.log(lo / (1 - lo)) + (1 - weight) * np.log(hi / (1 - hi)))


def _gain(y: np.ndarray, s: np.ndarray, frac: float) -> float:
    k = max(int(round(frac * len(y))), 1)
    top = np.argsort(-s, kind="stable")[:k]
    return float(y[top].sum() / max(y.sum(), 1))


@dataclass(frozen=True)
class ComparisonResult:
    """Manual vs predictive vs blend on the same leads."""

    table: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": int(self.table.attrs.get("n", 0)),
            "scores": self.table.to_dict(orient="records"),
        }

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def compare_scores(y: np.ndarray, scores: dict[str, tuple[np.ndarray, float]]) -> ComparisonResult:
    """Each score ``name -> (values, threshold)``: AUC, precision/recall at threshold, gains."""
    y = np.asarray(y, dtype=float)
    rows = []
    for name, (values, thr) in scores.items():
        s = np.asarray(values, dtype=float)
        # confusion() needs probabilities; rank-transform points, threshold by count above it
        hit = s >= thr if name == "manual" else s > thr
        tp = int((hit & (y == 1)).sum())
        fp = int((hit & (y == 0)).sum())
        fn = int((~hit & (y == 1)).sum())
        rows.append(
            {
                "score": name,
                "threshold": thr,
                "auc": roc_auc(y, (pd.Series(s).rank(pct=True)).to_numpy()),
                "precision": tp / (tp + fp) if tp + fp else float("nan"),
                "recall": tp / (tp + fn) if tp + fn else float("nan"),
                "gain_top10": _gain(y, s, 0.1),
                "gain_top20": _gain(y, s, 0.2),
                "gain_top30": _gain(y, s, 0.3),
            }
        )
    table = pd.DataFrame(rows)
    table.attrs["n"] = len(y)
    return ComparisonResult(table)
