"""Fit a conversion model with honest (out-of-fold or time-split) evaluation.

:func:`fit_and_evaluate` is what ``leadlever score fit`` calls: it codes the outcome
(1/0, yes/no, true/false or a stage column with won/lost values), runs the export
checks of ``leadlever inspect`` (id-like columns are left out with a notice, leak
suspects are named), computes out-of-fold probabilities with seeded stratified
k-fold (or a time-based split when a date column is named), reports every metric on
those with the AUC's DeLong interval (and says so in plain words when the model is no
better than chance), then fits the final model on all rows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import DataError, MissingColumnsError, ParameterError
from leadlever.engine.io._column_checks import CLOSED_ONLY, closed_only_note
from leadlever.engine.io._inspect import inspect_table
from leadlever.engine.io._lead_schema import is_outcome_column
from leadlever.engine.io._outcomes import OutcomeSpec, parse_outcome
from leadlever.engine.scoring._conversion import ConversionModel, DataQualityWarning
from leadlever.engine.scoring._fit_record import (
    FitRecord,
    calibration_warning,
    chance_warning,
    fingerprint,
)
from leadlever.engine.scoring._metrics import EvaluationResult, auc_ci, evaluate
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
    auc_ci: dict[str, Any] | None = None
    warnings: tuple[str, ...] = ()
    excluded_ids: tuple[str, ...] = ()
    excluded_closed_only: tuple[str, ...] = ()
    leak_suspects: tuple[str, ...] = ()
    outcome: dict[str, Any] | None = None
    record: FitRecord | None = None

    @property
    def model_warning(self) -> str | None:
        """The "no better than chance" warning, when it applies."""
        return chance_warning(self.auc_ci)

    def to_dict(self) -> dict[str, Any]:
        ev = self.evaluation
        return {
            "n_rows": self.n_rows,
            "n_features": self.n_features,
            "base_rate": self.base_rate,
            "outcome": self.outcome,
            "auc": ev.auc,
            "auc_ci": self.auc_ci,
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
            "excluded_ids": list(self.excluded_ids),
            "excluded_closed_only": list(self.excluded_closed_only),
            "leak_suspects": list(self.leak_suspects),
            "warnings": list(self.warnings),
        }

    def to_frame(self) -> pd.DataFrame:
        return self.oof.copy()


def split_target(
    table: pd.DataFrame,
    target: str | OutcomeSpec,
    source: str | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Features and 0/1 outcome of the closed leads; open leads (empty outcome, or a stage
    that is neither won nor lost) are left out.

    ``target`` is the outcome column (1/0, yes/no, true/false) or an
    :class:`~leadlever.engine.io._outcomes.OutcomeSpec` naming a stage column's won and
    lost values.
    """
    spec = target if isinstance(target, OutcomeSpec) else OutcomeSpec(str(target))
    outcome = parse_outcome(table, spec, source=source)
    closed = outcome.closed
    sub = table.loc[closed].reset_index(drop=True)
    y = outcome.values[closed].to_numpy(dtype=np.int64)
    if y.size == 0 or y.min() == y.max():
        where = f"File '{source}'" if source else "The table"
        raise DataError(
            f"{where}: the outcome {spec.describe()} has {outcome.n_won:,} won and "
            f"{outcome.n_lost:,} lost leads ({outcome.n_open:,} open). Fitting and evaluating "
            "need both won and lost leads; check --target (and --won/--lost)."
        )
    return sub.drop(columns=[spec.column]), y


def _row_ids(X: pd.DataFrame, rows: np.ndarray, id_columns: list[str]) -> pd.Series:
    """``lead_id``, else the export's first id-like column, else the 1-based data row number."""
    for col in ["lead_id", *id_columns]:
        if col in X.columns:
            return X[col].reset_index(drop=True)
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


