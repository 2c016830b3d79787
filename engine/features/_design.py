"""Small, JSON-serialisable design matrices for the qualification models.

A :class:`Design` turns raw lead columns into a numeric matrix from a list of
feature terms, learns what it needs (medians, means, scales, category levels)
in :meth:`Design.fit`, and stores all of it as plain JSON so a saved model can
be re-applied without pickle. Terms:

``col``                         numeric column, standardised
``log1p:col``                   :math:`\\log(1 + x)`, standardised
``log:col``                     :math:`\\log x` (x > 0), not standardised
``ratio:a/b``                   :math:`a / b`, standardised
``cat:col``                     one-hot of the categories seen in fit (first level
                                dropped as the reference; unseen levels -> reference)

Missing numeric values are replaced by the training median.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import ModelFileError, NotFittedError
from leadlever.engine.io._schema import require_columns

__all__ = ["Design", "available_terms", "term_columns"]


def term_columns(term: str) -> list[str]:
    """The raw columns a term reads."""
    kind, _, rest = term.partition(":")
    if not rest:
        return [term]
    if kind == "ratio":
        return rest.split("/")
    return [rest]


def available_terms(terms: list[str] | tuple[str, ...], columns) -> list[str]:
    """The terms whose raw columns are all in ``columns``."""
    cols = set(columns)
    return [t for t in terms if all(c in cols for c in term_columns(t))]


def _raw(frame: pd.DataFrame, term: str) -> np.ndarray:
    kind, _, rest = term.partition(":")
    if not rest:
        return pd.to_numeric(frame[term], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if kind == "ratio":
        a, b = rest.split("/")
        num = pd.to_numeric(frame[a], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        den = pd.to_numeric(frame[b], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):  # x/0: made NaN on the next line
            out = num / den
        out[~np.isfinite(out)] = np.nan
        return out
    x = pd.to_numeric(frame[rest], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    # log/sqrt of values outside the domain give NaN (missing), as the feature builder wants
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "log1p":
            return np.log1p(np.maximum(x, 0.0))
        if kind == "log":
            out = np.log(x)
            out[~np.isfinite(out)] = np.nan
            return out
    raise ModelFileError(
        f"Unknown feature term '{term}'. Use col, log1p:col, log:col, ratio:a/b or cat:col."
    )


def _level_codes(series: pd.Series, levels: list[str]) -> np.ndarray:
    """Index of each value in ``levels`` (-1 when unseen); fast for categoricals."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        cats = [str(c) for c in series.cat.categories]
        lookup = {lvl: i for i, lvl in enumerate(levels)}
        mapping = np.array([lookup.get(c, -1) for c in cats] + [lookup.get("missing", -1)])
        codes = series.cat.codes.to_numpy()
        return mapping[np.where(codes < 0, len(cats), codes)]
    values = series.astype("string").fillna("missing")
    return pd.Categorical(values, categories=levels).codes


@dataclass
class Design:
    """Feature terms -> design matrix, with the learned state kept as JSON.

    Parameters
    ----------
    terms : list of str
        Feature terms (see the module docstring).
    intercept : bool
        Prepend a column of ones.
    """

    terms: list[str]
    intercept: bool = True
    state_: dict[str, Any] = field(default_factory=dict)

    def fit(self, frame: pd.DataFrame) -> Design:
        """Learn medians, means, scales and category levels from ``frame``."""
        self._check(frame)
        state: dict[str, Any] = {}
        for term in self.terms:
            if term.startswith("cat:"):
                col = term[4:]
                values = frame[col].astype("string").fillna("missing")
                levels = sorted(values.unique().tolist())
                state[term] = {"levels": levels}
                continue
            x = _raw(frame, term)
            med = float(np.nanmedian(x)) if np.isfinite(x).any() else 0.0
            x = np.where(np.isnan(x), med, x)
            if term.startswith("log:"):
                mean, scale = 0.0, 1.0
            else:
                mean = float(x.mean())
                sd = float(x.std())
                scale = sd if sd > 1e-12 else 1.0
            state[term] = {"median": med, "mean": mean, "scale": scale}
        self.state_ = state
        return self

    @property
    def names(self) -> list[str]:
        """Column names of the design matrix."""
        if not self.state_:
            raise NotFittedError("This Design is not fitted yet. Call fit first.")
        out = ["const"] if self.intercept else []
        for term in self.terms:
            if term.startswith("cat:"):
                out += [f"{term[4:]}={lvl}" for lvl in self.state_[term]["levels"][1:]]
            else:
                out.append(term)
        return out

    def _check(self, frame: pd.DataFrame) -> None:
        needed = sorted({c for t in self.terms for c in term_columns(t)})
        require_columns(
            frame,
            needed,
            needed_for="that the model needs",
            fix="Add them or refit the models on the columns you have.",
        )

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """The design matrix (n x len(names)) as float64."""
        names = self.names
        self._check(frame)
        n = len(frame)
        out = np.empty((n, len(names)), dtype=float, order="F")  # column writes stay contiguous
        j = 0
        if self.intercept:
            out[:, 0] = 1.0
            j = 1
        for term in self.terms:
            st = self.state_[term]
            if term.startswith("cat:"):
                codes = _level_codes(frame[term[4:]], st["levels"])
                k = len(st["levels"]) - 1
                for level in range(1, k + 1):
                    np.equal(codes, level, out=out[:, j + level - 1], casting="unsafe")
                j += k
            else:
                x = _raw(frame, term)
                x = np.where(np.isnan(x), st["median"], x)
                out[:, j] = (x - st["mean"]) / st["scale"]
                j += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"terms": list(self.terms), "intercept": self.intercept, "state": self.state_}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Design:
        try:
            design = cls(terms=list(data["terms"]), intercept=bool(data["intercept"]))
            design.state_ = dict(data["state"])
        except (KeyError, TypeError) as exc:
            raise ModelFileError(f"Invalid feature design in model file: {exc}.") from exc
        return design
