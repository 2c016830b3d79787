"""A stand-in conversion model for tests (the real one is engine.ConversionModel, issue 3).

Same contract: keyword-only constructor, fit(X, y) -> self, predict_proba(X) -> (n, 2),
to_dict / from_dict. A plain logistic regression on a few numeric columns.
"""

from __future__ import annotations

import numpy as np
import statsmodels.api as sm

from engine.design import Design, available_terms

TERMS = [
    "skills_match",
    "log1p:site_visits",
    "log1p:downloads",
    "log1p:email_clicks",
    "years_experience",
    "days_since_last_activity",
    "ratio:expected_salary/current_salary",
    "cat:role_category",
    "cat:channel",
    "cat:country",
]


class StubConversion:
    def __init__(self, *, alpha: float = 0.0):
        self.alpha = alpha

    def fit(self, X, y):
        self.design_ = Design(terms=available_terms(TERMS, X.columns)).fit(X)
        self.coef_ = np.asarray(
            sm.Logit(np.asarray(y, float), self.design_.transform(X)).fit(disp=0).params
        )
        return self

    def predict_proba(self, X):
        p = 1 / (1 + np.exp(-(self.design_.transform(X) @ self.coef_)))
        return np.column_stack([1 - p, p])

    def to_dict(self):
        return {"design": self.design_.to_dict(), "coef": self.coef_.tolist()}

    @classmethod
    def from_dict(cls, data):
        m = cls()
        m.design_ = Design.from_dict(data["design"])
        m.coef_ = np.asarray(data["coef"])
        return m
