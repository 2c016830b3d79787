"""Seeded stratified k-fold splits, out-of-fold predictions and a time-based split.

Every metric of ``leadlever score fit --cv K`` is computed on out-of-fold
predictions: each row is scored by a model that never saw it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import DataError, ParameterError

__all__ = ["stratified_kfold", "time_split", "out_of_fold"]


def stratified_kfold(
    y: np.ndarray, k: int = 5, *, seed: int | np.random.Generator = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Seeded stratified k-fold split.

    Rows of each class are shuffled and dealt round-robin into ``k`` folds, so
    every fold's positive rate is within one row of the overall rate.

    Returns
    -------
    list of (train_index, test_index)
    """
    y = np.asarray(y)
    if not isinstance(k, int | np.integer) or k < 2:
        raise ParameterError(
            f"The 'k' parameter of stratified_kfold must be an int >= 2. Got {k!r} instead."
        )
    counts = np.bincount(y.astype(np.int64), minlength=2)
    if counts.min() < k:
        raise DataError(
            f"Cannot make {k} stratified folds: the rarer outcome has only {counts.min()} row(s). "
            f"Use fewer folds (--cv) or add rows with both outcomes."
        )
    rng = np.random.default_rng(seed)
    fold = np.empty(len(y), dtype=np.int64)
    offset = 0
    for cls in (0, 1):
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        fold[idx] = (np.arange(len(idx)) + offset) % k
        offset += len(idx)
    return [(np.flatnonzero(fold != f), np.flatnonzero(fold == f)) for f in range(k)]


def time_split(dates: pd.Series, test_fraction: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Train on the earliest rows, test on the latest ``test_fraction`` of rows by date."""
    if not 0 < test_fraction < 1:
        raise ParameterError(
            f"The 'test_fraction' parameter of time_split must be in (0, 1). Got {test_fraction!r} instead."
        )
    from leadlever.engine.io._dates import parse_dates

    parsed = parse_dates(dates, column=str(dates.name)).values
    if parsed.isna().all():
        raise DataError(
            f"Date column '{dates.name}' holds no readable dates. Use ISO dates like 2025-03-31."
        )
    order = np.argsort(parsed.to_numpy(dtype="datetime64[ns]"), kind="stable")
    cut = int(round(len(order) * (1 - test_fraction)))
    return np.sort(order[:cut]), np.sort(order[cut:])


def out_of_fold(
    fit_predict: Callable[[np.ndarray, np.ndarray], Any],
    y: np.ndarray,
    k: int = 5,
    *,
    seed: int | np.random.Generator = 0,
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Out-of-fold predictions: ``fit_predict(train_idx, test_idx)`` returns scores for test rows."""
    folds = stratified_kfold(y, k, seed=seed)
    oof = np.full(len(y), np.nan)
    for train, test in folds:
        oof[test] = np.asarray(fit_predict(train, test), dtype=float)
    return oof, folds
