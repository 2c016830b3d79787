"""Fitting the qualification bundle on any export: each criterion whose data exist.

:func:`fit_bundle` codes the outcome, maps the export's columns to their roles
(:mod:`leadlever.engine.qualification._columns`), runs the export checks of
``leadlever inspect`` (id-like columns left out, leak suspects named) and fits, on the
export's own feature columns:

==============  ===========================================  ===============================
criterion       needs                                        skipped when
==============  ===========================================  ===============================
conversion      the outcome (won / lost / open)              never (it is required)
timing          created and closed dates (open leads are     no dates, or fewer than 5 wins
                censored at ``as_of``), or ``days_to_convert``
delivery        consultant hours of closed leads             no effort column
profit          the value of won leads                       no value column
fit             fit feedback (yes/no) of closed leads        no fit column
==============  ===========================================  ===============================

Models are first fitted on a random ``1 - test_fraction`` of the export and evaluated
on the rest (held-out metrics, the conversion AUC with its DeLong interval), then
refitted on all of it.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import DataError, ParameterError
from leadlever.engine.io._column_checks import CLOSED_ONLY, closed_only_note
from leadlever.engine.io._dates import parse_dates
from leadlever.engine.io._inspect import inspect_table
from leadlever.engine.io._lead_schema import is_outcome_column
from leadlever.engine.io._outcomes import OutcomeSpec, parse_outcome
from leadlever.engine.io._schema import coerce_binary, require_columns
from leadlever.engine.qualification._bundle import (
    CRITERIA,
    FitReport,
    QualificationBundle,
    QualificationSettings,
)
from leadlever.engine.qualification._columns import ColumnMap, resolve_columns
from leadlever.engine.qualification._conversion import make_conversion
from leadlever.engine.qualification._criteria import criteria_metrics
from leadlever.engine.qualification._effort import EffortModel
from leadlever.engine.qualification._glm import feature_columns
from leadlever.engine.qualification._profit import ResaleModel, ValueModel
from leadlever.engine.qualification._strategic_fit import FitModel
from leadlever.engine.qualification._timing import (
    TimingModel,
    durations_from_dates,
    survival_target,
)
from leadlever.engine.scoring._fit_record import chance_warning

__all__ = ["fit_bundle", "MIN_CLOSED", "MIN_TARGETS"]

#: closed leads needed to fit a bundle
MIN_CLOSED = 50
#: target values a criterion's model needs (hours, values, feedback)
MIN_TARGETS = 10


def _numbers(frame: pd.DataFrame, column: str | None) -> np.ndarray | None:
    if column is None:
        return None
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _targets(
    frame: pd.DataFrame, cm: ColumnMap, y: np.ndarray, s, notes, source: str | None = None
) -> dict[str, Any]:
    """Per criterion: the target arrays, or the reason it is skipped."""
    closed = np.isfinite(y)
    out: dict[str, Any] = {}
    duration = event = None
    if cm.created_at and cm.closed_at:
        created = parse_dates(frame[cm.created_at], column=cm.created_at, source=source)
        closed_at = parse_dates(frame[cm.closed_at], column=cm.closed_at, source=source)
        notes += [n for n in (created.note, closed_at.note) if n]
        duration, event, as_of = durations_from_dates(
            y,
            created.values,
            closed_at.values,
            as_of=cm.as_of,
            lost=s.lost,
            column_names=(cm.created_at, cm.closed_at),
        )
        out["as_of"] = str(as_of.date())
    elif cm.days_to_convert:
        tmp = pd.DataFrame({"converted": y, "days_to_convert": frame[cm.days_to_convert]})
        if cm.created_at:
            tmp["created_at"] = parse_dates(
                frame[cm.created_at], column=cm.created_at, source=source
            ).values
        duration, event = survival_target(tmp, lost=s.lost, as_of=cm.as_of)
    if duration is None:
        out["timing"] = (
            "no created and closed dates (--created-col, --closed-col) to measure time to close"
        )
    elif int(event.sum()) < 5:
        out["timing"] = f"only {int(event.sum())} wins with dates; the timing model needs 5"
    else:
        out["timing"] = (duration, event)
    hours = _numbers(frame, cm.effort_hours)
    if hours is None:
        out["delivery"] = "no effort column (--effort-col): hours per lead come from the economics"
    elif int((closed & np.isfinite(hours)).sum()) < MIN_TARGETS:
        out["delivery"] = f"fewer than {MIN_TARGETS} closed leads with hours in '{cm.effort_hours}'"
    else:
        out["delivery"] = (hours, _numbers(frame, cm.n_interactions))
    value = _numbers(frame, cm.value)
    if value is None:
        out["profit"] = "no value column (--value-col): the value of a win comes from the economics"
    elif int(((y == 1) & (value > 0)).sum()) < MIN_TARGETS:
        out["profit"] = f"fewer than {MIN_TARGETS} won leads with a positive '{cm.value}'"
    else:
        out["profit"] = value
    if cm.fit_feedback is None:
        out["fit"] = "no fit-feedback column (--fit-col)"
    else:
        fb = coerce_binary(frame[cm.fit_feedback], column=cm.fit_feedback)
        fb = fb.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        ok = closed & np.isfinite(fb)
        if ok.sum() < MIN_TARGETS or np.nanmin(fb[ok]) == np.nanmax(fb[ok]):
            out["fit"] = (
                f"'{cm.fit_feedback}' needs both yes and no for {MIN_TARGETS}+ closed leads"
            )
        else:
            out["fit"] = fb
    out["resale"] = _numbers(frame, cm.resale_value)
    return out


def _fit_models(frame, y, features, targets, s, factory, prefitted) -> dict[str, Any]:
    X = frame[features]
    closed = np.isfinite(y)
    models: dict[str, Any] = {}
    if prefitted:
        models["conversion"] = factory
    else:
        models["conversion"] = factory().fit(X.loc[closed], y[closed].astype(np.int64))
    if isinstance(targets["timing"], tuple):
        d, e = targets["timing"]
        ok = np.isfinite(d)
        models["timing"] = TimingModel(columns=features, horizons=s.horizons).fit(
            frame.loc[ok], d[ok], e[ok]
        )
    if isinstance(targets["delivery"], tuple):
        hours, inter = targets["delivery"]
        ok = closed & np.isfinite(hours)
        models["effort"] = EffortModel(columns=features).fit(
            frame.loc[ok], hours[ok], None if inter is None else inter[ok]
        )
    if isinstance(targets["profit"], np.ndarray):
        won = (y == 1) & (targets["profit"] > 0)
        models["value"] = ValueModel(columns=features).fit(frame.loc[won], targets["profit"][won])
    if isinstance(targets["fit"], np.ndarray):
        ok = closed & np.isfinite(targets["fit"])
        models["fit"] = FitModel(columns=features).fit(frame.loc[ok], targets["fit"][ok])
        resale = targets["resale"]
        if resale is not None:
            sold = closed & np.isfinite(resale)
            p = np.asarray(models["conversion"].predict_proba(X.loc[sold]), dtype=float)[:, 1]
            models["resale"] = ResaleModel().fit(
                p, models["fit"].predict(frame.loc[sold]), resale[sold]
            )
    return models


def _criteria(targets: dict[str, Any], metrics: dict[str, Any], cm: ColumnMap) -> list[dict]:
    cols = {
        "conversion": cm.outcome.column,
        "timing": cm.closed_at or cm.days_to_convert,
        "delivery": cm.effort_hours,
        "profit": cm.value,
        "fit": cm.fit_feedback,
    }
    keys = {"delivery": "effort", "profit": "value"}
    out = []
    for name in CRITERIA:
        skipped = isinstance(targets.get(name), str)
        out.append(
            {
                "criterion": name,
                "status": "skipped" if skipped else "fitted",
                "reason": targets[name] if skipped else f"fitted on column '{cols[name]}'",
                "column": cols[name],
                "metrics": {} if skipped else metrics.get(keys.get(name, name), {}),
            }
        )
    return out


def fit_bundle(
    history: pd.DataFrame,
    *,
    outcome: OutcomeSpec | str = "converted",
    columns: dict[str, str | None] | None = None,
    as_of: str | None = None,
    drop: tuple[str, ...] | list[str] = (),
    settings: QualificationSettings | None = None,
    test_fraction: float = 0.25,
    seed: int | np.random.Generator = 0,
    conversion_factory=None,
    refit: bool = True,
    conversion_model=None,
    source: str | None = None,
) -> QualificationBundle:
    """Fit every criterion the export supports, and report held-out metrics.

    Parameters
    ----------
    history : DataFrame
        The export: one row per lead, closed (won or lost) and open.
    outcome : OutcomeSpec or str
        The outcome column (and, for a stage column, its won and lost values).
    columns : dict, optional
        Role -> export column (``lead_id``, ``created_at``, ``closed_at``, ``value``,
        ``effort_hours``, ``fit_feedback`` ...); roles not given are found by their
        vocabulary names (see :func:`~leadlever.engine.qualification._columns.resolve_columns`).
    as_of : date, optional
        Observation date for open leads' time to close (default the export's latest date).
    drop : sequence of str
        Columns never used as features (e.g. ones that leak the outcome).
    settings : QualificationSettings, optional
    test_fraction : float
        Share held out for the metrics, in (0, 0.9].
    seed : int or Generator
    conversion_factory : callable, optional
        Returns an unfitted conversion model (default ``engine.ConversionModel()``).
    conversion_model : fitted conversion model, optional
        Use this model as is; its metrics are then not reported (``{"prefitted": true}``).
    refit : bool
        Refit on the whole export after the held-out evaluation (default).

    Warns
    -----
    UserWarning
        Columns left out as ids, leak suspects, ambiguous dates, and a conversion model
        no better than chance.
    """
    s = settings or QualificationSettings()
    if not 0 < test_fraction <= 0.9:
        raise ParameterError(
            f"The 'test_fraction' parameter must be in (0, 0.9]. Got {test_fraction!r} instead."
        )
    spec = outcome if isinstance(outcome, OutcomeSpec) else OutcomeSpec(str(outcome))
    frame = history.reset_index(drop=True)
    parsed = parse_outcome(frame, spec, source=source)
    y = parsed.values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    closed = np.isfinite(y)
    where = f"File '{source}'" if source else "The history"
    if closed.sum() < MIN_CLOSED or parsed.n_won == 0 or parsed.n_lost == 0:
        raise DataError(
            f"{where} has {parsed.n_won:,} won and {parsed.n_lost:,} lost leads by the outcome "
            f"{spec.describe()}; fitting needs at least {MIN_CLOSED} closed leads of both kinds. "
            "Check --target (and --won/--lost)."
        )
    named = {k: v for k, v in (columns or {}).items() if v}
    require_columns(frame, list(drop), source=source, needed_for="(named in --drop)")
    report = inspect_table(frame, outcome=parsed, roles=dict.fromkeys(named.values(), "excluded"))
    cm = resolve_columns(
        frame, outcome=spec, given=named, as_of=as_of, id_columns=report.id_columns, source=source
    )
    closed_only = [
        c
        for c in report.leak_suspects
        if CLOSED_ONLY in report.column(c).leak_reasons and not is_outcome_column(c)
    ]
    skip = set(cm.non_features) | set(report.excluded) | set(drop) | set(closed_only)
    features = [
        c for c in feature_columns(frame, exclude=sorted(skip)) if not c.startswith("true_")
    ]
    if not features:
        raise DataError(f"{where} has no feature columns left besides ids and outcome columns.")
    notes = []
    if report.id_columns:
        notes.append(f"Left out id-like column(s) {report.id_columns} from the features.")
    if [c for c in closed_only if c not in cm.non_features and c not in drop]:
        notes.append(closed_only_note([c for c in closed_only if c not in drop]))
    notes += [
        f"Column '{c}' may leak the outcome ({'; '.join(report.column(c).leak_reasons)}); "
        "drop it from the export if it is only known after a lead is won or lost."
        for c in report.leak_suspects
        if c in features and not is_outcome_column(c)
    ]
    targets = _targets(frame, cm, y, s, notes, source)
    prefitted = conversion_model is not None
    factory = conversion_model if prefitted else (conversion_factory or make_conversion)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    is_test = rng.random(len(frame)) < test_fraction
    train = frame.loc[~is_test].reset_index(drop=True)
    train_targets = _subset(targets, ~is_test)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the final fit raises them once
        part = _fit_models(train, y[~is_test], features, train_targets, s, factory, prefitted)
    metrics = criteria_metrics(
        part,
        frame.loc[is_test].reset_index(drop=True),
        y[is_test],
        features,
        _subset(targets, is_test),
        prefitted=prefitted,
    )
    models = _fit_models(frame, y, features, targets, s, factory, prefitted) if refit else part
    chance = chance_warning(metrics["conversion"].get("auc_ci"))
    if chance:
        notes.append(chance)
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    if "as_of" in targets:
        cm = ColumnMap.from_dict({**cm.to_dict(), "as_of": targets["as_of"]})
    bundle = QualificationBundle(
        columns=cm, features=features, **models, settings=s, model_warning=chance
    )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    digest = hashlib.sha256(
        json.dumps(bundle.to_dict()["models"], sort_keys=True).encode()
    ).hexdigest()[:8]
    bundle.model_version = f"q{stamp}-{digest}"
    prof = bundle.profile(frame.loc[closed])
    bundle.criterion_cuts = {
        name: np.quantile(prof[col].to_numpy(dtype=float), [0.2, 0.4, 0.6, 0.8]).tolist()
        for name, (col, _) in CRITERIA.items()
        if col in prof.columns and prof[col].notna().all()
    }
    bundle.report = FitReport(
        bundle.model_version,
        int(len(frame)),
        int(closed.sum()),
        metrics,
        tuple(_criteria(targets, metrics, cm)),
        tuple(notes),
    )
    return bundle


def _subset(targets: dict[str, Any], rows: np.ndarray) -> dict[str, Any]:
    """The targets of some rows (skip reasons stay as they are)."""
    out: dict[str, Any] = {}
    for key, value in targets.items():
        if isinstance(value, tuple):
            out[key] = tuple(None if v is None else v[rows] for v in value)
        elif isinstance(value, np.ndarray):
            out[key] = value[rows]
        else:
            out[key] = value
    return out
