"""Fit a conversion model with honest (out-of-fold or time-split) evaluation.

:func:`fit_and_evaluate` is what ``leadlever score fit`` calls: it validates the
target, computes out-of-fold probabilities with seeded stratified k-fold (or a
time-based split when a date column is named), reports every metric on those,
then fits the final model on all rows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import MissingColumnsError, ParameterError
from leadlever.engine.io._schema import closest_names
from leadlever.engine.scoring._conversion import ConversionModel, DataQualityWarning, _as_binary
from leadlever.engine.scoring._metrics import EvaluationResult, evaluate
from leadlever.engine.stats._cv import stratified_kfold, time_split

__all__ = ["FitReport", "fit_and_evaluate", "split_target"]


@dataclass(frozen=True)
class FitReport:
    """Out-of-sample metrics of a fitted model (the ``score fit --json`` object)."""

    n_rows: int
    n_features: int
    base_rate: float
    evaluation: EvaluationResult
    importance: tuple[dict[str, Any], ...]
    folds: int
    split: str
    calibration_method: str
    oof: pd.DataFrame
    terms: dict[str, Any] = field(default_factory=dict)
    tiers: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        ev = self.evaluation
        return {
            "n_rows": self.n_rows,
            "n_features": self.n_features,
            "base_rate": self.base_rate,
            "auc": ev.auc,
            "pr_auc": ev.pr_auc,
            "brier": ev.brier,
            "ece": ev.ece,
            "log_loss": ev.log_loss,
            "lift_top_decile": ev.lift,
            "calibration": {**ev.calibration, "method": self.calibration_method},
            "importance": list(self.importance),
            "folds": self.folds,
            "split": self.split,
            "n_evaluated": ev.n,
            "terms": self.terms,
            "tiers": self.tiers,
        }

    def to_frame(self) -> pd.DataFrame:
        return self.oof.copy()


def _known(table: pd.DataFrame, target: str) -> np.ndarray:
    """Rows whose outcome is filled in (closed leads)."""
    col = table[target]
    return (
        (col.notna() & (col.astype("string").str.strip() != "")).fillna(False).to_numpy(dtype=bool)
    )


def split_target(
    table: pd.DataFrame, target: str, source: str | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """Features and 0/1 outcome; rows with an empty target (open leads) are left out."""
    if target not in table.columns:
        close = closest_names(target, [str(c) for c in table.columns])
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        where = f"File '{source}'" if source else "The table"
        raise MissingColumnsError(
            f"{where} has no target column '{target}'{hint}. Name the 0/1 outcome column with --target.",
            [target],
            {target: close[0]} if close else {},
        )
    sub = table.loc[_known(table, target)].reset_index(drop=True)
    y = _as_binary(sub[target].rename(target), len(sub))
    return sub.drop(columns=[target]), y


def _row_ids(X: pd.DataFrame, rows: np.ndarray) -> pd.Series:
    """``lead_id`` when present, else the 1-based data row number in the input table."""
    if "lead_id" in X.columns:
        return X["lead_id"].reset_index(drop=True)
    return pd.Series(rows, name="row")


def _out_of_sample(X, y, oof, params, cv, date_col, random_state) -> tuple[int, str]:
    """Fill ``oof`` with predictions from models that did not see the rows."""
    if date_col is not None:
        train, test = time_split(X[date_col])
        oof[test] = (
            ConversionModel(**params).fit(X.iloc[train], y[train]).predict_proba(X.iloc[test])[:, 1]
        )
        return 1, "time"
    for train, test in stratified_kfold(y, cv, seed=random_state):
        model = ConversionModel(**params).fit(X.iloc[train], y[train])
        oof[test] = model.predict_proba(X.iloc[test])[:, 1]
    return cv, "stratified_kfold"


def fit_and_evaluate(
    table: pd.DataFrame,
    target: str,
    *,
    cv: int = 5,
    date_col: str | None = None,
    threshold: float = 0.5,
    random_state: int = 0,
    source: str | None = None,
    **model_params: Any,
) -> tuple[ConversionModel, FitReport]:
    """Out-of-sample evaluation, then the final model fitted on every closed row.

    Parameters
    ----------
    table : DataFrame
        Features plus the ``target`` column (empty target = open lead, ignored).
    cv : int
        Stratified folds (ignored when ``date_col`` is given).
    date_col : str, optional
        Evaluate on the latest 20 % of rows by this date, training on the rest; the
        column is not used as a feature.
    model_params
        Passed to :class:`ConversionModel` (``drop``, ``sentinels``, ``alpha`` ...);
        ``cv_calibration`` sets the model's own ``cv`` (folds of its calibration map).
    """
    if not isinstance(cv, int) or cv < 2:
        raise ParameterError(
            f"The 'cv' parameter of fit_and_evaluate must be an int >= 2. Got {cv!r} instead."
        )
    X, y = split_target(table, target, source)
    drop = list(model_params.pop("drop", ()))
    if "cv_calibration" in model_params:  # the model's own folds for its calibration map
        model_params["cv"] = model_params.pop("cv_calibration")
    if date_col is not None:
        if date_col not in X.columns:
            raise MissingColumnsError(
                f"Date column '{date_col}' is not in the table. Check --date-col.", [date_col], {}
            )
        drop = list(dict.fromkeys([*drop, date_col]))
    params = {"drop": tuple(drop), "random_state": random_state, **model_params}
    oof = np.full(len(y), np.nan)
    # data warnings are the same in every fold: let only the final fit raise them
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        warnings.simplefilter("ignore", UserWarning)
        folds, split = _out_of_sample(X, y, oof, params, cv, date_col, random_state)
    scored = ~np.isnan(oof)
    evaluation = evaluate(y[scored], oof[scored], threshold)
    final = ConversionModel(**params).fit(X, y)
    ids = _row_ids(X, np.flatnonzero(_known(table, target)) + 1)
    frame = pd.DataFrame({ids.name: ids, "p_convert": oof, target: y})[scored]
    report = FitReport(
        n_rows=len(y),
        n_features=len(final.preprocessor_.plans_),
        base_rate=float(y.mean()),
        evaluation=evaluation,
        importance=tuple(final.importance_),
        folds=folds,
        split=split,
        calibration_method=final.calibrator_.method_,
        oof=frame.reset_index(drop=True),
        terms=final.summary(),
        tiers={k: final.tiers_[k] for k in ("method", "labels", "cutoffs", "p_cuts", "reason")},
    )
    return final, report
