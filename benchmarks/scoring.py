"""Benchmark of the conversion scorer against its peers, side by side in one run.

Peers (benchmark-only dependencies, the ``bench`` extra): scikit-learn's
``LogisticRegression`` (median impute + standardise, one-hot with min_frequency=10) and
``HistGradientBoostingClassifier`` (native categories, defaults), and ``interpret``'s
``ExplainableBoostingClassifier`` (defaults) when it is installed.

1. Accuracy: 5-fold stratified out-of-fold AUC and ECE (LeadLever's folds,
   ``stratified_kfold(y, 5, seed=0)``, for every model) on UCI bank-additional-full and
   bank-full (without ``duration``) and on three simulated exports with known structure
   (``leadlever.simulations.datasets``: e-commerce sessions, an education lead export,
   retail campaign responses), and on Hillstrom's e-mail test (64,000 customers; outcome
   ``visit``, 14.7 %, or ``conversion``, 0.9 %; the other outcome columns left out), with
   the mean fit time per fold (wall and CPU).
2. Ablation: the same folds with ``interactions=0`` (main effects only).
3. Fit time on all of bank-full, LeadLever vs HistGB, interleaved, best of 3.
4. Scoring throughput on 1,000,000 leads (bank-full rows repeated) without reasons, and
   with reasons on 200,000 leads.

Usage: ``OPENBLAS_NUM_THREADS=1 python benchmarks/scoring.py [--sets a,b] [--no-ebm]
[--skip-timing]`` (``--sets ""`` runs only the timing sections)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from leadlever.engine.io import read_table  # noqa: E402
from leadlever.engine.scoring import ConversionModel, ece, roc_auc, split_target  # noqa: E402
from leadlever.engine.stats import stratified_kfold  # noqa: E402
from leadlever.simulations.datasets import SIMULATED_SETS  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "bank-marketing"
BANK = {
    "bank-additional-full": ("bank-additional-full.csv.gz", 999),
    "bank-full": ("bank-full.csv.gz", -1),
}
SIM_SIZES = {"sessions": 12_330, "leads": 9_240, "campaign": 8_000}
HILLSTROM = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "data"
    / "hillstrom-email"
    / "Kevin_Hillstrom_MineThatData_E-MailAnalytics_DataMiningChallenge_2008.03.20.csv"
)
#: Hillstrom's e-mail test: outcome -> the columns known only after it (left out)
HILLSTROM_SETS = {
    "hillstrom-visit": ("visit", ["conversion", "spend"]),
    "hillstrom-conversion": ("conversion", ["visit", "spend"]),
}


def load(name: str) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """Features, 0/1 outcome and the options a user would give, for one data set."""
    if name in BANK:
        file, sentinel = BANK[name]
        table = read_table(DATA / file).drop(columns=["duration"])
        X, y = split_target(table, "y")
        return X, y, {"sentinels": {"pdays": [sentinel]}}
    if name in HILLSTROM_SETS:
        target, after = HILLSTROM_SETS[name]
        table = read_table(HILLSTROM).drop(columns=after)
        X, y = split_target(table, target)
        return X, y, {}
    sim = SIMULATED_SETS[name](SIM_SIZES[name], seed=2026)
    X, y = split_target(sim.frame, sim.target)
    return X, y, dict(sim.options)


def cpu_seconds() -> float:
    """CPU seconds of this process and of its children that have ended (the scorer's
    fit may fork one for its cross-validation folds and waits for it)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(fn):
    """(result, wall seconds, CPU seconds of this process and its children)."""
    t, c = time.perf_counter(), cpu_seconds()
    out = fn()
    return out, time.perf_counter() - t, cpu_seconds() - c


def _tree_frame(X: pd.DataFrame, drop: list[str]) -> pd.DataFrame:
    """What a careful user hands the peers: text dates as day numbers, categories as pandas
    categories (at most 250 levels, the rarest pooled: HistGB's limit)."""
    out = X.drop(columns=[c for c in drop if c in X.columns]).copy()
    for c in out.columns:
        if pd.api.types.is_numeric_dtype(out[c]):
            continue
        dates = pd.to_datetime(out[c], errors="coerce", dayfirst=True, format="mixed")
        if dates.notna().mean() > 0.95:
            out[c] = (dates - pd.Timestamp("1970-01-01")).dt.days.astype(float)
            continue
        text = out[c].astype("string").fillna("missing")
        top = text.value_counts().index[:250]
        out[c] = text.where(text.isin(top), "other").astype("category")
    return out


def _id_like(X: pd.DataFrame) -> list[str]:
    """Text columns unique per row (the peers cannot use them; LeadLever drops them itself)."""
    return [
        c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c]) and X[c].nunique() == len(X)
    ]


def peers(ebm: bool) -> dict:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    def logistic(X):
        num = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
        cat = [c for c in X.columns if c not in num]
        pre = ColumnTransformer(
            [
                ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
                ("cat", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=10), cat),
            ]
        )
        return make_pipeline(pre, LogisticRegression(C=1.0, max_iter=2000))

    out = {
        "logistic regression": logistic,
        "HistGB": lambda X: HistGradientBoostingClassifier(
            random_state=0, categorical_features="from_dtype"
        ),
    }
    if ebm:
        try:
            from interpret.glassbox import ExplainableBoostingClassifier
        except ImportError:
            print("interpret is not installed: EBM left out")
        else:
            out["EBM"] = lambda X: ExplainableBoostingClassifier(random_state=0)
    return out


