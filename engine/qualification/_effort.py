r"""Ease of delivery: expected consultant effort and delivery cost.

Two log-link GLMs on closed leads:

* interactions :math:`N` with a negative binomial (default) or Poisson count
  model, :math:`E[N \mid x] = e^{x^\top\beta_N}`;
* hours :math:`h` with a Poisson quasi-likelihood (valid for non-negative
  continuous amounts), :math:`E[h \mid x] = e^{x^\top\beta_h}`.

The expected delivery cost at hourly rate :math:`c_h` is
:math:`C = c_h\,E[h \mid x]`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import MissingColumnsError, NotFittedError, ParameterError
from leadlever.engine.qualification._glm import GLMModel

__all__ = ["EffortModel", "EFFORT_TERMS", "delivery_cost"]

EFFORT_TERMS = (
    "skills_match",
    "ratio:expected_salary/current_salary",
    "years_experience",
    "cat:role_category",
    "cat:education",
)


def delivery_cost(expected_hours, hourly_rate: float) -> np.ndarray:
    """Expected delivery cost :math:`c_h E[h]` (EUR)."""
    if not np.isfinite(hourly_rate) or hourly_rate < 0:
        raise ParameterError(
            f"The 'hourly_rate' parameter must be a number >= 0. Got {hourly_rate!r} instead."
        )
    return np.asarray(expected_hours, dtype=float) * float(hourly_rate)


class EffortModel:
    """Expected interactions and hours per lead.

    Parameters
    ----------
    count_family : {"negbin", "poisson"}
    terms : sequence of str, optional
        Feature terms; default :data:`EFFORT_TERMS`.
    """

    def __init__(self, *, count_family: str = "negbin", terms=None):
        self.count_family = count_family
        self.terms = terms

    def fit(self, X: pd.DataFrame, y: pd.DataFrame | None = None) -> EffortModel:
        """Fit on closed leads; ``y`` has ``n_interactions`` and ``effort_hours`` (default: from ``X``)."""
        if self.count_family not in ("negbin", "poisson"):
            raise ParameterError(
                "The 'count_family' parameter of EffortModel must be 'negbin' or 'poisson'. "
                f"Got {self.count_family!r} instead."
            )
        y = X if y is None else y
        missing = [c for c in ("n_interactions", "effort_hours") if c not in y.columns]
        if missing:
            raise MissingColumnsError(
                f"The history lacks {missing}, needed for the effort model. Add the consultant "
                "interactions and hours of closed leads.",
                missing,
                {},
            )
        terms = list(self.terms) if self.terms is not None else list(EFFORT_TERMS)
        self.count_ = GLMModel(family=self.count_family, terms=terms).fit(X, y["n_interactions"])
        self.hours_ = GLMModel(family="poisson", terms=terms).fit(X, y["effort_hours"])
        return self

    def _check(self) -> None:
        if not hasattr(self, "hours_"):
            raise NotFittedError("This EffortModel is not fitted yet. Call fit first.")

    def predict_interactions(self, X: pd.DataFrame) -> np.ndarray:
        self._check()
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
            "terms": self.terms,
            "count": self.count_.to_dict(),
            "hours": self.hours_.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EffortModel:
        model = cls(count_family=data["count_family"], terms=data["terms"])
        model.count_ = GLMModel.from_dict(data["count"])
        model.hours_ = GLMModel.from_dict(data["hours"])
        return model
