"""Versioned JSON persistence of :class:`leadlever.engine.scoring._conversion.ConversionModel`.

The file is plain JSON (``format`` = ``"leadlever.conversion_model"``, ``version`` =
:data:`MODEL_VERSION`): the preprocessing plan, every column's cells, the term tables
(log-odds per cell, with standard errors for main effects), the calibration map, the
tiering, what was chosen during the fit and the training metadata. Loading parses
JSON only, so a model file cannot run code (no pickle). Version 1 files (the linear
model of earlier releases) are refused with a message saying how to refit.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from leadlever.engine.exceptions import ModelFileError
from leadlever.engine.features._preprocessing import Preprocessor
from leadlever.engine.io._docschema import (
    ANY,
    BOOL,
    TEXT,
    ListOf,
    MapOf,
    Number,
    Obj,
    Tagged,
)
from leadlever.engine.io._persist import check_versioned, rebuilding, versioned
from leadlever.engine.scoring._calibration import Calibrator

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.engine.scoring._conversion import ConversionModel

__all__ = [
    "model_to_dict",
    "model_from_dict",
    "check_model_version",
    "probe_model",
    "MODEL_FORMAT",
    "MODEL_VERSION",
    "MODEL_HINT",
    "MODEL_SCHEMA",
]

MODEL_FORMAT = "leadlever.conversion_model"
#: 2: additive model with term tables and pairs (1: linear model with coefficients)
MODEL_VERSION = 2
MODEL_HINT = "Fit one with `leadlever score fit ... --model-out model.json`."
_OLD = {
    1: "a linear model with one coefficient per design column, written by LeadLever 0.1 "
    "before the additive scorer",
}


def _old_version_message(source: str, version: Any) -> str:
    return (
        f"{source} is a conversion model of format version {version} ({_OLD[version]}); this "
        f"LeadLever reads version {MODEL_VERSION} (term tables with pairs) and cannot convert "
        "it, because the model itself changed. Refit it on the same training file with "
        "`leadlever score fit DATA --target COL --model-out model.json`."
    )


def check_model_version(path: Any) -> None:
    """Refuse a readable model file of an older version with a message saying how to refit."""
    p = Path(path)
    try:
        head = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return  # load_versioned reports unreadable (or too deeply nested) files
    if isinstance(head, dict) and head.get("format") == MODEL_FORMAT:
        if head.get("version") in _OLD:
            raise ModelFileError(_old_version_message(f"Model file '{p}'", head["version"]))


def _floats(values: Any) -> list:
    return np.asarray(values, dtype=float).tolist()


_NAMES = ListOf(TEXT)
_NUMBERS = ListOf(Number())
_NUMERIC_PLAN = Obj(
    {
        "name": TEXT,
        "median": Number(),
        "clip": ListOf(Number(), min_length=2),
        "mean": Number(),
        "scale": Number(low=0.0, low_open=True),
        "missing_indicator": BOOL,
        "knots": _NUMBERS,
    }
)
_PLAN = Tagged(
    "kind",
    {
        "numeric": _NUMERIC_PLAN,
        "date": Obj({**_NUMERIC_PLAN.fields, "reference_date": TEXT}),
        "binary": Obj(
            {"name": TEXT, "mode": Number(0, 1), "missing_indicator": BOOL, "mean": Number()}
        ),
        "categorical": Obj({"name": TEXT, "levels": ListOf(TEXT, min_length=2)}),
    },
)
_CELLS = Number(low=1, integer=True)
_TERM = {"values": _NUMBERS, "edf": Number(low=0)}
#: what a conversion model file must hold (checked on load, with the wrong field named)
MODEL_SCHEMA = Obj(
    {
        "params": Obj({"tiers": _NUMBERS, "tier_labels": ListOf(TEXT, length="tiers")}),
        "preprocessing": Obj(
            {
                "params": Obj(
                    {
                        "drop": _NAMES,
                        "sentinels": MapOf(ListOf(ANY)),
                        "min_level_count": Number(low=1, integer=True),
                    }
                ),
                "plans": ListOf(_PLAN),
                "excluded": _NAMES,
            }
        ),
        "bins": ListOf(Obj({"name": TEXT, "kind": TEXT, "n_cells": _CELLS})),
        "intercept": Number(),
        "mains": ListOf(
            Obj({"column": TEXT, **_TERM, "se": ListOf(Number(low=0), length="values")}),
            length="bins",
        ),
        "pairs": ListOf(
            Obj(
                {
                    "columns": ListOf(TEXT, min_length=2),
                    "index": ListOf(Number(low=0, integer=True), min_length=2),
                    "maps": ListOf(ListOf(Number(low=0, integer=True)), min_length=2),
                    "shape": ListOf(_CELLS, min_length=2),
                    **_TERM,
                }
            )
        ),
        "calibration": Tagged(
            "method",
            {
                "platt": Obj({"params": Obj({"a": Number(), "b": Number()})}),
                "isotonic": Obj(
                    {"params": Obj({"x": _NUMBERS, "p": ListOf(Number(0, 1), length="x")})}
                ),
                "none": Obj({}),
            },
        ),
        "tiers": Obj({"method": TEXT, "labels": _NAMES}),
        "importance": ListOf(Obj({"column": TEXT, "importance": Number(low=0)})),
        "choices": Obj({}),
        "training": Obj(
            {
                "n_rows": Number(low=0, integer=True),
                "base_rate": Number(0, 1),
                "data_warnings": _NAMES,
                "columns_in": _NAMES,
            }
        ),
    }
)


def model_to_dict(model: ConversionModel) -> dict[str, Any]:
    """Everything needed to score and explain new leads, as JSON-safe Python objects."""
    model._check_fitted()
    params = model.get_params()
    params["drop"] = list(params["drop"])
    params["tiers"] = [int(t) for t in params["tiers"]]
    params["tier_labels"] = list(params["tier_labels"])
    mains = [{**m, "values": _floats(m["values"]), "se": _floats(m["se"])} for m in model.mains_]
    pairs = [
        {
            **p,
            "values": _floats(p["values"]),
            "maps": [np.asarray(m).astype(int).tolist() for m in p["maps"]],
            "index": [int(i) for i in p["index"]],
        }
        for p in model.pairs_
    ]
    return versioned(
        MODEL_FORMAT,
        MODEL_VERSION,
        {
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "params": params,
            "preprocessing": model.preprocessor_.to_dict(),
            "bins": model.bins_,
            "intercept": model.intercept_,
            "mains": mains,
            "pairs": pairs,
            "calibration": model.calibrator_.to_dict(),
            "tiers": model.tiers_,
            "importance": model.importance_,
            "choices": model.choices_,
            "training": {
                "n_rows": model.n_train_,
                "base_rate": model.base_rate_,
                "data_warnings": list(model.data_warnings_),
                "columns_in": list(model.feature_names_in_),
            },
        },
    )


def model_from_dict(
    data: dict[str, Any], cls: type[ConversionModel], source: str = "The conversion model"
) -> ConversionModel:
    """Rebuild a fitted ``cls`` from :func:`model_to_dict` output, checking format and version."""
    if isinstance(data, dict) and data.get("format") == MODEL_FORMAT:
        if data.get("version") in _OLD:
            raise ModelFileError(_old_version_message(source, data["version"]))
    check_versioned(
        data,
        fmt=MODEL_FORMAT,
        version=MODEL_VERSION,
        what="conversion model",
        hint=MODEL_HINT,
        source=source,
        schema=MODEL_SCHEMA,
    )
    from leadlever.engine.scoring._term_scoring import term_names

    with rebuilding(source, MODEL_HINT):
        params = data["params"]
        model = cls(
            **{
                **params,
                "tiers": tuple(params["tiers"]),
                "tier_labels": tuple(params["tier_labels"]),
            }
        )
        model.preprocessor_ = Preprocessor.from_dict(data["preprocessing"])
        model.bins_ = list(data["bins"])
        model.intercept_ = float(data["intercept"])
        model.mains_ = [
            {**m, "values": np.asarray(m["values"], float), "se": np.asarray(m["se"], float)}
            for m in data["mains"]
        ]
        model.pairs_ = [
            {
                **p,
                "values": np.asarray(p["values"], float),
                "maps": [np.asarray(m, dtype=np.int64) for m in p["maps"]],
            }
            for p in data["pairs"]
        ]
        model.calibrator_ = Calibrator.from_dict(data["calibration"])
        model.tiers_ = dict(data["tiers"])
        model.importance_ = list(data["importance"])
        model.choices_ = dict(data["choices"])
        train = data["training"]
        model.n_train_ = int(train["n_rows"])
        model.base_rate_ = float(train["base_rate"])
        model.data_warnings_ = list(train["data_warnings"])
        model.feature_names_in_ = list(train["columns_in"])
        model.n_features_in_ = len(model.feature_names_in_)
        model.feature_names_ = term_names(model)
        model.classes_ = np.array([0, 1])
        consistent = len(model.bins_) == len(model.mains_) == len(model.preprocessor_.plans_)
        for m, b in zip(model.mains_, model.bins_, strict=False):
            consistent &= len(m["values"]) == b["n_cells"]
        for p in model.pairs_:
            consistent &= len(p["values"]) == p["shape"][0] * p["shape"][1]
    if not consistent:
        raise ModelFileError(f"{source} is inconsistent (term tables do not match). {MODEL_HINT}")
    probe_model(model, source)
    return model


def probe_model(model: ConversionModel, source: str) -> None:
    """Score one lead with every input empty; a model that fails or gives a probability
    outside [0, 1] is damaged (checked once on load, not on every lead)."""
    import pandas as pd

    probe = pd.DataFrame({c: [None] for c in model.feature_names_in_}, dtype=object)
    with rebuilding(source, MODEL_HINT):
        p = model.predict_proba(probe)[:, 1]
    if not (np.isfinite(p).all() and ((p >= 0) & (p <= 1)).all()):
        raise ModelFileError(
            f"{source} is damaged: it gives the probability {p[0]!r} for a lead with no data. "
            f"{MODEL_HINT}"
        )
