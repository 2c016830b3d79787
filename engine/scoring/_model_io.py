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
from leadlever.engine.io._persist import check_versioned, versioned
from leadlever.engine.scoring._calibration import Calibrator

if TYPE_CHECKING:  # pragma: no cover
    from leadlever.engine.scoring._conversion import ConversionModel

__all__ = ["model_to_dict", "model_from_dict", "MODEL_FORMAT", "MODEL_VERSION", "MODEL_HINT"]

MODEL_FORMAT = "leadlever.conversion_model"
MODEL_VERSION = 1
MODEL_HINT = "Fit one with `leadlever score fit ... --model-out model.json`."


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
    )
    try:
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
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(
            f"{source} is damaged or incomplete ({type(exc).__name__}: {exc}). Refit it."
        ) from exc
    if len(model.center_) != len(model.feature_names_) or len(model.scale_) != len(
        model.feature_names_
    ):
        raise ModelFileError(f"{source} is inconsistent (feature count mismatch). Refit it.")
    return model
