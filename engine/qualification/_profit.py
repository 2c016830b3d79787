r"""Profit potential: expected starting salary, commission and resale value.

* Value: a Gamma GLM with log link on what won leads were worth (positive,
  right-skewed amounts with roughly constant coefficient of variation),
  :math:`E[S \mid x] = e^{x^\top\beta}`: a placed candidate's starting salary, or a
  won deal's value.
* Commission: for a salary, :math:`K = r\,E[S \mid x]` with the economics' commission
  rate :math:`r` (0.20 by default, the case study's 20%); for a deal value, :math:`K = E[S \mid x]`.
* Resale: where partners' prices are known, a linear model of the price on
  the lead's predicted conversion and fit probabilities,
  :math:`E[R] = \gamma_0 + \gamma_1 p + \gamma_2\,p\,p_{fit}`, fitted on the
  leads that were sold.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import MissingColumnsError, NotFittedError, ParameterError
from leadlever.engine.qualification._glm import GLMModel

__all__ = ["ValueModel", "ResaleModel", "expected_commission"]


def expected_commission(expected_salary, rate: float) -> np.ndarray:
    """Commission :math:`r\\,E[S]` (the rate comes from the economics, 0.20 by default)."""
    if not np.isfinite(rate) or not 0 <= rate <= 1:
        raise ParameterError(
            f"The 'commission_rate' parameter must be in [0, 1]. Got {rate!r} instead."
        )
    return float(rate) * np.asarray(expected_salary, dtype=float)


class ValueModel(GLMModel):
    """Gamma GLM (log link) of what a won lead is worth: a placed candidate's starting
    salary or a won deal's value.

    Parameters
    ----------
    columns : sequence of str, optional
        Feature columns; default every column of ``X`` except outcome columns.
    """

    def __init__(self, *, columns=None):
        super().__init__(family="gamma", columns=columns)

    def fit(self, X: pd.DataFrame, y=None) -> ValueModel:
        """Fit on rows with a positive ``y`` (default ``X["placement_salary"]``)."""
        if y is None:
            if "placement_salary" not in X.columns:
                raise MissingColumnsError(
                    "The history lacks 'placement_salary', needed for the value model. Add the "
                    "starting salary of placed leads (or name a value column with --value-col).",
                    ["placement_salary"],
                    {},
                )
            y = X["placement_salary"]
        super().fit(X, y)
        return self


class ResaleModel:
    """Linear model of partners' resale prices on ``p_convert`` and ``p_fit``."""

    def fit(self, p_convert, p_fit, resale) -> ResaleModel:
        r = np.asarray(pd.to_numeric(pd.Series(resale), errors="coerce"), dtype=float)
        p = np.asarray(p_convert, dtype=float)
        f = np.asarray(p_fit, dtype=float)
        ok = np.isfinite(r) & np.isfinite(p) & np.isfinite(f)
        self.n_obs_ = int(ok.sum())
        if self.n_obs_ < 10:
            self.coef_ = None  # not enough sales to learn a price
            return self
        A = np.column_stack([np.ones(self.n_obs_), p[ok], p[ok] * f[ok]])
        self.coef_, *_ = np.linalg.lstsq(A, r[ok], rcond=None)
        return self

    def predict(self, p_convert, p_fit) -> np.ndarray:
        """Expected resale price (NaN when no prices were known)."""
        if not hasattr(self, "coef_"):
            raise NotFittedError("This ResaleModel is not fitted yet. Call fit first.")
        p = np.asarray(p_convert, dtype=float)
        if self.coef_ is None:
            return np.full(p.shape, np.nan)
        f = np.asarray(p_fit, dtype=float)
        return np.maximum(self.coef_[0] + self.coef_[1] * p + self.coef_[2] * p * f, 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "resale",
            "coef": None if self.coef_ is None else list(map(float, self.coef_)),
            "n_obs": self.n_obs_,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResaleModel:
        model = cls()
        model.coef_ = None if data["coef"] is None else np.asarray(data["coef"], dtype=float)
        model.n_obs_ = int(data["n_obs"])
        return model
