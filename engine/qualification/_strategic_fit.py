r"""Strategic fit: the probability that a lead fits the agency's target roles.

Two models, both fitted once, chosen at apply time by configuration:

* feedback (default): a binary logit on clients' hiring-manager feedback
  (``fit_feedback``), :math:`p_{fit} = \sigma(x^\top\beta)`;
* roles: a multinomial logit of the role category on the candidate's profile,
  :math:`P(role = r \mid x) = e^{x^\top\beta_r} / \sum_s e^{x^\top\beta_s}`,
  and :math:`p_{fit} = \sum_{r \in T} P(role = r \mid x)` for the configured
  target roles :math:`T`. When strategy moves (data scientists today, BI
  engineers tomorrow) only :math:`T` changes: no model is refitted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import (
    DataError,
    MissingColumnsError,
    NotFittedError,
    ParameterError,
)
from leadlever.engine.features._design import Design, available_terms
from leadlever.engine.qualification._glm import GLMModel
from leadlever.engine.stats._rowdot import row_dot

__all__ = ["FitModel", "FIT_TERMS", "ROLE_TERMS"]

FIT_TERMS = ("cat:role_category", "skills_match", "years_experience", "cat:education")
ROLE_TERMS = (
    "log:current_salary",
    "skills_match",
    "years_experience",
    "cat:education",
    "cat:industry",
)


def _softmax_fit(Z: np.ndarray, codes: np.ndarray, k: int, l2: float = 1e-4) -> np.ndarray:
    r"""Multinomial logit by Newton's method (first class is the reference).

    Maximises :math:`\frac1n\sum_i \log \pi_{i,y_i} - \frac{\lambda}{2}\lVert B\rVert^2`;
    gradient :math:`Z^\top(Y - \Pi)/n - \lambda B`, Hessian blocks
    :math:`-Z^\top \operatorname{diag}(\pi_a(\delta_{ab} - \pi_b)) Z / n - \lambda I`.
    Returns :math:`B` of shape (p, k-1).
    """
    n, p = Z.shape
    m = k - 1
    Y = np.zeros((n, k))
    Y[np.arange(n), codes] = 1.0

    def probs(b):
        eta = np.column_stack([np.zeros(n), Z @ b.reshape(p, m, order="F")])
        eta -= eta.max(axis=1, keepdims=True)
        logp = eta - np.log(np.exp(eta).sum(axis=1, keepdims=True))
        return logp

    def objective(b):
        return float((probs(b) * Y).sum() / n - 0.5 * l2 * (b @ b))

    b = np.zeros(p * m)
    obj = objective(b)
    for _ in range(100):
        P = np.exp(probs(b))[:, 1:]
        grad = (Z.T @ (Y[:, 1:] - P)).ravel(order="F") / n - l2 * b
        H = np.empty((p * m, p * m))
        for a in range(m):
            for c in range(a, m):
                w = P[:, a] * ((a == c) - P[:, c])
                blk = (Z * w[:, None]).T @ Z / n
                H[a * p : (a + 1) * p, c * p : (c + 1) * p] = blk
                H[c * p : (c + 1) * p, a * p : (a + 1) * p] = blk.T
        step = np.linalg.solve(H + l2 * np.eye(p * m), grad)
        t = 1.0
        while objective(b + t * step) < obj - 1e-12 and t > 1e-4:
            t /= 2
        b = b + t * step
        new = objective(b)
        done = abs(new - obj) < 1e-10 and np.max(np.abs(t * step)) < 1e-7
        obj = new
        if done:
            break
    params = b.reshape(p, m, order="F")
    if not np.all(np.isfinite(params)):
        raise DataError(
            "The role-category model did not converge; check the 'role_category' column."
        )
    return params


class FitModel:
    """Strategic-fit probability from feedback (binary) and role categories (multinomial).

    Parameters
    ----------
    terms : sequence of str, optional
        Terms of the feedback logit (default :data:`FIT_TERMS`).
    role_terms : sequence of str, optional
        Terms of the role multinomial (default :data:`ROLE_TERMS`).
    """

    def __init__(self, *, terms=None, role_terms=None):
        self.terms = terms
        self.role_terms = role_terms

    def fit(self, X: pd.DataFrame, y=None) -> FitModel:
        """Fit the feedback logit on ``y`` (default ``X["fit_feedback"]``) and, when
        ``role_category`` is present, the role multinomial."""
        if y is None:
            if "fit_feedback" not in X.columns:
                raise MissingColumnsError(
                    "The history lacks 'fit_feedback', needed for the strategic-fit model. "
                    "Add the client feedback (1 good fit, 0 not) for closed leads.",
                    ["fit_feedback"],
                    {},
                )
            y = X["fit_feedback"]
        terms = list(self.terms) if self.terms is not None else list(FIT_TERMS)
        self.feedback_ = GLMModel(family="binomial", terms=terms).fit(X, y)
        self.roles_ = None
        self.role_levels_: list[str] = []
        if "role_category" in X.columns:
            self._fit_roles(X)
        return self

    def _fit_roles(self, X: pd.DataFrame) -> None:
        roles = X["role_category"].astype("string")
        ok = roles.notna().to_numpy()
        levels = sorted(roles[ok].unique().tolist())
        if len(levels) < 2:
            return
        terms = available_terms(list(self.role_terms or ROLE_TERMS), X.columns)
        design = Design(terms=terms).fit(X.loc[ok])
        Z = design.transform(X.loc[ok])
        codes = pd.Categorical(roles[ok], categories=levels).codes
        params = _softmax_fit(Z, codes, len(levels))
        self.roles_ = {"design": design, "coef": params}
        self.role_levels_ = levels

    def _check(self) -> None:
        if not hasattr(self, "feedback_"):
            raise NotFittedError("This FitModel is not fitted yet. Call fit first.")

    def predict_feedback(self, X: pd.DataFrame) -> np.ndarray:
        """:math:`P(\\text{good fit feedback} \\mid x)`."""
        self._check()
        return self.feedback_.predict(X)

    def predict_roles(self, X: pd.DataFrame) -> pd.DataFrame:
        """Probability of each role category (columns = roles)."""
        self._check()
        if self.roles_ is None:
            raise NotFittedError(
                "The role model was not fitted (no 'role_category' in the history)."
            )
        eta = row_dot(self.roles_["design"].transform(X), self.roles_["coef"])
        eta = np.column_stack([np.zeros(len(X)), eta])
        eta -= eta.max(axis=1, keepdims=True)
        prob = np.exp(eta)
        prob /= prob.sum(axis=1, keepdims=True)
        return pd.DataFrame(prob, columns=self.role_levels_, index=X.index)

    def predict(self, X: pd.DataFrame, target_roles=None) -> np.ndarray:
        """:math:`p_{fit}`: feedback logit, or the summed role probabilities of ``target_roles``."""
        if target_roles is None:
            return self.predict_feedback(X)
        unknown = [r for r in target_roles if r not in self.role_levels_]
        if unknown or not target_roles:
            raise ParameterError(
                f"The 'target_roles' setting must name roles seen in the history {self.role_levels_}. "
                f"Got {list(target_roles)!r} instead."
            )
        return self.predict_roles(X)[list(target_roles)].sum(axis=1).to_numpy()

    def to_dict(self) -> dict[str, Any]:
        self._check()
        roles = None
        if self.roles_ is not None:
            roles = {
                "design": self.roles_["design"].to_dict(),
                "coef": self.roles_["coef"].tolist(),
                "levels": self.role_levels_,
            }
        return {
            "kind": "fit",
            "terms": self.terms,
            "role_terms": self.role_terms,
            "feedback": self.feedback_.to_dict(),
            "roles": roles,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FitModel:
        model = cls(terms=data["terms"], role_terms=data["role_terms"])
        model.feedback_ = GLMModel.from_dict(data["feedback"])
        model.roles_ = None
        model.role_levels_ = []
        if data.get("roles"):
            model.roles_ = {
                "design": Design.from_dict(data["roles"]["design"]),
                "coef": np.asarray(data["roles"]["coef"], dtype=float),
            }
            model.role_levels_ = list(data["roles"]["levels"])
        return model
