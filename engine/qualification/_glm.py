r"""A small statsmodels GLM on the export's own features (one feature builder for all).

Shared by the effort, value and fit models of the qualification profile. Features are
built by :class:`leadlever.engine.features.Preprocessor` from whatever columns the export
has (numbers standardised and median-imputed with a missing indicator, categories
one-hot against their most frequent level, rare levels pooled); columns that are
constant or a linear combination of earlier ones are left out. The mean is
:math:`\mu = g^{-1}(\beta_0 + x^\top \beta)` for the family's link :math:`g` (log for
Poisson, negative binomial and Gamma; logit for binomial; identity for Gaussian).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import DataError, ModelFileError, NotFittedError, ParameterError
from leadlever.engine.features._preprocessing import Preprocessor
from leadlever.engine.io._lead_schema import is_outcome_column
from leadlever.engine.stats._rowdot import row_dot

__all__ = [
    "GLMModel",
    "FAMILIES",
    "feature_columns",
    "fit_features",
    "independent_columns",
    "design_dot",
    "RANK_TOLERANCE",
]

FAMILIES = ("poisson", "negbin", "gamma", "binomial", "gaussian")
_LOG_LINK = ("poisson", "negbin", "gamma")
#: relative size of a pivoted-QR diagonal below which a design column counts as dependent
RANK_TOLERANCE = 1e-8
#: the least dispersion a negative binomial keeps (its variance is then Poisson's)
_MIN_DISPERSION = 1e-8
#: least categorical level count in the qualification models' features
MIN_LEVEL_COUNT = 10
#: knots of the restricted cubic splines on numeric features (curved effects, e.g. a
#: salary acting on the log scale)
SPLINE_KNOTS = 4


def feature_columns(frame: pd.DataFrame, exclude: Sequence[str] = ()) -> list[str]:
    """Columns usable as features: all but ``exclude`` and the shared vocabulary's outcome
    and ground-truth columns (``converted``, ``effort_hours``, ``true_*`` ...)."""
    skip = set(map(str, exclude))
    return [str(c) for c in frame.columns if str(c) not in skip and not is_outcome_column(str(c))]


def fit_features(
    frame: pd.DataFrame, columns: Sequence[str], *, splines: int = SPLINE_KNOTS
) -> Preprocessor:
    """A :class:`Preprocessor` (``splines`` knots on numbers) fitted on ``frame[columns]``.

    Its notices (e.g. a column unique within a small subset) are not repeated here: the
    export checks of ``qualify fit`` announced the columns left out.
    """
    with warnings.catch_warnings():  # said once already by qualify fit's export checks
        warnings.simplefilter("ignore", UserWarning)
        return Preprocessor(min_level_count=MIN_LEVEL_COUNT, spline_knots=splines).fit(
            frame[list(columns)]
        )


def design_dot(pre: Preprocessor, X: pd.DataFrame, w: np.ndarray) -> np.ndarray:
    r""":math:`\sum_k w_k x_{ik}` over the preprocessor's design columns, per row.

    Column by column through the preprocessor's per-column contributions (each distinct
    value encoded once), so scoring a million leads never builds the design matrix; falls
    back to the design matrix (summed row by row, :func:`row_dot`, so a row's value does not
    depend on the rows scored with it) when the preprocessor offers no such path.
    """
    w = np.asarray(w, dtype=float)
    if not hasattr(pre, "plan_contribution"):
        return row_dot(pre.transform(X), w)
    eta = np.zeros(len(X))
    pos = 0
    for plan in pre.plans_:
        width = pre.plan_width(plan)
        part = w[pos : pos + width]
        if np.any(part):
            eta += pre.plan_contribution(plan, X[plan["name"]], part)
        pos += width
    return eta


def independent_columns(Z: np.ndarray, *, keep_first: bool = True) -> np.ndarray:
    """Mask of the columns of ``Z`` that are not constant and not a linear combination of
    others (pivoted QR on the centred columns; ``keep_first`` always keeps column 0, the
    intercept)."""
    from scipy.linalg import qr

    n, p = Z.shape
    keep = np.zeros(p, dtype=bool)
    start = 1 if keep_first else 0
    keep[:start] = True
    if p <= start or n == 0:
        return keep
    body = Z[:, start:] - Z[:, start:].mean(axis=0)
    norms = np.sqrt((body**2).sum(axis=0))
    live = norms > RANK_TOLERANCE * max(1.0, float(norms.max(initial=0.0)))
    if not live.any():
        return keep
    sub = body[:, live] / norms[live]
    _, r, piv = qr(sub, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    rank = int((diag > RANK_TOLERANCE * diag[0]).sum()) if diag.size else 0
    chosen = np.flatnonzero(live)[np.sort(piv[:rank])]
    keep[start + chosen] = True
    return keep


class GLMModel:
    r"""Generalised linear model on an export's features (see the module docstring).

    Parameters
    ----------
    family : {"poisson", "negbin", "gamma", "binomial", "gaussian"}
        ``"negbin"`` estimates the dispersion :math:`\alpha` by the Cameron-Trivedi
        moment estimator from a Poisson fit
        (:math:`\hat\alpha = \sum((y-\mu)^2 - y) / \sum \mu^2`) and refits with
        :math:`\operatorname{Var}(y) = \mu + \alpha\mu^2`.
    columns : sequence of str, optional
        Feature columns; default every column of ``X`` except outcome columns.
    alpha : float
        L2 penalty (ridge) applied when the plain fit fails (separation); 0 never penalises.
    """

    def __init__(self, *, family: str, columns: Sequence[str] | None = None, alpha: float = 1e-4):
        self.family = family
        self.columns = columns
        self.alpha = alpha

    def _family(self, dispersion: float = 0.0):
        import statsmodels.api as sm

        fam = sm.families
        if self.family == "poisson":
            return fam.Poisson()
        if self.family == "negbin":
            return fam.NegativeBinomial(alpha=max(dispersion, _MIN_DISPERSION))
        if self.family == "gamma":
            return fam.Gamma(fam.links.Log())
        if self.family == "binomial":
            return fam.Binomial()
        return fam.Gaussian()

    def _design(self, X: pd.DataFrame) -> np.ndarray:
        Z = self.preprocessor_.transform(X[self.columns_])
        return np.column_stack([np.ones(len(X)), Z])

    def fit(self, X: pd.DataFrame, y: Any) -> GLMModel:
        """Fit on the rows of ``X`` with a finite target ``y`` (positive for Gamma)."""
        import statsmodels.api as sm

        if self.family not in FAMILIES:
            raise ParameterError(
                f"The 'family' parameter of GLMModel must be one of {FAMILIES}. Got {self.family!r} instead."
            )
        y = np.asarray(pd.to_numeric(pd.Series(np.asarray(y)), errors="coerce"), dtype=float)
        if y.shape[0] != len(X):
            raise DataError(f"X has {len(X)} rows but y has {y.shape[0]}.")
        ok = np.isfinite(y)
        if self.family == "gamma":
            ok &= y > 0
        if ok.sum() < 10:
            raise DataError(
                f"Only {int(ok.sum())} usable target values for the {self.family} model; at least 10 are needed."
            )
        X = X.loc[ok] if not ok.all() else X
        y = y[ok]
        self.columns_ = list(self.columns) if self.columns is not None else feature_columns(X)
        self.preprocessor_ = fit_features(X, self.columns_)
        Z = self._design(X)
        self.keep_ = independent_columns(Z)
        Z = Z[:, self.keep_]
        self.dispersion_ = 0.0
        if self.family == "negbin":
            mu = self._glm_fit(sm, Z, y, self._family()).fittedvalues
            self.dispersion_ = float(
                max(((y - mu) ** 2 - y).sum() / (mu**2).sum(), _MIN_DISPERSION)
            )
        res = self._glm_fit(sm, Z, y, self._family(self.dispersion_))
        self.coef_ = np.asarray(res.params, dtype=float)
        self.n_obs_ = int(len(y))
        return self

    def _glm_fit(self, sm, Z, y, family):
        from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

        # record statsmodels' warnings to detect a bad fit: a non-converged or separated fit
        # is refitted with a ridge penalty and says so in one warning below; a clean fit
        # drops them (nothing is wrong with it)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                res = sm.GLM(y, Z, family=family).fit()
                bad = any(
                    issubclass(w.category, ConvergenceWarning | PerfectSeparationWarning)
                    for w in caught
                ) or not np.all(np.isfinite(res.params))
            except (np.linalg.LinAlgError, ValueError, OverflowError):
                bad = True
        if not bad:
            return res
        warnings.warn(
            f"The {self.family} GLM did not converge cleanly (separation); refitting with a "
            "small ridge penalty.",
            RuntimeWarning,
            stacklevel=3,
        )
        model = sm.GLM(y, Z, family=family)
        res = model.fit_regularized(alpha=max(self.alpha, 1e-4), L1_wt=0.0)
        res.fittedvalues = model.predict(res.params)
        return res

    def _check(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet. Call fit first.")

    def linear_predictor(self, X: pd.DataFrame) -> np.ndarray:
        """:math:`\\beta_0 + x^\\top\\beta` per row (without building the design matrix)."""
        self._check()
        self.preprocessor_.check_columns(X)  # a missing column is named, with its fix
        full = np.zeros(self.keep_.size)
        full[self.keep_] = self.coef_
        return full[0] + design_dot(self.preprocessor_, X, full[1:])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted mean :math:`\\mu` per row."""
        eta = self.linear_predictor(X)
        if self.family in _LOG_LINK:
            return np.exp(eta)
        if self.family == "binomial":
            return 1.0 / (1.0 + np.exp(-eta))
        return eta

    def to_dict(self) -> dict[str, Any]:
        self._check()
        return {
            "family": self.family,
            "columns": list(self.columns_),
            "alpha": self.alpha,
            "features": self.preprocessor_.to_dict(),
            "keep": self.keep_.astype(int).tolist(),
            "coef": self.coef_.tolist(),
            "dispersion": self.dispersion_,
            "n_obs": self.n_obs_,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        try:
            model = cls.__new__(cls)
            GLMModel.__init__(
                model, family=data["family"], columns=data["columns"], alpha=data["alpha"]
            )
            model.columns_ = list(data["columns"])
            model.preprocessor_ = Preprocessor.from_dict(data["features"])
            model.keep_ = np.asarray(data["keep"], dtype=bool)
            model.coef_ = np.asarray(data["coef"], dtype=float)
            model.dispersion_ = float(data["dispersion"])
            model.n_obs_ = int(data["n_obs"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"Invalid {cls.__name__} entry in the model file: {exc}.") from exc
        return model
