"""Versioned JSON persistence of :class:`leadlever.engine.scoring._conversion.ConversionModel`.

The file is plain JSON (``format`` = ``"leadlever.conversion_model"``, ``version``
= :data:`MODEL_VERSION`): coefficients, preprocessing plan, calibration map,
training metadata and the input schema. Loading parses JSON only, so a model file
cannot run code (no pickle).
"""

from __future__ import annotations

from datetime import UTC, datetime
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
    Nullable,
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
    "probe_model",
    "MODEL_FORMAT",
    "MODEL_VERSION",
    "MODEL_HINT",
    "MODEL_SCHEMA",
]

MODEL_FORMAT = "leadlever.conversion_model"
MODEL_VERSION = 1
MODEL_HINT = "Fit one with `leadlever score fit ... --model-out model.json`."

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
                        "spline_knots": Number(0, 7, integer=True),
                        "spline_columns": Nullable(_NAMES),
                    }
                ),
                "plans": ListOf(_PLAN),
                "excluded": _NAMES,
                "feature_names": _NAMES,
                "feature_source": ListOf(TEXT, length="feature_names"),
            }
        ),
        "center": _NUMBERS,
        "scale": ListOf(Number(low=0.0, low_open=True), length="center"),
        "intercept": Number(),
        "coef": MapOf(Number()),
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
        "training": Obj(
            {
                "n_rows": Number(low=0, integer=True),
                "base_rate": Number(0, 1),
                "alpha_used": Number(low=0),
                "data_warnings": _NAMES,
                "columns_in": _NAMES,
            }
        ),
    }
)


def model_to_dict(model: ConversionModel) -> dict[str, Any]:
    """Everything needed to score new leads, as JSON-safe Python objects."""
    model._check_fitted()
    params = model.get_params()
    params["drop"] = list(params["drop"])
    params["tiers"] = [int(t) for t in params["tiers"]]
    params["tier_labels"] = list(params["tier_labels"])
    return versioned(
        MODEL_FORMAT,
        MODEL_VERSION,
        {
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "params": params,
            "preprocessing": model.preprocessor_.to_dict(),
            "center": model.center_.tolist(),
            "scale": model.scale_.tolist(),
            "intercept": model.intercept_,
            "coef": dict(zip(model.feature_names_, model.coef_.tolist(), strict=True)),
            "calibration": model.calibrator_.to_dict(),
            "importance": model.importance_,
            "training": {
                "n_rows": model.n_train_,
                "base_rate": model.base_rate_,
                "alpha_used": model.alpha_,
                "data_warnings": list(model.data_warnings_),
                "columns_in": list(model.feature_names_in_),
            },
        },
    )


def model_from_dict(
    data: dict[str, Any], cls: type[ConversionModel], source: str = "The conversion model"
) -> ConversionModel:
    """Rebuild a fitted ``cls`` from :func:`model_to_dict` output, checking format and version."""
    check_versioned(
        data,
        fmt=MODEL_FORMAT,
        version=MODEL_VERSION,
        what="conversion model",
        hint=MODEL_HINT,
        source=source,
        schema=MODEL_SCHEMA,
    )
    with rebuilding(source, MODEL_HINT):
        model = cls(
            **{
                **data["params"],
                "tiers": tuple(data["params"]["tiers"]),
                "tier_labels": tuple(data["params"]["tier_labels"]),
            }
        )
        model.preprocessor_ = Preprocessor.from_dict(data["preprocessing"])
        model.feature_names_ = list(model.preprocessor_.feature_names_)
        model.feature_source_ = list(model.preprocessor_.feature_source_)
        model.center_ = np.asarray(data["center"], dtype=float)
        model.scale_ = np.asarray(data["scale"], dtype=float)
        model.intercept_ = float(data["intercept"])
        model.coef_ = np.asarray([data["coef"][n] for n in model.feature_names_], dtype=float)
        model.calibrator_ = Calibrator.from_dict(data["calibration"])
        model.importance_ = list(data["importance"])
        train = data["training"]
        model.n_train_ = int(train["n_rows"])
        model.base_rate_ = float(train["base_rate"])
        model.alpha_ = float(train["alpha_used"])
        model.data_warnings_ = list(train["data_warnings"])
        model.feature_names_in_ = list(train["columns_in"])
        model.n_features_in_ = len(model.feature_names_in_)
        model.classes_ = np.array([0, 1])
    if len(model.center_) != len(model.feature_names_) or len(model.scale_) != len(
        model.feature_names_
    ):
        raise ModelFileError(f"{source} is inconsistent (feature count mismatch). Refit it.")
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