def accuracy(name: str, models: dict, ablation: bool) -> dict:
    X, y, options = load(name)
    drop = _id_like(X)
    Xt = _tree_frame(X, drop)
    folds = stratified_kfold(y, 5, seed=0)
    rows = {}
    specs = {"LeadLever": lambda: ConversionModel(**options)}
    if ablation:
        specs["LeadLever, no pairs"] = lambda: ConversionModel(interactions=0, **options)
    for label, make in specs.items():
        oof, wall, cpu = np.empty(len(y)), [], []
        for train, test in folds:
            model, w, c = timed(lambda make=make, train=train: make().fit(X.iloc[train], y[train]))
            oof[test] = model.predict_proba(X.iloc[test])[:, 1]
            wall.append(w)
            cpu.append(c)
        rows[label] = (oof, np.mean(wall), np.mean(cpu), model)
    for label, make in models.items():
        oof, wall, cpu = np.empty(len(y)), [], []
        for train, test in folds:
            est = make(Xt)
            fitted, w, c = timed(lambda est=est, train=train: est.fit(Xt.iloc[train], y[train]))
            oof[test] = fitted.predict_proba(Xt.iloc[test])[:, 1]
            wall.append(w)
            cpu.append(c)
        rows[label] = (oof, np.mean(wall), np.mean(cpu), None)
    print(f"\n### {name}: n={len(y):,}, base rate {y.mean():.3f}")
    print("| model | AUC | ECE | fit s/fold (wall) | fit s/fold (CPU) |")
    print("|---|---|---|---|---|")
    for label, (oof, w, c, _) in rows.items():
        print(f"| {label} | {roc_auc(y, oof):.4f} | {ece(y, oof):.4f} | {w:.2f} | {c:.2f} |")
    if "HistGB" in rows:
        ours, hgb = rows["LeadLever"], rows["HistGB"]
        print(
            f"LeadLever - HistGB: AUC {roc_auc(y, ours[0]) - roc_auc(y, hgb[0]):+.4f} "
            f"(target >= -0.003); fit time {ours[1] / hgb[1]:.2f}x wall, {ours[2] / hgb[2]:.2f}x CPU "
            "(target <= 3x)"
        )
    model = rows["LeadLever"][3]
    print(
        f"LeadLever (last fold): pairs {[p['columns'] for p in model.pairs_]}, "
        f"calibration {model.calibrator_.method_}, tiers {model.tiers_['method']}"
    )
    return {label: roc_auc(y, v[0]) for label, v in rows.items()}


def fit_time(name: str) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    X, y, options = load(name)
    Xt = _tree_frame(X, [])

    def hgb():
        est = HistGradientBoostingClassifier(random_state=0, categorical_features="from_dtype")
        return est.fit(Xt, y)

    def hgb_one_thread():
        with threadpool_limits(limits=1):
            return hgb()

    runs = {
        "LeadLever (default: 2 processes)": [],
        "HistGB (2 threads)": [],
        "LeadLever (n_jobs=1)": [],
        "HistGB (1 thread)": [],
    }
    for _ in range(3):
        runs["LeadLever (default: 2 processes)"].append(
            timed(lambda: ConversionModel(**options).fit(X, y))[1:]
        )
        runs["HistGB (2 threads)"].append(timed(hgb)[1:])
        runs["LeadLever (n_jobs=1)"].append(
            timed(lambda: ConversionModel(**options, n_jobs=1).fit(X, y))[1:]
        )
        runs["HistGB (1 thread)"].append(timed(hgb_one_thread)[1:])
    print(f"\n### Fit time, all of {name} ({len(y):,} rows), interleaved, best of 3")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end")
    best = {k: min(v) for k, v in runs.items()}
    for label, (w, c) in best.items():
        print(
            f"{label}: {w:.2f} s wall, {c:.2f} s CPU (wall runs {[round(r[0], 2) for r in runs[label]]})"
        )
    for ours, peer in (
        ("LeadLever (default: 2 processes)", "HistGB (2 threads)"),
        ("LeadLever (n_jobs=1)", "HistGB (1 thread)"),
    ):
        (ow, oc), (hw, hc) = best[ours], best[peer]
        print(f"ratio {ours} / {peer}: {ow / hw:.2f}x wall, {oc / hc:.2f}x CPU")


def throughput() -> None:
    X, y, options = load("bank-full")
    model = ConversionModel(**options).fit(X, y)
    big = pd.concat([X] * 23, ignore_index=True).iloc[:1_000_000]
    print("\n### Scoring throughput (model fitted on bank-full, table in memory), best of 3")
    print(f"model: {len(model.mains_)} main effects, {len(model.pairs_)} pairs")
    sub = big.iloc[:200_000]
    for label, table, reasons in (("without reasons", big, False), ("with reasons", sub, True)):
        runs = [
            timed(lambda t=table, r=reasons: model.score_table(t, reasons=r))[1:] for _ in range(3)
        ]
        w, c = min(r[0] for r in runs), min(r[1] for r in runs)
        print(
            f"{label}: {len(table) / w:,.0f} leads/s wall, {len(table) / c:,.0f} leads per CPU "
            f"second ({len(table):,} leads)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join([*BANK, *HILLSTROM_SETS, *SIMULATED_SETS]))
    parser.add_argument("--no-ebm", action="store_true")
    parser.add_argument("--skip-timing", action="store_true")
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"{DATA} not found: the UCI bank-marketing files are needed for this benchmark.")
    warnings.simplefilter("ignore")
    from _util import machine_line

    print(
        f"machine: {machine_line()}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}"
    )
    models = peers(ebm=not args.no_ebm)
    for name in filter(None, args.sets.split(",")):
        accuracy(name, models, ablation=True)
    if not args.skip_timing:
        for name in [s for s in args.sets.split(",") if s in BANK] or ["bank-full"]:
            fit_time(name)
        throughput()


if __name__ == "__main__":
    main()
