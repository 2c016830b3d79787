"""Fitting the qualification bundle: every model on a lead history, with held-out metrics."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import DataError, ParameterError
from leadlever.engine.io._schema import require_columns
from leadlever.engine.qualification._bundle import (
    CRITERIA,
    FitReport,
    QualificationBundle,
    QualificationSettings,
    _features,
)
from leadlever.engine.qualification._conversion import make_conversion
from leadlever.engine.qualification._effort import EffortModel
from leadlever.engine.qualification._profit import ResaleModel, SalaryModel
from leadlever.engine.qualification._strategic_fit import FitModel
from leadlever.engine.qualification._timing import TimingModel, survival_target
from leadlever.engine.scoring._metrics import brier, roc_auc

__all__ = ["fit_bundle", "OUTCOMES_NEEDED"]

#: outcome columns the qualification models learn from
OUTCOMES_NEEDED = (
    "converted",
    "days_to_convert",
    "placement_salary",
    "n_interactions",
    "effort_hours",
    "fit_feedback",
)


class _Prefitted:
    """Marks a conversion model fitted elsewhere (used as is, never refitted)."""

    def __init__(self, model):
        self.model = model


def _fit_models(
    frame: pd.DataFrame, closed: np.ndarray, s: QualificationSettings, factory
) -> dict[str, Any]:
    X = _features(frame)
    Xc = X.loc[closed]
    y = pd.to_numeric(frame.loc[closed, "converted"]).to_numpy(dtype=float)
    conversion = factory.model if isinstance(factory, _Prefitted) else factory().fit(Xc, y)
    duration, event = survival_target(frame, lost=s.lost)
    timing = TimingModel(horizons=s.horizons).fit(X, duration, event)
    effort = EffortModel().fit(Xc, frame.loc[closed])
    placed = closed & (pd.to_numeric(frame["converted"], errors="coerce").to_numpy() == 1)
    salary = SalaryModel().fit(X.loc[placed], frame.loc[placed, "placement_salary"])
    fitm = FitModel().fit(Xc, frame.loc[closed, "fit_feedback"])
    resale = ResaleModel()
    if "resale_value" in frame.columns:
        pc = np.asarray(conversion.predict_proba(Xc), dtype=float)[:, 1]
        resale.fit(pc, fitm.predict(Xc), frame.loc[closed, "resale_value"])
    else:
        resale.fit([], [], [])
    return {
        "conversion": conversion,
        "timing": timing,
        "effort": effort,
        "salary": salary,
        "resale": resale,
        "fit": fitm,
    }


def _metrics(
    models: dict[str, Any], test: pd.DataFrame, s: QualificationSettings, prefitted: bool = False
) -> dict[str, dict]:
    X = _features(test)
    conv = pd.to_numeric(test["converted"], errors="coerce").to_numpy(dtype=float)
    closed = np.isfinite(conv)
    out: dict[str, dict] = {}
    p = np.asarray(models["conversion"].predict_proba(X.loc[closed]), dtype=float)[:, 1]
    out["conversion"] = (
        {"prefitted": True}
        if prefitted
        else {
            "auc": roc_auc(conv[closed], p),
            "brier": brier(conv[closed], p),
            "n_test": int(closed.sum()),
        }
    )
    duration, event = survival_target(test, lost=s.lost)
    out["timing"] = {
        "concordance": models["timing"].score(X, duration, event),
        "n_test": int(len(test)),
        "n_events": int(event.sum()),
    }
    hours = pd.to_numeric(test.loc[closed, "effort_hours"], errors="coerce").to_numpy(dtype=float)
    ph = models["effort"].predict_hours(X.loc[closed])
    ok = np.isfinite(hours)
    out["effort"] = {
        "corr_hours": float(np.corrcoef(ph[ok], hours[ok])[0, 1]),
        "mae_hours": float(np.mean(np.abs(ph[ok] - hours[ok]))),
        "calibration_ratio": float(hours[ok].sum() / ph[ok].sum()),
        "dispersion": models["effort"].count_.dispersion_,
    }
    sal = pd.to_numeric(test["placement_salary"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(sal) & (sal > 0)
    if ok.any():
        ps = models["salary"].predict(X.loc[ok])
        out["salary"] = {
            "mape": float(np.mean(np.abs(ps / sal[ok] - 1))),
            "r2_log": float(1 - np.var(np.log(sal[ok] / ps)) / np.var(np.log(sal[ok]))),
            "n_test": int(ok.sum()),
        }
    fb = pd.to_numeric(test["fit_feedback"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(fb)
    pf = models["fit"].predict_feedback(X.loc[ok])
    out["fit"] = {
        "auc": roc_auc(fb[ok], pf),
        "brier": brier(fb[ok], pf),
        "n_test": int(ok.sum()),
    }
    if "resale_value" in test.columns and models["resale"].coef_ is not None:
        rv = pd.to_numeric(test["resale_value"], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(rv) & closed
        if ok.sum() > 1:
            pall = np.asarray(models["conversion"].predict_proba(X.loc[ok]), dtype=float)[:, 1]
            pr = models["resale"].predict(pall, models["fit"].predict_feedback(X.loc[ok]))
            out["resale"] = {
                "mae": float(np.mean(np.abs(pr - rv[ok]))),
                "r2": float(1 - np.var(rv[ok] - pr) / np.var(rv[ok])),
                "n_test": int(ok.sum()),
            }
    return out


def fit_bundle(
    history: pd.DataFrame,
    *,
    settings: QualificationSettings | None = None,
    test_fraction: float = 0.25,
    seed: int | np.random.Generator = 0,
    conversion_factory=None,
    refit: bool = True,
    conversion_model=None,
    source: str | None = None,
) -> QualificationBundle:
    """Fit every qualification model on a lead history and report held-out metrics.

    The models are first fitted on a random ``1 - test_fraction`` of the
    history and evaluated on the rest (the report), then refitted on all of it.
    Closed leads (``converted`` 1 or 0) train every model; open leads (empty
    ``converted``) enter only the timing model, as censored observations.

    Parameters
    ----------
    history : DataFrame
        Lead table with outcome columns (``converted``, ``days_to_convert``,
        ``placement_salary``, ``n_interactions``, ``effort_hours``,
        ``fit_feedback``, optionally ``resale_value``).
    settings : QualificationSettings, optional
    test_fraction : float
        Share held out for the metrics, in (0, 0.9].
    seed : int or Generator
    conversion_factory : callable, optional
        Returns an unfitted conversion model (default ``engine.ConversionModel()``).
    conversion_model : fitted conversion model, optional
        Use this model as is (e.g. one fitted by ``leadlever score fit``) instead of
        fitting one; its held-out metrics are then not reported here (it may have
        seen the held-out leads), only ``{"prefitted": true}``.
    refit : bool
        Refit on the whole history after the held-out evaluation (default); ``False``
        keeps the models fitted on the training part (half the time).
    source : str, optional
        The history's file, for messages.
    """
    s = settings or QualificationSettings()
    require_columns(
        history,
        list(OUTCOMES_NEEDED),
        source=source,
        needed_for="(outcomes every qualification model is fitted on)",
        fix="Add them (empty for open leads) or rename the columns that hold them.",
    )
    if not 0 < test_fraction <= 0.9:
        raise ParameterError(
            f"The 'test_fraction' parameter must be in (0, 0.9]. Got {test_fraction!r} instead."
        )
    if "converted" not in history.columns:
        raise DataError(
            "The history lacks the 'converted' column (1 placed, 0 lost, empty while open)."
        )
    factory = (
        _Prefitted(conversion_model)
        if conversion_model is not None
        else (conversion_factory or make_conversion)
    )
    frame = history.reset_index(drop=True)
    conv = pd.to_numeric(frame["converted"], errors="coerce").to_numpy(dtype=float)
    closed = np.isfinite(conv)
    if closed.sum() < 50:
        raise DataError(
            f"The history has {int(closed.sum())} closed leads; at least 50 are needed to fit."
        )
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    is_test = rng.random(len(frame)) < test_fraction
    train_models = _fit_models(
        frame.loc[~is_test].reset_index(drop=True), closed[~is_test], s, factory
    )
    metrics = _metrics(
        train_models,
        frame.loc[is_test].reset_index(drop=True),
        s,
        prefitted=conversion_model is not None,
    )
    models = _fit_models(frame, closed, s, factory) if refit else train_models
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    bundle = QualificationBundle(**models, settings=s)
    digest = hashlib.sha256(
        json.dumps(bundle.to_dict()["models"], sort_keys=True).encode()
    ).hexdigest()[:8]
    bundle.model_version = f"q{stamp}-{digest}"
    prof = bundle.profile(frame.loc[closed])
    bundle.grade_cuts = {
        name: np.quantile(prof[col].to_numpy(dtype=float), [0.2, 0.4, 0.6, 0.8]).tolist()
        for name, (col, _) in CRITERIA.items()
        if col in prof.columns
    }
    bundle.report = FitReport(bundle.model_version, int(len(frame)), int(closed.sum()), metrics)
    return bundle
