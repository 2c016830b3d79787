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
from leadlever.engine.io._persist import check_versioned, versioned
from leadlever.engine.scoring._calibration import Calibrator

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.engine.scoring._conversion import ConversionModel

__all__ = [
    "model_to_dict",
    "model_from_dict",
    "check_model_version",
    "MODEL_FORMAT",
    "MODEL_VERSION",
    "MODEL_HINT",
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
    except (OSError, UnicodeDecodeError, ValueError):
        return  # load_versioned reports unreadable files
    if isinstance(head, dict) and head.get("format") == MODEL_FORMAT:
        if head.get("version") in _OLD:
            raise ModelFileError(_old_version_message(f"Model file '{p}'", head["version"]))


def _floats(values: Any) -> list:
    return np.asarray(values, dtype=float).tolist()


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
    )
    from leadlever.engine.scoring._term_scoring import term_names

    try:
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
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(
            f"{source} is damaged or incomplete ({type(exc).__name__}: {exc}). Refit it."
        ) from exc
    if not consistent:
        raise ModelFileError(f"{source} is inconsistent (term tables do not match). Refit it.")
    return model
