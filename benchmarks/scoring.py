"""Benchmark of conversion scoring on UCI Bank Marketing (run once; figures go to BENCHMARKS.md).

1. 5-fold out-of-fold AUC / ECE / top-decile lift on bank-additional-full and
   bank-full (without the leaky ``duration``), against the issue's targets.
2. Fit time on bank-full including preprocessing and calibration, side by side with
   scikit-learn's LogisticRegression (benchmark-only dependency) in the same run:
   time ratio and 5-fold AUC difference.
3. ``score apply`` throughput on ~1,000,000 leads once loaded, and peak extra memory
   while scoring relative to the input table's size.

Usage: ``OPENBLAS_NUM_THREADS=1 python benchmarks/scoring.py [--ablation]``
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from leadlever.engine.io import read_table
from leadlever.engine.scoring import ConversionModel, ece, fit_and_evaluate, lift_top, roc_auc
from leadlever.engine.stats import stratified_kfold

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "bank-marketing"
FILES = {
    "bank-additional-full": ("bank-additional-full.csv.gz", 999, (0.790, 0.015, 4.3)),
    "bank-full": ("bank-full.csv.gz", -1, (0.765, 0.015, 4.1)),
}


def load(name: str) -> tuple[pd.DataFrame, int]:
    file, sentinel, _ = FILES[name]
    return read_table(DATA / file).drop(columns=["duration"]), sentinel


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    t, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t, time.process_time() - c


def best(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return min(r[0] for r in runs), min(r[1] for r in runs)


def accuracy_section() -> None:
    print("## 5-fold out-of-fold accuracy (seed 0)")
    for name, (_, _, (t_auc, t_ece, t_lift)) in FILES.items():
        table, sentinel = load(name)
        start = time.perf_counter()
        model, report = fit_and_evaluate(table, "y", cv=5, sentinels={"pdays": [sentinel]})
        d = report.to_dict()
        print(
            f"{name}: n={d['n_rows']} AUC={d['auc']:.4f} (>= {t_auc}) ECE={d['ece']:.4f} (<= {t_ece}) "
            f"lift10={d['lift_top_decile']:.2f} (>= {t_lift}) PR-AUC={d['pr_auc']:.4f} Brier={d['brier']:.4f} "
            f"calibration={model.calibrator_.method_} slope={d['calibration']['slope']:.3f} "
            f"intercept={d['calibration']['intercept']:.3f} [{time.perf_counter() - start:.1f} s for 5 folds + final]"
        )


def ablation_section() -> None:
    """Do the splines earn their keep? The same 5 folds with linear terms only."""
    print("\n## Ablation: splines=0 (linear terms only), same folds")
    for name in FILES:
        table, sentinel = load(name)
        _, report = fit_and_evaluate(table, "y", cv=5, sentinels={"pdays": [sentinel]}, splines=0)
        d = report.to_dict()
        print(f"{name}: AUC={d['auc']:.4f} ECE={d['ece']:.4f} lift10={d['lift_top_decile']:.2f}")


def sklearn_pipeline():
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    def build(X: pd.DataFrame):
        num = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
        cat = [c for c in X.columns if c not in num]
        pre = ColumnTransformer(
            [
                ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
                ("cat", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=10), cat),
            ]
        )
        return make_pipeline(pre, LogisticRegression(C=1.0, max_iter=1000))

    return build


def timing_section() -> None:
    print("\n## Fit time on bank-full (45,211 rows), same run")
    table, sentinel = load("bank-full")
    y = (table.pop("y") == "yes").astype(int).to_numpy()
    X = table.astype(
        {c: object for c in table.columns if not pd.api.types.is_numeric_dtype(table[c])}
    )
    build = sklearn_pipeline()

    def fit_ours():
        with warnings.catch_warnings():  # the bank file's data notices, not timed output
            warnings.simplefilter("ignore")
            ConversionModel(sentinels={"pdays": [sentinel]}).fit(table, y)

    ours = [timed(fit_ours) for _ in range(3)]
    theirs = [timed(lambda: build(X).fit(X, y)) for _ in range(3)]
    (o, oc), (s, sc) = best(ours), best(theirs)
    print(
        f"LeadLever ConversionModel.fit (preprocessing + ridge logit + 5-fold calibration): best of 3 = "
        f"{o:.2f} s wall, {oc:.2f} s CPU (target <= 3 s); wall runs {', '.join(f'{w:.2f}' for w, _ in ours)}"
    )
    print(
        f"scikit-learn LogisticRegression pipeline (no calibration): best of 3 = {s:.2f} s wall, {sc:.2f} s CPU; "
        f"ratio ours/sklearn = {o / s:.1f}x wall, {oc / sc:.1f}x CPU"
    )
    oof_ours = np.empty(len(y))
    oof_sk = np.empty(len(y))
    for train, test in stratified_kfold(y, 5, seed=0):
        with warnings.catch_warnings():  # the bank file's data notices, not timed output
            warnings.simplefilter("ignore")
            m = ConversionModel(sentinels={"pdays": [sentinel]}).fit(table.iloc[train], y[train])
        oof_ours[test] = m.predict_proba(table.iloc[test])[:, 1]
        oof_sk[test] = build(X).fit(X.iloc[train], y[train]).predict_proba(X.iloc[test])[:, 1]
    a, b = roc_auc(y, oof_ours), roc_auc(y, oof_sk)
    print(
        f"5-fold AUC same folds: LeadLever {a:.4f} vs scikit-learn {b:.4f} (difference {a - b:+.4f}); "
        f"ECE {ece(y, oof_ours):.4f} vs {ece(y, oof_sk):.4f}; lift10 {lift_top(y, oof_ours):.2f} vs {lift_top(y, oof_sk):.2f}"
    )


def apply_section() -> None:
    print("\n## score apply throughput (model loaded, table in memory)")
    table, sentinel = load("bank-full")
    y = table.pop("y")
    with warnings.catch_warnings():  # the bank file's data notices, not timed output
        warnings.simplefilter("ignore")
        model = ConversionModel(sentinels={"pdays": [sentinel]}).fit(table, y)
    big = pd.concat([table] * 23, ignore_index=True).iloc[:1_000_000]
    input_bytes = big.memory_usage(deep=True).sum()
    w, c = best([timed(lambda: model.score_table(big, reasons=False)) for _ in range(3)])
    print(
        f"{len(big):,} leads: p_convert + score + tier in {w:.2f} s wall / {c:.2f} s CPU (best of 3) = "
        f"{len(big) / w:,.0f} leads/s wall, {len(big) / c:,.0f} leads per CPU-second (target >= 1,000,000)"
    )
    t = time.perf_counter()
    model.predict_proba(big)
    print(f"predict_proba alone: {len(big) / (time.perf_counter() - t):,.0f} leads/s")
    tracemalloc.start()
    model.score_table(big, reasons=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"peak traced allocation while scoring = {peak / 1e6:.0f} MB = {peak / input_bytes:.2f}x the input table "
        f"({input_bytes / 1e6:.0f} MB; the output copy is included) (target <= 3x)"
    )
    sub = big.iloc[:100_000]
    t = time.perf_counter()
    model.score_table(sub, reasons=True)
    print(
        f"with reason texts: {len(sub) / (time.perf_counter() - t):,.0f} leads/s wall (100,000 leads)"
    )


if __name__ == "__main__":
    if not DATA.exists():
        sys.exit(f"{DATA} not found: the UCI bank-marketing files are needed for this benchmark.")
    from _util import machine_line

    print(
        f"machine: {machine_line()}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}"
    )
    # a script, not the library: the bank file's data notices (sentinels, collinear
    # dummies) repeat in every fold and would bury the figures
    warnings.simplefilter("ignore")
    accuracy_section()
    if "--ablation" in sys.argv:
        ablation_section()
    timing_section()
    apply_section()
