"""Spline algebra, id detection, folds and the time split."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_helpers import OUTCOME_COLUMNS

from leadlever.engine.exceptions import DataError
from leadlever.engine.features import infer_kind, rcs_basis, rcs_combination
from leadlever.engine.scoring import fit_and_evaluate
from leadlever.engine.stats import stratified_kfold, time_split


def test_rcs_combination_matches_basis_and_is_linear_in_the_tails():
    rng = np.random.default_rng(0)
    knots = [1.0, 2.5, 4.0, 7.0, 9.0]
    x = rng.uniform(-5, 15, 200)
    a = rng.normal(size=3)
    np.testing.assert_allclose(rcs_combination(x, knots, a), rcs_basis(x, knots) @ a, atol=1e-12)
    tail = np.array([10.0, 11.0, 12.0])  # beyond the last knot the basis is linear
    second_diff = np.diff(rcs_basis(tail, knots), n=2, axis=0)
    np.testing.assert_allclose(second_diff, 0.0, atol=1e-9)


def test_infer_kind():
    n = 50
    assert infer_kind(pd.Series([f"x{i}" for i in range(n)]), "token") == "id"
    assert infer_kind(pd.Series(range(n)), "customer_id") == "id"
    assert infer_kind(pd.Series(["yes", "no"] * 25), "newsletter") == "binary"
    assert infer_kind(pd.Series(["2025-01-02"] * n), "signup") == "date"
    assert infer_kind(pd.Series(["a", "b"] * 25 + [None] * 0), "x") == "categorical"
    assert infer_kind(pd.Series(np.arange(n) * 1.5), "amount") == "numeric"


@settings(max_examples=30, deadline=None)
@given(st.integers(10, 200), st.integers(2, 6), st.integers(0, 10_000))
def test_stratified_folds_partition_and_balance(n, k, seed):
    n = max(n, 2 * k)
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    y[:k] = 1
    y[k : 2 * k] = 0
    folds = stratified_kfold(y, k, seed=seed)
    tests = np.concatenate([t for _, t in folds])
    assert sorted(tests.tolist()) == list(range(n))
    for train, test in folds:
        assert not set(train) & set(test)
        assert abs(y[test].sum() - y.sum() / k) <= 1
    assert [t.tolist() for _, t in stratified_kfold(y, k, seed=seed)] == [
        t.tolist() for _, t in folds
    ]


def test_too_few_positives_for_folds():
    with pytest.raises(DataError, match="fewer folds"):
        stratified_kfold(np.array([1, 0, 0, 0, 0, 0]), 3)


def test_time_split_is_chronological():
    dates = pd.Series(pd.date_range("2025-01-01", periods=100)).sample(frac=1, random_state=1)
    train, test = time_split(dates.reset_index(drop=True), 0.2)
    d = dates.reset_index(drop=True)
    assert len(test) == 20 and d.iloc[train].max() < d.iloc[test].min()


def test_fit_with_date_column_evaluates_latest_rows(sim_closed):
    table = sim_closed.drop(columns=[c for c in sim_closed.columns if c.startswith("true_")])
    table = table.drop(columns=[c for c in OUTCOME_COLUMNS if c != "converted"])
    with (
        warnings.catch_warnings()
    ):  # the simulated table warns (ids, collinear dummies); not under test
        warnings.simplefilter("ignore")
        model, report = fit_and_evaluate(table, "converted", date_col="created_at")
    assert report.split == "time" and report.folds == 1
    assert report.evaluation.n == len(table) - int(round(len(table) * 0.8))
    assert "created_at" not in [p["name"] for p in model.preprocessor_.plans_]


def test_oof_rows_are_input_row_numbers():
    rng = np.random.default_rng(5)
    n = 120
    x = rng.normal(size=n)
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-x)), "yes", "no").astype(object)
    y[[0, 5, 7]] = None  # open leads: left out, and row numbers must skip them
    table = pd.DataFrame({"x": x, "y": y})
    _, report = fit_and_evaluate(table, "y", cv=3)
    rows = report.oof["row"].to_numpy()
    assert len(rows) == n - 3 and 1 not in rows and 6 not in rows and 8 not in rows
    assert rows[0] == 2 and rows[-1] == n


def test_level_counts_on_distinct_values_equal_counts_on_the_rows():
    """Levels and their counts from the distinct values (fast path) are those of the
    row-by-row text (blanks and missing are 'missing', spaces stripped), in the same
    order: most first, ties in order of first appearance."""
    from leadlever.engine.features._levels import _to_text, level_counts

    rng = np.random.default_rng(0)
    pool = np.array(["a", " a", "b", "", "  ", None, np.nan, "c ", "c", "d", "D", 3, 3.0], object)
    for trial in range(300):
        values = pool if trial % 2 else pool[:11]  # text only, or numbers of mixed types
        series = pd.Series(values[rng.integers(0, len(values), int(rng.integers(1, 300)))])
        if trial % 4 == 1:
            series = series.astype("string")
        # (pandas 2.2's value_counts orders ties its own way; pandas 3's as here)
        expected = _to_text(series).value_counts(sort=False)
        expected = expected.sort_values(ascending=False, kind="stable")
        got = level_counts(series)
        assert got.index.tolist() == expected.index.tolist()
        assert got.tolist() == expected.tolist()
