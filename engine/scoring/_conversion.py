r"""The conversion model: an additive logistic model with chosen pairs, calibrated.

.. math::
    \eta_i = \beta_0 + \sum_{c} f_c(x_{ic}) + \sum_{(a,b)\in\mathcal P} g_{ab}(x_{ia}, x_{ib}),
    \qquad p_i = \mathrm{cal}(\eta_i),

with one shape function :math:`f_c` per column (a table over its histogram cells,
smoothness chosen from the data), a few pair surfaces :math:`g_{ab}` ranked by FAST
and counted by cross-validation (:mod:`leadlever.engine.scoring._gam`), and the
calibration map chosen among identity, Platt and isotonic by cross-validated log loss
on out-of-fold :math:`\eta`. Every lead's :math:`\eta` is exactly the intercept plus
its term contributions, which is what the reasons show.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import DataError, NotFittedError, ParameterError
from leadlever.engine.features._binning import fit_bins, shared_cap
from leadlever.engine.features._preprocessing import Preprocessor
from leadlever.engine.io._persist import load_versioned, save_versioned
from leadlever.engine.io._schema import coerce_binary
from leadlever.engine.scoring._calibration import CALIBRATION_METHODS, Calibrator
from leadlever.engine.scoring._familiarity import counts_from_factors
from leadlever.engine.scoring._model_io import (
    MODEL_FORMAT,
    MODEL_HINT,
    MODEL_VERSION,
    check_model_version,
    model_from_dict,
    model_to_dict,
)
from leadlever.engine.scoring._penalised import DataQualityWarning
from leadlever.engine.scoring._reasons import reason_texts
from leadlever.engine.scoring._term_scoring import (
    evaluate_terms,
    term_importance,
    term_names,
    term_table,
)
from leadlever.engine.scoring._tiers import (
    TIER_METHODS,
    apply_tiers,
    check_cutoffs,
    choose_tiers,
    score_from_p,
)

__all__ = ["ConversionModel", "DataQualityWarning", "MAX_BINS"]

logger = logging.getLogger(__name__)

#: most cells per numeric column (fewer on small data: ``ROWS_PER_CELL`` rows a cell)
MAX_BINS = 128
#: training rows per cell of ``max_bins="auto"`` below ``MAX_BINS``: on 1,500-4,000 leads, 40
#: rows a cell gave +0.001 to +0.004 AUC over 10 (a public retail campaign, simulated
#: sessions and campaign responses; within +-0.001 on leads and a bank-marketing sample)
ROWS_PER_CELL = 40
MIN_AUTO_BINS = 8  # ... and at least this many cells
#: ``max_bins="auto"`` keeps all columns' cells near this many (wide numeric columns share
#: it, see ``shared_cap``): the fit's systems grow with the cube of the cells (online
#: shoppers, 943 cells: 1.20 s CPU a fold; 619: 0.76 s; 5-fold AUC 0.9315 both)
CELL_BUDGET = 640
#: a second process for the cross-validation folds (``n_jobs``) from this many rows (a
#: retail fold of 1,792 rows: 0.44 s wall on one process, 0.38 s on two)
MIN_FORK_ROWS = 1_000
_PARAMS = (
    "interactions",
    "max_bins",
    "monotone",
    "calibration",
    "cv",
    "drop",
    "sentinels",
    "min_level_count",
    "tiers",
    "tier_labels",
    "tier_method",
    "random_state",
    "n_jobs",
)


def _check_param(name: str, value: Any, ok: bool, expected: str) -> None:
    if not ok:
        raise ParameterError(
            f"The '{name}' parameter of ConversionModel must be {expected}. Got {value!r} instead."
        )


class ConversionModel:
    """Calibrated probability that a lead converts, explained term by term.

    Parameters
    ----------
    interactions : "auto" or int
        ``"auto"``: up to 2 pair terms per column (fewer on small data) ranked by FAST, how
        many chosen by cross-validation; an int: exactly that many top-ranked pairs; 0: none.
    max_bins : "auto" or int
        Histogram cells per numeric column; ``"auto"`` = min(128, rows / 40), at least 8,
        lowered for all wide columns alike while all cells number over 640.
    monotone : dict, optional
        ``{column: +1 or -1}``: the column's effect may only rise (+1) or fall (-1).
    calibration : {"auto", "platt", "isotonic", "none"}
        ``"auto"`` picks identity, Platt or isotonic by cross-validated log loss.
    cv : int
        Folds that choose the number of pairs and give the out-of-fold predictions the
        calibration is fitted on (3: on bank marketing and the simulated exports 5 folds
        gave the same AUC within 0.001 for about 10 % more fit time).
    drop : sequence of str
        Columns never used (e.g. ones that leak the outcome).
    sentinels : dict, optional
        ``{column: [values]}`` that mean "missing" (e.g. ``{"pdays": [999]}``).
    min_level_count : int
        Rarer categorical levels are pooled into ``"other"``.
    tiers : sequence of int
        Upper score bounds of the funnel tiers (see :mod:`leadlever.engine.scoring._tiers`).
    tier_labels : sequence of str
    tier_method : {"auto", "funnel", "quantile"}
        ``"auto"``: the funnel cut-offs, unless they would put more than 80 % of the
        training leads in one tier; then tiers at quantiles of the out-of-fold probability.
    random_state : int
        Seed of the cross-validation folds.
    n_jobs : int or None
        Processes the fit may use: ``None`` (default) uses a second process for the
        cross-validation folds where that is safe (a forked child on Linux and other
        POSIX systems but macOS, with no other Python thread running: see
        :mod:`~leadlever.engine.scoring._fork`); 1 uses this process only. The fitted
        model is the same to the last bit either way; only the wall time differs.
    """

    def __init__(
        self,
        *,
        interactions: int | str = "auto",
        max_bins: int | str = "auto",
        monotone: dict[str, int] | None = None,
        calibration: str = "auto",
        cv: int = 3,
        drop: tuple[str, ...] | list[str] = (),
        sentinels: dict[str, list[Any]] | None = None,
        min_level_count: int = 10,
        tiers: tuple[int, ...] = (30, 65, 100),
        tier_labels: tuple[str, ...] = ("top of funnel", "middle of funnel", "bottom of funnel"),
        tier_method: str = "auto",
        random_state: int = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.interactions = interactions
        self.max_bins = max_bins
        self.monotone = monotone
        self.calibration = calibration
        self.cv = cv
        self.drop = drop
        self.sentinels = sentinels
        self.min_level_count = min_level_count
        self.tiers = tiers
        self.tier_labels = tier_labels
        self.tier_method = tier_method
        self.random_state = random_state
        self.n_jobs = n_jobs

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters (scikit-learn contract)."""
        return {n: getattr(self, n) for n in _PARAMS}

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
        def count(v, low):
            return isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= low

        _check_param(
            "interactions",
            self.interactions,
            self.interactions == "auto" or count(self.interactions, 0),
            '"auto" or an int >= 0',
        )
        _check_param(
            "max_bins",
            self.max_bins,
            self.max_bins == "auto" or count(self.max_bins, 2),
            '"auto" or an int >= 2',
        )
        mono = self.monotone or {}
        _check_param(
            "monotone",
            self.monotone,
            isinstance(mono, dict) and all(v in (-1, 0, 1) for v in mono.values()),
            "a dict {column: +1 or -1}",
        )
        _check_param(
            "calibration",
            self.calibration,
            self.calibration in CALIBRATION_METHODS,
            f"one of {CALIBRATION_METHODS}",
        )
        _check_param("cv", self.cv, count(self.cv, 2), "an int >= 2")
        jobs = self.n_jobs
        _check_param("n_jobs", jobs, jobs is None or count(jobs, 1), "None or an int >= 1")
        _check_param(
            "min_level_count", self.min_level_count, count(self.min_level_count, 1), "an int >= 1"
        )
        _check_param(
            "tier_method",
            self.tier_method,
            self.tier_method in TIER_METHODS,
            f"one of {TIER_METHODS}",
        )
        check_cutoffs(self.tiers, self.tier_labels)

    # --------------------------------------------------------------- fit
    def fit(self, X: pd.DataFrame, y: Any) -> ConversionModel:
        """Learn cells, term tables, the number of pairs, calibration and tiers.

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
        # the fitting code (scipy's LAPACK wrappers) loads only to fit, never to score
        from threadpoolctl import threadpool_limits

        from leadlever.engine.scoring._fork import fork_workers
        from leadlever.engine.scoring._gam import fit_additive

        self._validate_params()
        if not isinstance(X, pd.DataFrame):
            raise DataError("ConversionModel.fit needs a pandas DataFrame of features as X.")
        yv = _as_binary(y, len(X))
        pre = Preprocessor(
            drop=tuple(self.drop), sentinels=self.sentinels, min_level_count=self.min_level_count
        ).fit(X)
        self._check_monotone(pre)
        auto = self.max_bins == "auto"
        max_bins = min(MAX_BINS, len(yv) // ROWS_PER_CELL) if auto else self.max_bins
        bins, cells = fit_bins(pre, X, max(int(max_bins), MIN_AUTO_BINS if auto else 2))
        cap = shared_cap(bins, CELL_BUDGET, MIN_AUTO_BINS) if auto else None
        if cap is not None:
            bins, cells = fit_bins(pre, X, cap)
        # one BLAS thread: on systems this small (a few hundred unknowns) OpenBLAS threads
        # cost more than they give (Hillstrom, 64,000 rows: 0.9 s CPU vs 13 s on two)
        with threadpool_limits(limits=1, user_api="blas"):
            fit = fit_additive(
                bins,
                cells,
                yv,
                interactions=self.interactions,
                monotone=self.monotone,
                cv=int(self.cv),
                random_state=self.random_state,
                workers=fork_workers(self.n_jobs) if len(yv) >= MIN_FORK_ROWS else 1,
            )
        self.preprocessor_ = pre
        self.bins_ = bins
        self.intercept_ = float(fit.intercept)
        self.mains_ = fit.mains
        self.pairs_ = [
            {**p, "maps": [np.asarray(m, dtype=np.int64) for m in p["maps"]]} for p in fit.pairs
        ]
        budget = {"cells_per_numeric_column": cap, "all_columns_near": CELL_BUDGET}
        self.choices_ = {**fit.choices, "cell_cap": budget if cap else None}
        self.data_warnings_ = list(fit.warnings)
        self.n_features_in_ = X.shape[1]
        self.feature_names_in_ = [str(c) for c in X.columns]
        self.feature_names_ = term_names(self)
        self.calibrator_ = Calibrator(
            method=self.calibration, cv=int(self.cv), random_state=self.random_state
        ).fit(fit.oof_eta, yv)
        self.oof_eta_ = fit.oof_eta
        self.tiers_ = choose_tiers(
            self.calibrator_.predict(fit.oof_eta), self.tier_method, self.tiers, self.tier_labels
        )
        self.importance_ = term_importance(self, cells)
        self.classes_ = np.array([0, 1])
        self.base_rate_ = float(yv.mean())
        self.n_train_ = len(yv)
        return self

    def _check_monotone(self, pre: Preprocessor) -> None:
        kinds = {p["name"]: p["kind"] for p in pre.plans_}
        for column in self.monotone or {}:
            if kinds.get(column) not in ("numeric", "date"):
                found = kinds.get(column, "not a feature column")
                raise ParameterError(
                    f"The 'monotone' parameter of ConversionModel names '{column}', which is "
                    f"{found}; only numeric and date columns can be monotone. Fix the name."
                )

    def summary(self) -> dict[str, Any]:
        """What the fit chose, JSON-safe: main effects (penalty, effective degrees of
        freedom), pairs kept and tried (FAST gain), the cross-validated deviance per
        number of pairs, the calibration and any warnings."""
        self._check_fitted()
        choices = self.choices_
        return {
            "main_effects": [
                {
                    "column": m["column"],
                    "shape": "categories" if m["penalty"] == "ridge" else "smooth curve",
                    "edf": round(m["edf"], 2),
                    "monotone": m["monotone"],
                    "splines": m.get("splines"),
                }
                for m in self.mains_
            ],
            "pairs": [
                {"columns": p["columns"], "edf": round(p["edf"], 2), "fast_gain": p["fast_gain"]}
                for p in self.pairs_
            ],
            "pair_candidates": choices["candidates"],
            "n_pairs": choices["n_pairs"],
            "pairs_chosen_by": choices["mode"],
            "cv_deviance_by_n_pairs": choices["cv_deviance"],
            "calibration": self.calibrator_.method_,
            "cell_cap": choices.get("cell_cap"),
            "warnings": list(self.data_warnings_),
        }

    # ----------------------------------------------------------- predict
    def _check_fitted(self) -> None:
        if not hasattr(self, "mains_"):
            raise NotFittedError(
                "This ConversionModel is not fitted yet. Call fit(X, y) or load a model file."
            )

    def _frame(self, X: Any) -> pd.DataFrame:
        self._check_fitted()
        if not isinstance(X, pd.DataFrame):
            raise DataError("ConversionModel needs a pandas DataFrame of features.")
        return X

    def decision_function(self, X: pd.DataFrame, source: str | None = None) -> np.ndarray:
        """Uncalibrated log-odds :math:`\\eta` = intercept + sum of term contributions."""
        return evaluate_terms(self, self._frame(X), source=source).eta

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities, shape ``(n, 2)``: columns P(not converted), P(converted)."""
        eta = self.decision_function(X)
        p = self.calibrator_.predict(eta)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame, threshold: float = 0.5) -> np.ndarray:
        """1 where the calibrated probability exceeds ``threshold`` (a "predicted hit")."""
        return (self.predict_proba(X)[:, 1] > threshold).astype(np.int64)

    def contributions(self, X: pd.DataFrame, source: str | None = None) -> pd.DataFrame:
        """Log-odds contribution of every term (columns; pairs as ``"a × b"``) per lead,
        against the average training lead: ``intercept_ + sum`` = :meth:`decision_function`."""
        ev = evaluate_terms(self, self._frame(X), contributions=True, source=source)
        return pd.DataFrame(ev.contributions, columns=self.feature_names_, index=X.index)

    def term_table(self, term: str) -> pd.DataFrame:
        """The learned table of one term (a column, or ``"a × b"`` for a pair); see
        :func:`leadlever.engine.scoring._term_scoring.term_table`."""
        self._check_fitted()
        return term_table(self, term)

    def importance(self) -> pd.DataFrame:
        """Global importance per term: standard deviation of its contribution (log-odds)
        over the training leads, largest first."""
        self._check_fitted()
        return pd.DataFrame(self.importance_, columns=["column", "kind", "importance"])

    def score_table(
        self, X: pd.DataFrame, *, reasons: bool = True, source: str | None = None
    ) -> pd.DataFrame:
        """``X`` with ``p_convert``, ``score``, ``tier`` (and ``reasons``) appended."""
        return self._score(X, reasons, source)[0]

    def score_and_count(
        self, X: pd.DataFrame, *, reasons: bool = True, source: str | None = None, count_rows=None
    ) -> tuple[pd.DataFrame, dict[str, int]]:
        """:meth:`score_table` and, from the same factorisation of the columns, the counts
        of values the model was not fitted on and of shifted columns, over ``count_rows`` (a
        boolean mask; all rows by default; :func:`~._familiarity.counts_from_factors`)."""
        return self._score(X, reasons, source, count=True, count_rows=count_rows)

    def _score(
        self, X: pd.DataFrame, reasons: bool, source: str | None, count=False, count_rows=None
    ) -> tuple[pd.DataFrame, dict[str, int]]:
        ev = evaluate_terms(self, self._frame(X), contributions=reasons, source=source)
        p = self.calibrator_.predict(ev.eta)
        out = X.copy(deep=False)  # copy-on-write: new columns never touch X, no data copied
        out["p_convert"] = p
        out["score"] = score_from_p(p)
        out["tier"] = apply_tiers(p, self.tiers_)
        if reasons:
            out["reasons"] = reason_texts(self, ev, p, index=X.index)
        return out, counts_from_factors(self, ev.factors, len(X), count_rows) if count else {}

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
        check_model_version(path)
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
