"""Held-out metrics of the qualification models, one block per criterion.

``conversion``: AUC with its DeLong interval, Brier score; ``timing``: Harrell's
concordance; ``effort``: correlation, mean absolute error and calibration ratio
(observed / predicted hours) of the hours model; ``value``: MAPE and :math:`R^2` on the
log scale; ``fit``: AUC and Brier; ``resale``: MAE and :math:`R^2`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.scoring._metrics import auc_ci, brier

__all__ = ["criteria_metrics"]


def _conversion(model, X: pd.DataFrame, y: np.ndarray, prefitted: bool) -> dict[str, Any]:
    if prefitted:
        return {"prefitted": True}
    closed = np.isfinite(y)
    if closed.sum() < 4 or np.unique(y[closed]).size < 2:
        return {"n_test": int(closed.sum())}
    p = np.asarray(model.predict_proba(X.loc[closed]), dtype=float)[:, 1]
    ci = auc_ci(y[closed], p)
    return {
        "auc": ci.auc,
        "auc_ci": ci.to_dict(),
        "brier": brier(y[closed], p),
        "n_test": int(closed.sum()),
    }


def criteria_metrics(
    models: dict[str, Any],
    test: pd.DataFrame,
    y: np.ndarray,
    features: list[str],
    targets: dict[str, Any],
    *,
    prefitted: bool = False,
) -> dict[str, dict[str, Any]]:
    """Metrics of every fitted model on the held-out rows ``test`` (outcome ``y``)."""
    closed = np.isfinite(y)
    out: dict[str, dict[str, Any]] = {
        "conversion": _conversion(models["conversion"], test[features], y, prefitted)
    }
    if "timing" in models:
        d, e = targets["timing"]
        ok = np.isfinite(d)
        out["timing"] = {
            "concordance": models["timing"].score(test.loc[ok], d[ok], e[ok]),
            "n_test": int(ok.sum()),
            "n_events": int(e[ok].sum()),
        }
    if "effort" in models:
        hours = targets["delivery"][0]
        ok = closed & np.isfinite(hours)
        if ok.sum() > 2:
            ph = models["effort"].predict_hours(test.loc[ok])
            out["effort"] = {
                "corr_hours": float(np.corrcoef(ph, hours[ok])[0, 1]),
                "mae_hours": float(np.mean(np.abs(ph - hours[ok]))),
                "calibration_ratio": float(hours[ok].sum() / ph.sum()),
                "n_test": int(ok.sum()),
            }
            if models["effort"].count_ is not None:
                out["effort"]["dispersion"] = models["effort"].count_.dispersion_
    if "value" in models:
        value = targets["profit"]
        ok = (y == 1) & (value > 0)
        if ok.sum() > 2:
            pv = models["value"].predict(test.loc[ok])
            out["value"] = {
                "mape": float(np.mean(np.abs(pv / value[ok] - 1))),
                "r2_log": float(1 - np.var(np.log(value[ok] / pv)) / np.var(np.log(value[ok]))),
                "n_test": int(ok.sum()),
            }
    if "fit" in models:
        fb = targets["fit"]
        ok = closed & np.isfinite(fb)
        if ok.sum() > 3 and np.unique(fb[ok]).size == 2:
            pf = models["fit"].predict_feedback(test.loc[ok])
            out["fit"] = {
                "auc": auc_ci(fb[ok], pf).auc,
                "brier": brier(fb[ok], pf),
                "n_test": int(ok.sum()),
            }
    resale = targets.get("resale")
    if "resale" in models and models["resale"].coef_ is not None and resale is not None:
        ok = closed & np.isfinite(resale)
        if ok.sum() > 1:
            p = np.asarray(models["conversion"].predict_proba(test.loc[ok, features]), dtype=float)[
                :, 1
            ]
            pr = models["resale"].predict(p, models["fit"].predict_feedback(test.loc[ok]))
            out["resale"] = {
                "mae": float(np.mean(np.abs(pr - resale[ok]))),
                "r2": float(1 - np.var(resale[ok] - pr) / np.var(resale[ok])),
                "n_test": int(ok.sum()),
            }
    return out
