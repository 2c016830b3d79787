r"""The conversion model: penalised logistic regression on statsmodels, calibrated.

.. math::
    \eta_i = \beta_0 + \sum_k \beta_k \frac{x_{ik} - \bar x_k}{s_k}, \qquad
    \hat\beta = \arg\max_\beta \frac{1}{n}\ell(\beta)
        - \alpha\Big(\frac{1-\lambda}{2}\lVert\beta_{1:}\rVert_2^2 + \lambda\lVert\beta_{1:}\rVert_1\Big)

fitted on statsmodels (:mod:`leadlever.engine.scoring._logistic`): ridge (:math:`\lambda = 0`) by Newton
steps on a penalised ``Logit``, elastic net through ``GLM.fit_regularized``; the
intercept is never penalised. With ``alpha=0`` a plain GLM is fitted, unless the
design is collinear or separable, in which case the model falls back to ridge with
a warning. The calibrated probability is :math:`p_i = g(\eta_i)` with the
:class:`leadlever.engine.scoring._calibration.Calibrator` ``g`` fitted on out-of-fold :math:`\eta`.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import DataError, NotFittedError, ParameterError
from leadlever.engine.features._preprocessing import Preprocessor
from leadlever.engine.io._persist import load_versioned, save_versioned
from leadlever.engine.io._schema import coerce_binary
from leadlever.engine.scoring._calibration import CALIBRATION_METHODS, Calibrator
from leadlever.engine.scoring._model_io import (
    MODEL_FORMAT,
    MODEL_HINT,
    MODEL_VERSION,
    model_from_dict,
    model_to_dict,
)
from leadlever.engine.scoring._reasons import group_contributions, group_importance, reason_texts
from leadlever.engine.scoring._tiers import check_cutoffs, funnel_tiers, score_from_p
from leadlever.engine.stats._cv import stratified_kfold

__all__ = ["ConversionModel", "DataQualityWarning"]

logger = logging.getLogger(__name__)


class DataQualityWarning(UserWarning):
    """Collinear or separable training data: the model regularised to cope."""


def _check_param(name: str, value: Any, ok: bool, expected: str) -> None:
    if not ok:
        raise ParameterError(
            f"The '{name}' parameter of ConversionModel must be {expected}. Got {value!r} instead."
        )


class ConversionModel:
    """Calibrated probability that a lead converts, with reasons per lead.

    Parameters
    ----------
    alpha : float
        Penalty strength :math:`\\alpha` per observation (0 = unpenalised GLM).
    l1_ratio : float
        Elastic-net mix :math:`\\lambda` in [0, 1] (0 = ridge).
    calibration : {"auto", "platt", "isotonic", "none"}
        ``"auto"`` picks Platt or isotonic by cross-validated log loss.
    cv : int
        Folds for the out-of-fold predictor values the calibration is fitted on.
    splines : int
        Knots of restricted cubic splines on numeric columns (0 = linear terms only).
    drop : sequence of str
        Columns never used (e.g. ones that leak the outcome).
    sentinels : dict, optional
        ``{column: [values]}`` that mean "missing" (e.g. ``{"pdays": [999]}``).
    min_level_count : int
        Rarer categorical levels are pooled into ``"other"``.
    tiers : sequence of int
        Upper score bounds of the funnel tiers (see :mod:`leadlever.engine.scoring._tiers`).
    tier_labels : sequence of str
    random_state : int
        Seed of the cross-validation folds.
    """

    def __init__(
        self,
        *,
        alpha: float = 1e-4,
        l1_ratio: float = 0.0,
        calibration: str = "auto",
        cv: int = 5,
        splines: int = 4,
        drop: tuple[str, ...] | list[str] = (),
        sentinels: dict[str, list[Any]] | None = None,
        min_level_count: int = 10,
        tiers: tuple[int, ...] = (30, 65, 100),
        tier_labels: tuple[str, ...] = ("top of funnel", "middle of funnel", "bottom of funnel"),
        random_state: int = 0,
    ) -> None:
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.calibration = calibration
        self.cv = cv
        self.splines = splines
        self.drop = drop
        self.sentinels = sentinels
        self.min_level_count = min_level_count
        self.tiers = tiers
        self.tier_labels = tier_labels
        self.random_state = random_state

    # ------------------------------------------------------------ params
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters (scikit-learn contract)."""
        names = (
            "alpha",
            "l1_ratio",
            "calibration",
            "cv",
            "splines",
            "drop",
            "sentinels",
            "min_level_count",
            "tiers",
            "tier_labels",
            "random_state",
        )
        return {n: getattr(self, n) for n in names}

    def set_params(self, **params: Any) -> ConversionModel:
        valid = self.get_params()
        for key, value in params.items():
            if key not in valid:
                raise ParameterError(
                    f"ConversionModel has no parameter {key!r}. Valid: {sorted(valid)}."
                )
            setattr(self, key, value)
        return self

    def _validate_params(self) -> None:
        _check_param(
            "alpha",
            self.alpha,
            isinstance(self.alpha, int | float) and self.alpha >= 0,
            "a float >= 0",
        )
        _check_param(
            "l1_ratio",
            self.l1_ratio,
            isinstance(self.l1_ratio, int | float) and 0 <= self.l1_ratio <= 1,
            "a float in [0, 1]",
        )
        _check_param(
            "calibration",
            self.calibration,
            self.calibration in CALIBRATION_METHODS,
            f"one of {CALIBRATION_METHODS}",
        )
        _check_param("cv", self.cv, isinstance(self.cv, int) and self.cv >= 2, "an int >= 2")
        _check_param(
            "splines",
            self.splines,
            self.splines == 0 or self.splines in range(3, 8),
            "0 or an int in [3, 7]",
        )
        _check_param(
            "min_level_count",
            self.min_level_count,
            isinstance(self.min_level_count, int) and self.min_level_count >= 1,
            "an int >= 1",
        )
        check_cutoffs(self.tiers, self.tier_labels)

    # --------------------------------------------------------------- fit
    def fit(self, X: pd.DataFrame, y: Any) -> ConversionModel:
        """Learn preprocessing, coefficients and calibration from a training table.

        Parameters
        ----------
        X : DataFrame
            Feature columns (the outcome column excluded).
        y : array-like
            1 = converted, 0 = not (yes/no and true/false accepted).

        Returns
        -------
        self
        """
        self._validate_params()
        if not isinstance(X, pd.DataFrame):
            raise DataError("ConversionModel.fit needs a pandas DataFrame of features as X.")
        yv = _as_binary(y, len(X))
        pre = Preprocessor(
            drop=tuple(self.drop),
            sentinels=self.sentinels,
            min_level_count=self.min_level_count,
            spline_knots=self.splines,
        )
        pre.fit(X)
        design = pre.transform(X)
        self.center_ = design.mean(axis=0)
        sd = design.std(axis=0)
        self.scale_ = np.where(sd > 0, sd, 1.0)
        Z = (design - self.center_) / self.scale_
        self.preprocessor_ = pre
        self.feature_names_ = list(pre.feature_names_)
        self.feature_source_ = list(pre.feature_source_)
        self.n_features_in_ = X.shape[1]
        self.feature_names_in_ = [str(c) for c in X.columns]
        alpha = self._diagnose(Z, yv)
        self.alpha_ = alpha
        self.coef_, self.intercept_ = self._fit_glm(Z, yv, alpha)
        self.importance_ = group_importance(Z, self.coef_, self.feature_source_)
        # out-of-fold predictor values for the calibration map
        calib = Calibrator(method=self.calibration, cv=self.cv, random_state=self.random_state)
        if self.calibration == "none":
            calib.fit(np.zeros(2), np.array([0, 1]))
        else:
            oof = np.empty(len(yv))
            for train, test in stratified_kfold(yv, self.cv, seed=self.random_state):
                start = np.concatenate([[self.intercept_], self.coef_])
                coef, icpt = self._fit_glm(Z[train], yv[train], self.alpha_, start)
                oof[test] = icpt + Z[test] @ coef
            calib.fit(oof, yv)
        self.calibrator_ = calib
        self.classes_ = np.array([0, 1])
        self.base_rate_ = float(yv.mean())
        self.n_train_ = len(yv)
        return self

    def _diagnose(self, Z: np.ndarray, y: np.ndarray) -> float:
        """Detect collinearity and (quasi-)separation; return the penalty to use."""
        # the fitting code (statsmodels, ~2 s to import) loads only to fit: scoring a saved
        # model (leadlever score apply) never needs it
        from leadlever.engine.scoring._logistic import FALLBACK_ALPHA, diagnose_design

        kinds = {p["name"]: p["kind"] for p in self.preprocessor_.plans_}
        indicator = np.array(
            [
                kinds[src] in ("categorical", "binary") or name.endswith("__missing")
                for name, src in zip(self.feature_names_, self.feature_source_, strict=True)
            ]
        )
        problems = diagnose_design(Z, y, self.feature_names_, indicator)
        self.data_warnings_ = problems
        if not problems:
            return float(self.alpha)
        alpha = float(self.alpha) if self.alpha > 0 else FALLBACK_ALPHA
        msg = (
            "Training data has "
            + "; ".join(problems)
            + f". Using ridge regularisation (alpha={alpha:g}) "
            "so coefficients stay finite; consider dropping redundant or leaking columns."
        )
        logger.info(msg)
        warnings.warn(msg, DataQualityWarning, stacklevel=3)
        return alpha

    def _fit_glm(
        self, Z: np.ndarray, y: np.ndarray, alpha: float, start: np.ndarray | None = None
    ) -> tuple[np.ndarray, float]:
        from leadlever.engine.scoring._logistic import fit_logistic  # see _diagnose

        coef, intercept, used = fit_logistic(
            Z, y, alpha=alpha, l1_ratio=float(self.l1_ratio), start=start
        )
        if used != alpha:
            msg = f"The unpenalised fit diverged (separation); refitted with ridge alpha={used:g}."
            logger.info(msg)
            warnings.warn(msg, DataQualityWarning, stacklevel=3)
            self.alpha_ = used
        return coef, intercept

    # ----------------------------------------------------------- predict
    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError(
                "This ConversionModel is not fitted yet. Call fit(X, y) or load a model file."
            )

    def _standardised(self, X: pd.DataFrame, source: str | None = None) -> np.ndarray:
        self._check_fitted()
        if not isinstance(X, pd.DataFrame):
            raise DataError("ConversionModel needs a pandas DataFrame of features.")
        design = self.preprocessor_.transform(X, source)
        design -= self.center_
        design /= self.scale_
        return design

    def decision_function(self, X: pd.DataFrame, source: str | None = None) -> np.ndarray:
        """Uncalibrated log-odds :math:`\\eta` of the base model.

        Computed column by column with folded weights :math:`w_k = \\beta_k / s_k`
        (category levels by table lookup), never building the design matrix.
        """
        self._check_fitted()
        if not isinstance(X, pd.DataFrame):
            raise DataError("ConversionModel needs a pandas DataFrame of features.")
        pre = self.preprocessor_
        pre.check_columns(X, source)
        w = self.coef_ / self.scale_
        eta = np.full(len(X), self.intercept_ - float(w @ self.center_))
        pos = 0
        for plan in pre.plans_:
            width = pre.plan_width(plan)
            eta += pre.plan_contribution(plan, X[plan["name"]], w[pos : pos + width])
            pos += width
        return eta

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities, shape ``(n, 2)``: columns P(not converted), P(converted)."""
        eta = self.decision_function(X)
        p = self.calibrator_.predict(eta)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame, threshold: float = 0.5) -> np.ndarray:
        """1 where the calibrated probability exceeds ``threshold`` (a "predicted hit")."""
        return (self.predict_proba(X)[:, 1] > threshold).astype(np.int64)

    def contributions(self, X: pd.DataFrame, source: str | None = None) -> pd.DataFrame:
        """Per original column, :math:`\\sum_{k \\in col}\\beta_k z_{ik}` (log-odds vs the average lead)."""
        out, cols = group_contributions(
            self._standardised(X, source), self.coef_, self.feature_source_
        )
        return pd.DataFrame(out, columns=cols, index=X.index)

    def importance(self) -> pd.DataFrame:
        """Global attribute importance per original column: std. dev. of its contribution."""
        self._check_fitted()
        from leadlever.engine.scoring._reasons import importance_table

        return importance_table(self)

    def score_table(
        self, X: pd.DataFrame, *, reasons: bool = True, source: str | None = None
    ) -> pd.DataFrame:
        """``X`` with ``p_convert``, ``score``, ``tier`` (and ``reasons``) appended."""
        p = self.calibrator_.predict(self.decision_function(X, source))
        out = X.copy(deep=False)  # copy-on-write: new columns never touch X, no data copied
        out["p_convert"] = p
        out["score"] = score_from_p(p)
        out["tier"] = funnel_tiers(out["score"].to_numpy(), self.tiers, self.tier_labels)
        if reasons:
            out["reasons"] = reason_texts(self, X, self._standardised(X, source))
        return out

    # ------------------------------------------------------------ persist
    def to_dict(self) -> dict[str, Any]:
        """The fitted model as a versioned JSON document (``leadlever.conversion_model``)."""
        return model_to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str | None = None) -> ConversionModel:
        """Rebuild a model from :meth:`to_dict` output (format and version checked)."""
        return model_from_dict(data, cls, source=source or "The conversion model")

    def save(self, path: Any) -> Any:
        """Write the fitted model as a versioned JSON file (atomic)."""
        return save_versioned(self.to_dict(), path)

    @classmethod
    def load(cls, path: Any) -> ConversionModel:
        """Read a model written by :meth:`save` (plain JSON: loading runs no code)."""
        data = load_versioned(
            path, fmt=MODEL_FORMAT, version=MODEL_VERSION, what="model", hint=MODEL_HINT
        )
        return cls.from_dict(data, source=f"Model file '{path}'")


def _as_binary(y: Any, n: int) -> np.ndarray:
    series = y if isinstance(y, pd.Series) else pd.Series(np.asarray(y))
    if len(series) != n:
        raise DataError(f"X has {n} rows but y has {len(series)}. Pass one outcome per row.")
    coded = coerce_binary(series.reset_index(drop=True), column=str(series.name or "y"))
    if coded.isna().any():
        rows = (np.flatnonzero(coded.isna().to_numpy()) + 1)[:5].tolist()
        raise DataError(
            f"The outcome has empty values (rows {rows}). Fit only on closed leads (0 or 1)."
        )
    yv = coded.to_numpy(dtype=np.int64)
    if yv.min() == yv.max():
        raise DataError(
            "The outcome has only one value. Fitting needs both converted and lost leads."
        )
    return yv
