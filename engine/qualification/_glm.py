r"""A small statsmodels GLM estimator with a JSON-serialisable design.

Shared by the effort, salary, resale and fit models of the qualification
profile. The mean is :math:`\mu = g^{-1}(x^\top \beta)` for the family's link
:math:`g` (log for Poisson, negative binomial and Gamma; logit for binomial;
identity for Gaussian).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import DataError, ModelFileError, NotFittedError, ParameterError
from leadlever.engine.features._design import Design, available_terms
from leadlever.engine.stats._rowdot import row_dot

__all__ = ["GLMModel", "FAMILIES"]

FAMILIES = ("poisson", "negbin", "gamma", "binomial", "gaussian")
_LOG_LINK = ("poisson", "negbin", "gamma")


class GLMModel:
    r"""Generalised linear model on feature terms (see :mod:`leadlever.engine.features._design`).

    Parameters
    ----------
    family : {"poisson", "negbin", "gamma", "binomial", "gaussian"}
        ``"negbin"`` estimates the dispersion :math:`\alpha` by the
        Cameron-Trivedi moment estimator from a Poisson fit
        (:math:`\hat\alpha = \sum((y-\mu)^2 - y) / \sum \mu^2`) and refits with
        :math:`\operatorname{Var}(y) = \mu + \alpha\mu^2`.
    terms : sequence of str
        Candidate feature terms; those whose columns are present are used.
    alpha : float
        L2 penalty (ridge) applied when the plain fit fails (separation,
        collinearity); 0 never penalises.
    """

    def __init__(self, *, family: str, terms, alpha: float = 1e-4):
        self.family = family
        self.terms = terms
        self.alpha = alpha

    def _family(self, dispersion: float = 0.0):
        import statsmodels.api as sm

        fam = sm.families
        if self.family == "poisson":
            return fam.Poisson()
        if self.family == "negbin":
            return fam.NegativeBinomial(alpha=max(dispersion, 1e-8))
        if self.family == "gamma":
            return fam.Gamma(fam.links.Log())
        if self.family == "binomial":
            return fam.Binomial()
        return fam.Gaussian()

    def fit(self, X: pd.DataFrame, y) -> GLMModel:
        """Fit on the rows of ``X`` with a finite target ``y``."""
        import statsmodels.api as sm

        if self.family not in FAMILIES:
            raise ParameterError(
                f"The 'family' parameter of GLMModel must be one of {FAMILIES}. Got {self.family!r} instead."
            )
        y = np.asarray(pd.to_numeric(pd.Series(y), errors="coerce"), dtype=float)
        ok = np.isfinite(y)
        if self.family == "gamma":
            ok &= y > 0
        if ok.sum() < 10:
            raise DataError(
                f"Only {int(ok.sum())} usable target values for the {self.family} model; at least 10 are needed."
            )
        X = X.loc[ok] if not ok.all() else X
        y = y[ok]
        terms = available_terms(list(self.terms), X.columns)
        self.design_ = Design(terms=terms).fit(X)
        Z = self.design_.transform(X)
        keep = np.ones(Z.shape[1], dtype=bool)
        keep[1:] = Z[:, 1:].std(axis=0) > 0
        self.keep_ = keep
        Z = Z[:, keep]
        self.dispersion_ = 0.0
        if self.family == "negbin":
            mu = self._glm_fit(sm, Z, y, self._family()).fittedvalues
            self.dispersion_ = float(max(((y - mu) ** 2 - y).sum() / (mu**2).sum(), 1e-8))
        res = self._glm_fit(sm, Z, y, self._family(self.dispersion_))
        self.coef_ = np.asarray(res.params, dtype=float)
        self.n_obs_ = int(len(y))
        return self

    def _glm_fit(self, sm, Z, y, family):
        from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                res = sm.GLM(y, Z, family=family).fit(wls_method="qr")
                bad = any(
                    issubclass(w.category, ConvergenceWarning | PerfectSeparationWarning)
                    for w in caught
                ) or not np.all(np.isfinite(res.params))
            except (np.linalg.LinAlgError, ValueError, OverflowError):
                bad = True
        if not bad:
            return res
        warnings.warn(
            f"The {self.family} GLM did not converge cleanly (separation or collinearity); "
            "refitting with a small ridge penalty.",
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

    def linear_predictor(self, X: pd.DataFrame, Z: np.ndarray | None = None) -> np.ndarray:
        """:math:`x^\\top\\beta`; pass ``Z = design_.transform(X)`` to reuse a matrix."""
        self._check()
        full = np.zeros(self.keep_.size)
        full[self.keep_] = self.coef_
        return row_dot(self.design_.transform(X) if Z is None else Z, full)

    def predict(self, X: pd.DataFrame, Z: np.ndarray | None = None) -> np.ndarray:
        """Predicted mean :math:`\\mu` per row."""
        eta = self.linear_predictor(X, Z)
        if self.family in _LOG_LINK:
            return np.exp(eta)
        if self.family == "binomial":
            return 1.0 / (1.0 + np.exp(-eta))
        return eta

    def to_dict(self) -> dict[str, Any]:
        self._check()
        return {
            "family": self.family,
            "terms": list(self.terms),
            "alpha": self.alpha,
            "design": self.design_.to_dict(),
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
                model, family=data["family"], terms=data["terms"], alpha=data["alpha"]
            )
            model.design_ = Design.from_dict(data["design"])
            model.keep_ = np.asarray(data["keep"], dtype=bool)
            model.coef_ = np.asarray(data["coef"], dtype=float)
            model.dispersion_ = float(data["dispersion"])
            model.n_obs_ = int(data["n_obs"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"Invalid {cls.__name__} entry in the model file: {exc}.") from exc
        return model
