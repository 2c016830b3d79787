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
from leadlever.engine.features._preprocessing import Preprocessor
from leadlever.engine.io._schema import coerce_binary
from leadlever.engine.qualification._glm import (
    GLMModel,
    design_dot,
    feature_columns,
    fit_features,
    independent_columns,
)

__all__ = ["FitModel", "ROLE_COLUMN"]

#: the lead-table column whose categories the role model predicts
ROLE_COLUMN = "role_category"


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
    columns : sequence of str, optional
        Feature columns of the feedback logit; default every column of ``X`` except
        outcome columns.
    role_column : str
        Column of role categories; when present, a multinomial logit of it on the other
        features is fitted too, so target roles can change without a refit.
    """

    def __init__(self, *, columns=None, role_column: str = ROLE_COLUMN):
        self.columns = columns
        self.role_column = role_column

    def fit(self, X: pd.DataFrame, y=None) -> FitModel:
        """Fit the feedback logit on ``y`` (1/0, yes/no; default ``X["fit_feedback"]``) and,
        when ``role_column`` is present, the role multinomial."""
        if y is None:
            if "fit_feedback" not in X.columns:
                raise MissingColumnsError(
                    "The history lacks 'fit_feedback', needed for the strategic-fit model. "
                    "Add the client feedback (1 good fit, 0 not) for closed leads, or name the "
                    "column with --fit-col.",
                    ["fit_feedback"],
                    {},
                )
            y = X["fit_feedback"]
        coded = coerce_binary(pd.Series(np.asarray(y, dtype=object)), column="fit feedback")
        values = coded.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        self.feedback_ = GLMModel(family="binomial", columns=self.columns).fit(X, values)
        self.roles_ = None
        self.role_levels_: list[str] = []
        if self.role_column in X.columns:
            self._fit_roles(X)
        return self

    def _fit_roles(self, X: pd.DataFrame) -> None:
        roles = X[self.role_column].astype("string")
        ok = roles.notna().to_numpy()
        levels = sorted(roles[ok].unique().tolist())
        if len(levels) < 2:
            return
        base = self.columns if self.columns is not None else feature_columns(X)
        columns = [c for c in base if c != self.role_column]
        pre = fit_features(X.loc[ok], columns)
        Z = np.column_stack([np.ones(int(ok.sum())), pre.transform(X.loc[ok, columns])])
        keep = independent_columns(Z)
        codes = pd.Categorical(roles[ok], categories=levels).codes
        params = _softmax_fit(Z[:, keep], codes, len(levels))
        self.roles_ = {"features": pre, "columns": columns, "keep": keep, "coef": params}
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
                f"The role model was not fitted (no '{self.role_column}' in the history)."
            )
        r = self.roles_
        r["features"].check_columns(X)
        full = np.zeros((r["keep"].size, r["coef"].shape[1]))
        full[r["keep"]] = r["coef"]
        eta = np.column_stack(
            [np.zeros(len(X))]
            + [full[0, k] + design_dot(r["features"], X, full[1:, k]) for k in range(full.shape[1])]
        )
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
            r = self.roles_
            roles = {
                "features": r["features"].to_dict(),
                "columns": list(r["columns"]),
                "keep": r["keep"].astype(int).tolist(),
                "coef": r["coef"].tolist(),
                "levels": self.role_levels_,
            }
        return {
            "kind": "fit",
            "columns": self.columns,
            "role_column": self.role_column,
            "feedback": self.feedback_.to_dict(),
            "roles": roles,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FitModel:
        model = cls(columns=data["columns"], role_column=data["role_column"])
        model.feedback_ = GLMModel.from_dict(data["feedback"])
        model.roles_ = None
        model.role_levels_ = []
        if data.get("roles"):
            r = data["roles"]
            model.roles_ = {
                "features": Preprocessor.from_dict(r["features"]),
                "columns": list(r["columns"]),
                "keep": np.asarray(r["keep"], dtype=bool),
                "coef": np.asarray(r["coef"], dtype=float),
            }
            model.role_levels_ = list(r["levels"])
        return model
