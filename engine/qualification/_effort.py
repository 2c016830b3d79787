r"""Ease of delivery: expected consultant effort.

Log-link GLMs on closed leads, on the export's own features:

* hours :math:`h` with a Poisson quasi-likelihood (valid for non-negative
  continuous amounts), :math:`E[h \mid x] = e^{x^\top\beta_h}`;
* interactions :math:`N` (when the export records them) with a negative binomial
  (default) or Poisson count model, :math:`E[N \mid x] = e^{x^\top\beta_N}`.

The expected delivery cost is :math:`D = c_h\,E[h \mid x] + L_p + A`
(:meth:`leadlever.engine.economics.Economics.delivery_cost`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import MissingColumnsError, NotFittedError, ParameterError
from leadlever.engine.qualification._glm import GLMModel

__all__ = ["EffortModel", "delivery_cost"]


def delivery_cost(expected_hours, hourly_rate: float) -> np.ndarray:
    """Consultant-time cost :math:`c_h E[h]` (EUR); the full delivery cost adds legal fees and
    overhead (:meth:`leadlever.engine.economics.Economics.delivery_cost`)."""
    if not np.isfinite(hourly_rate) or hourly_rate < 0:
        raise ParameterError(
            f"The 'hourly_rate' parameter must be a number >= 0. Got {hourly_rate!r} instead."
        )
    return np.asarray(expected_hours, dtype=float) * float(hourly_rate)


class EffortModel:
    """Expected consultant hours (and interactions, when recorded) per lead.

    Parameters
    ----------
    count_family : {"negbin", "poisson"}
        Family of the interactions model.
    columns : sequence of str, optional
        Feature columns; default every column of ``X`` except outcome columns.
    """

    def __init__(self, *, count_family: str = "negbin", columns=None):
        self.count_family = count_family
        self.columns = columns

    def fit(
        self,
        X: pd.DataFrame,
        hours=None,
        interactions=None,
    ) -> EffortModel:
        """Fit on closed leads: ``hours`` (default ``X["effort_hours"]``) and, when given
        (default ``X["n_interactions"]`` if present), the interaction counts."""
        if self.count_family not in ("negbin", "poisson"):
            raise ParameterError(
                "The 'count_family' parameter of EffortModel must be 'negbin' or 'poisson'. "
                f"Got {self.count_family!r} instead."
            )
        if hours is None:
            if "effort_hours" not in X.columns:
                raise MissingColumnsError(
                    "The history lacks 'effort_hours', needed for the effort model. Add the "
                    "consultant hours of closed leads (or name the column with --effort-col).",
                    ["effort_hours"],
                    {},
                )
            hours = X["effort_hours"]
        if interactions is None and "n_interactions" in X.columns:
            interactions = X["n_interactions"]
        self.hours_ = GLMModel(family="poisson", columns=self.columns).fit(X, hours)
        self.count_ = (
            None
            if interactions is None
            else GLMModel(family=self.count_family, columns=self.columns).fit(X, interactions)
        )
        return self

    def _check(self) -> None:
        if not hasattr(self, "hours_"):
            raise NotFittedError("This EffortModel is not fitted yet. Call fit first.")

    def predict_interactions(self, X: pd.DataFrame) -> np.ndarray:
        """Expected interactions (NaN when none were recorded)."""
        self._check()
        if self.count_ is None:
            return np.full(len(X), np.nan)
        return self.count_.predict(X)

    def predict_hours(self, X: pd.DataFrame) -> np.ndarray:
        """Expected consultant hours :math:`E[h \\mid x]`."""
        self._check()
        return self.hours_.predict(X)

    def to_dict(self) -> dict[str, Any]:
        self._check()
        return {
            "kind": "effort",
            "count_family": self.count_family,
            "columns": self.columns,
            "count": None if self.count_ is None else self.count_.to_dict(),
            "hours": self.hours_.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EffortModel:
        model = cls(count_family=data["count_family"], columns=data["columns"])
        model.count_ = None if data["count"] is None else GLMModel.from_dict(data["count"])
        model.hours_ = GLMModel.from_dict(data["hours"])
        return model
