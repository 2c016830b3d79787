"""Helpers shared by the scoring tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadlever.simulations.world import TRUE_COLUMNS

OUTCOME_COLUMNS = [
    "converted",
    "days_to_convert",
    "placement_salary",
    "commission",
    "n_interactions",
    "effort_hours",
    "fit_feedback",
    "resale_value",
]

__all__ = ["OUTCOME_COLUMNS", "dense_design", "features", "joint_penalty"]


def features(frame: pd.DataFrame) -> pd.DataFrame:
    """Only what is known when a lead arrives (no outcomes, no ground truth, no timestamp)."""
    return frame.drop(columns=[*TRUE_COLUMNS, *OUTCOME_COLUMNS, "created_at"])


def dense_design(terms) -> np.ndarray:
    """[1, one-hot(cells) M_t, ...]: the design the scorer's histograms stand for (M_t a
    term's basis, the identity without one)."""
    n = len(terms[0].codes)
    cols = [np.ones((n, 1))]
    for t in terms:
        onehot = np.zeros((n, t.size))
        onehot[np.arange(n), t.codes] = 1.0
        cols.append(onehot if t.basis is None else onehot @ t.basis)
    return np.hstack(cols)


def joint_penalty(terms, lam, eps: float) -> np.ndarray:
    """Block-diagonal lam_t S_t + eps I over [intercept, every term's parameters], the
    intercept unpenalised."""
    sizes = [t.n_params for t in terms]
    S = np.zeros((1 + sum(sizes),) * 2)
    k = 1
    for t, lt in zip(terms, lam, strict=True):
        S[k : k + t.n_params, k : k + t.n_params] = lt * t.penalty + eps * np.eye(t.n_params)
        k += t.n_params
    return S
