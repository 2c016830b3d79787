r"""Manual points vs the model vs their blend, on leads the model has not seen.

``score compare`` must not grade a model on the leads it was fitted on. The model file's
fingerprint (:mod:`leadlever.engine.scoring._fit_record`) says about how many of the
given leads were training rows; when any were, the model is **refitted out-of-fold**
(same parameters, stratified folds) and every lead is scored by a model that did not see
it; otherwise the given leads are held out and the model is used as is.

The blend :math:`\mathrm{logit}\,p_{blend} = w\,\mathrm{logit}\,p + (1-w)\,\mathrm{logit}\,q`
(:func:`~leadlever.engine.scoring._blend.blend_probabilities`) takes the weight :math:`w`
that minimises the log loss on a grid of :data:`WEIGHT_GRID`, chosen by
cross-validation: each fold's blend uses the weight chosen on the other folds, and the
weight reported is the one chosen on all leads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.io._outcomes import OutcomeSpec
from leadlever.engine.scoring._blend import (
    ComparisonResult,
    blend_probabilities,
    compare_scores,
    points_to_probability,
)
from leadlever.engine.scoring._evaluation import split_target
from leadlever.engine.scoring._fit_record import FitRecord, estimated_overlap
from leadlever.engine.scoring._metrics import log_loss
from leadlever.engine.scoring._rules import RuleSet, apply_rules
from leadlever.engine.stats._cv import stratified_kfold

__all__ = ["HonestComparison", "compare_on_unseen", "choose_blend_weight", "WEIGHT_GRID"]

#: blend weights tried on the model (0 = manual points only, 1 = model only)
WEIGHT_GRID = tuple(np.round(np.linspace(0.0, 1.0, 21), 2).tolist())


@dataclass(frozen=True)
class HonestComparison:
    """The comparison table and how it was made (the ``score compare --json`` object)."""

    result: ComparisonResult
    evaluation: str
    n_seen: int
    blend_weight: float
    weight_source: str
    fold_weights: tuple[float, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        return self.result.to_frame()

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.result.to_dict(),
            "evaluation": self.evaluation,
            "n_seen_by_model": self.n_seen,
            "blend_weight": self.blend_weight,
            "blend_weight_source": self.weight_source,
            "blend_weight_folds": list(self.fold_weights),
            "notes": list(self.notes),
        }


def choose_blend_weight(y: np.ndarray, p: np.ndarray, q: np.ndarray) -> float:
    """The grid weight with the smallest log loss of the blend."""
    losses = [log_loss(y, blend_probabilities(p, q, w)) for w in WEIGHT_GRID]
    return float(WEIGHT_GRID[int(np.argmin(losses))])


def _unseen_probabilities(model, X, y, n_seen, cv, seed) -> np.ndarray:
    if n_seen == 0:
        return model.predict_proba(X)[:, 1]
    params = model.get_params()
    p = np.empty(len(y))
    for train, test in stratified_kfold(y, cv, seed=seed):
        refit = type(model)(**params).fit(X.iloc[train], y[train])
        p[test] = refit.predict_proba(X.iloc[test])[:, 1]
    return p


def compare_on_unseen(
    model: Any,
    record: FitRecord,
    rules: RuleSet,
    table: pd.DataFrame,
    outcome: OutcomeSpec,
    *,
    threshold: float = 0.5,
    weight: float | None = None,
    cv: int = 5,
    seed: int = 0,
    source: str | None = None,
) -> HonestComparison:
    """Compare manual points, the model and their blend on leads the model has not seen."""
    import warnings

    X, y = split_target(table, outcome, source)
    if hasattr(model, "preprocessor_"):  # a column the model needs is named with the file
        model.preprocessor_.check_columns(X, source)
    n_seen = estimated_overlap(record.training, X)
    notes = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the refits repeat the fit's notices
        p = _unseen_probabilities(model, X, y, n_seen, cv, seed)
    if n_seen:
        evaluation = "out-of-fold refit"
        notes.append(
            f"The model was fitted on about {n_seen:,} of these {len(y):,} leads, so it was "
            f"refitted {cv}-fold with the same settings: each lead is scored by a model that "
            "did not see it."
        )
    else:
        evaluation = "held-out"
        notes.append(f"None of these {len(y):,} leads was used to fit the model: held out.")
    points = apply_rules(rules, X, source=source)["manual_points"].to_numpy()
    q = points_to_probability(points, y, cv=cv, seed=seed)
    folds: list[float] = []
    if weight is None:
        blend = np.empty(len(y))
        for train, test in stratified_kfold(y, cv, seed=seed + 1):
            w = choose_blend_weight(y[train], p[train], q[train])
            folds.append(w)
            blend[test] = blend_probabilities(p[test], q[test], w)
        chosen, source_w = choose_blend_weight(y, p, q), f"{cv}-fold cross-validation"
        notes.append(
            f"Blend weight on the model {chosen:.2f}, chosen by {cv}-fold cross-validation of "
            "the log loss (each fold's blend uses the weight chosen on the others)."
        )
    else:
        chosen, source_w = float(weight), "option"
        blend = blend_probabilities(p, q, chosen)
    result = compare_scores(
        y,
        {
            "manual": (points, rules.hot_threshold),
            "predictive": (p, threshold),
            "blend": (blend, threshold),
        },
    )
    return HonestComparison(
        result, evaluation, n_seen, chosen, source_w, tuple(folds), tuple(notes)
    )