def _column_checks(
    table: pd.DataFrame, spec: OutcomeSpec, drop: list[str], source: str | None
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Id-like columns to leave out, leak suspects, the notices to give about them, and the
    columns filled only for closed leads (left out too: they cannot score an open lead)."""
    roles = dict.fromkeys(drop, "excluded")
    report = inspect_table(table, outcome=spec, roles=roles, source=source)
    ids = [c for c in report.id_columns if c not in drop]
    # the shared vocabulary's outcome columns are left out by the model anyway, with a notice
    leaks = [c for c in report.leak_suspects if c not in drop and not is_outcome_column(c)]
    notes = []
    if ids:
        notes.append(
            f"Left out id-like column(s) {ids} from the features (unique per row, a row counter "
            "or named like an id): an identifier cannot predict a new lead's outcome."
        )
    closed_only = [c for c in leaks if CLOSED_ONLY in report.column(c).leak_reasons]
    if closed_only:
        notes.append(closed_only_note(closed_only))
    leaks = [c for c in leaks if c not in closed_only]
    for name in leaks:
        why = "; ".join(report.column(name).leak_reasons)
        notes.append(
            f"Column '{name}' may leak the outcome ({why}). If it is only known after a lead "
            f"is won or lost, refit with --drop {name}."
        )
    return ids, leaks, notes, closed_only


def fit_and_evaluate(
    table: pd.DataFrame,
    target: str | OutcomeSpec,
    *,
    cv: int = 5,
    date_col: str | None = None,
    threshold: float = 0.5,
    random_state: int = 0,
    source: str | None = None,
    check_columns: bool = True,
    **model_params: Any,
) -> tuple[ConversionModel, FitReport]:
    """Out-of-sample evaluation, then the final model fitted on every closed row.

    Parameters
    ----------
    table : DataFrame
        Features plus the outcome column (open leads are ignored).
    target : str or OutcomeSpec
        The outcome column, or the column with its won and lost values.
    cv : int
        Stratified folds (ignored when ``date_col`` is given).
    date_col : str, optional
        Evaluate on the latest 20 % of rows by this date, training on the rest; the
        column is not used as a feature.
    check_columns : bool
        Run the export checks (id-like columns left out, leak suspects named).
    model_params
        Passed to :class:`ConversionModel` (``drop``, ``sentinels``, ``alpha`` ...);
        ``cv_calibration`` sets the model's own ``cv`` (folds of its calibration map).

    Warns
    -----
    UserWarning
        For every column left out or suspected of leaking, and when the model is no
        better than chance (:func:`~leadlever.engine.scoring._fit_record.chance_warning`).
    """
    if not isinstance(cv, int) or cv < 2:
        raise ParameterError(
            f"The 'cv' parameter of fit_and_evaluate must be an int >= 2. Got {cv!r} instead."
        )
    spec = target if isinstance(target, OutcomeSpec) else OutcomeSpec(str(target))
    X, y = split_target(table, spec, source)
    drop = list(model_params.pop("drop", ()))
    ids: list[str] = []
    leaks: list[str] = []
    notes: list[str] = []
    closed_only: list[str] = []
    if check_columns:
        ids, leaks, notes, closed_only = _column_checks(table, spec, drop, source)
        drop = list(dict.fromkeys([*drop, *ids, *closed_only]))
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
    interval = auc_ci(y[scored], oof[scored]).to_dict()
    # the final fit's own notices (date columns left out, ...) belong in the report's
    # warnings too, not only on stderr: caught here and raised once below with the others
    with warnings.catch_warnings(record=True) as raised:
        warnings.simplefilter("always", UserWarning)
        final = ConversionModel(**params).fit(X, y)
    categories: dict[str, type[Warning]] = {}
    for w in raised:
        if not issubclass(w.category, UserWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        elif str(w.message) not in notes:
            notes.append(str(w.message))
            categories[str(w.message)] = w.category
    chance = chance_warning(interval)
    if chance:
        notes.append(chance)
    spread = calibration_warning(evaluation.calibration)
    if spread:
        notes.append(spread)
    for note in notes:
        warnings.warn(note, categories.get(note, UserWarning), stacklevel=2)
    outcome = parse_outcome(table, spec).to_dict()
    closed_rows = np.flatnonzero(parse_outcome(table, spec).closed) + 1
    ids_out = _row_ids(X, closed_rows, ids)
    frame = pd.DataFrame({ids_out.name: ids_out, "p_convert": oof, spec.column: y})[scored]
    used = [c for c in X.columns if c not in drop]
    record = FitRecord(
        outcome=spec,
        auc_ci=interval,
        warnings=tuple(notes),
        training=fingerprint(X, [str(c) for c in X.columns], seed=random_state)
        | {"features": [str(c) for c in used]},
    )
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
        auc_ci=interval,
        warnings=tuple(notes),
        excluded_ids=tuple(ids),
        excluded_closed_only=tuple(closed_only),
        leak_suspects=tuple(leaks),
        outcome=outcome,
        record=record,
    )
    return final, report
