r"""What ``score fit`` knows about a model besides its coefficients, saved with it.

A model file written by ``leadlever score fit`` carries a ``fit_record`` next to the
model: the outcome column and its won/lost values (so ``score apply`` can write the
shared ``converted`` column), the out-of-fold AUC with its confidence interval and the
warnings it raised (so every table scored with the model, and every plan built on those
scores, repeats "no better than chance"), and a fingerprint of the training rows (so
``score compare`` knows when it is shown leads the model has seen).

**No better than chance.** With out-of-fold AUC confidence interval
:math:`[a_{lo}, a_{hi}]`, the model is flagged when :math:`a_{lo} <` :data:`CHANCE_AUC_LOWER`:
the data cannot rule out that its ranking is barely better than a coin.

**Fingerprint.** Each training row is hashed (its feature cells as text, in the model's
column order); a sample of :data:`FINGERPRINT_SAMPLE` hashes is kept. Shown a table with
:math:`r` of the :math:`s` sampled hashes, about :math:`r\,n_{train}/s` of its rows were
used to fit the model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.io._outcomes import OutcomeSpec
from leadlever.engine.io._persist import load_versioned, save_versioned

__all__ = [
    "CHANCE_AUC_LOWER",
    "FINGERPRINT_SAMPLE",
    "MODEL_WARNING_COLUMN",
    "FitRecord",
    "chance_warning",
    "calibration_warning",
    "CALIBRATION_SLOPE_BAND",
    "chance_label",
    "column_warning",
    "row_hashes",
    "fingerprint",
    "estimated_overlap",
    "save_model",
    "load_model",
]

#: a model whose out-of-fold AUC interval reaches below this is "no better than chance"
CHANCE_AUC_LOWER = 0.55
#: training-row hashes kept in a model file
FINGERPRINT_SAMPLE = 2000
#: column that carries a model's warning into every table scored with it
MODEL_WARNING_COLUMN = "model_warning"


def chance_warning(ci: dict[str, Any] | None, what: str = "The conversion model") -> str | None:
    """The plain-words warning for a model whose AUC interval reaches below
    :data:`CHANCE_AUC_LOWER`, or None."""
    if not ci or ci.get("lower") is None or ci["lower"] >= CHANCE_AUC_LOWER:
        return None
    return (
        f"{what} is no better than chance: its out-of-sample AUC is {ci['auc']:.2f} "
        f"({ci['level']:.0%} interval {ci['lower']:.2f}-{ci['upper']:.2f}, which reaches below "
        f"{CHANCE_AUC_LOWER}). Won and lost leads cannot be told apart from these columns; do not "
        "use its scores, tiers or plans to prioritise leads."
    )


#: a calibration slope this far from 1 (and surely so: its 95 % interval excludes 1) is warned of
CALIBRATION_SLOPE_BAND = 0.1
#: normal quantile of that interval
_Z95 = 1.959963984540054


def calibration_warning(calibration: dict[str, Any] | None) -> str | None:
    """The warning for out-of-sample probabilities that are too spread out (slope below 1) or
    too timid (above 1), when the slope is off by more than :data:`CALIBRATION_SLOPE_BAND`
    and its 95 % interval excludes 1; else None. ECE can miss this when the base rate is low
    (every probability falls in its first bin)."""
    if not calibration or not np.isfinite(calibration.get("slope_se", np.nan)):
        return None
    b, se = float(calibration["slope"]), float(calibration["slope_se"])
    lo, hi = b - _Z95 * se, b + _Z95 * se
    if hi < 1 and b < 1 - CALIBRATION_SLOPE_BAND:
        how = (
            "too spread out: its highest scores overstate the chance of conversion (and its "
            "lowest understate it), so expected profits, prices and bundle grades built on the "
            "top leads are too high"
        )
    elif lo > 1 and b > 1 + CALIBRATION_SLOPE_BAND:
        how = "too timid: its highest scores understate the chance of conversion"
    else:
        return None
    return (
        f"Out of sample the model's probabilities are {how}: calibration slope {b:.2f} (95 % "
        f"interval {lo:.2f}-{hi:.2f}; 1 is calibrated). More closed leads or fewer columns "
        "make them steadier; treat figures on the top scores as optimistic until then."
    )


def chance_label(ci: dict[str, Any] | None) -> str | None:
    """Short form for the :data:`MODEL_WARNING_COLUMN` of scored tables, or None."""
    if chance_warning(ci) is None:
        return None
    return (
        f"no better than chance (AUC {ci['auc']:.2f}, {ci['level']:.0%} CI "
        f"{ci['lower']:.2f}-{ci['upper']:.2f})"
    )


def column_warning(frame: pd.DataFrame, source: str | None = None) -> str | None:
    """The warning a table carries in :data:`MODEL_WARNING_COLUMN` (from ``score apply`` or
    ``qualify apply`` with a model no better than chance), in words, or None."""
    if MODEL_WARNING_COLUMN not in frame.columns:
        return None
    labels = frame[MODEL_WARNING_COLUMN].dropna().astype(str).str.strip()
    labels = labels[labels != ""]
    if labels.empty:
        return None
    where = f"in '{source}' " if source else ""
    return (
        f"The probabilities {where}come from a conversion model {labels.iloc[0]}: won and lost "
        "leads could not be told apart, so rankings, tiers and plans built on them are no "
        "better than chance; do not use them to prioritise leads."
    )


def row_hashes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One 64-bit hash per row of ``frame[columns]`` (cells as text; order matters)."""
    text = frame[columns].astype("string").fillna("")
    return pd.util.hash_pandas_object(text, index=False).to_numpy(dtype=np.uint64)


def fingerprint(frame: pd.DataFrame, columns: list[str], *, seed: int = 0) -> dict[str, Any]:
    """A sample of training-row hashes (module docstring)."""
    hashes = row_hashes(frame, columns)
    rng = np.random.default_rng(seed)
    k = min(FINGERPRINT_SAMPLE, hashes.size)
    sample = hashes[rng.choice(hashes.size, size=k, replace=False)] if k else hashes
    return {
        "n_rows": int(hashes.size),
        "columns": list(columns),
        "row_hashes": [format(int(h), "016x") for h in sample],
    }


def estimated_overlap(record: dict[str, Any] | None, frame: pd.DataFrame) -> int:
    """About how many rows of ``frame`` the model was fitted on (0 when none or unknown)."""
    if not record or not record.get("row_hashes"):
        return 0
    columns = list(record["columns"])
    if any(c not in frame.columns for c in columns):
        return 0
    seen = {int(h, 16) for h in record["row_hashes"]}
    present = set(row_hashes(frame, columns).tolist())
    found = sum(1 for h in seen if h in present)
    return int(round(found * record["n_rows"] / len(seen)))


@dataclass(frozen=True)
class FitRecord:
    """The ``fit_record`` of a model file (module docstring)."""

    outcome: OutcomeSpec | None = None
    auc_ci: dict[str, Any] | None = None
    warnings: tuple[str, ...] = ()
    training: dict[str, Any] = field(default_factory=dict)

    @property
    def model_warning(self) -> str | None:
        """The "no better than chance" warning, when it applies."""
        return chance_warning(self.auc_ci)

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": None if self.outcome is None else self.outcome.to_dict(),
            "auc_ci": self.auc_ci,
            "warnings": list(self.warnings),
            "training": self.training,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> FitRecord:
        if not isinstance(data, dict):
            return cls()
        outcome = data.get("outcome")
        return cls(
            outcome=None if not outcome else OutcomeSpec.from_dict(outcome),
            auc_ci=data.get("auc_ci"),
            warnings=tuple(data.get("warnings") or ()),
            training=dict(data.get("training") or {}),
        )


def save_model(model: Any, record: FitRecord, path: str | os.PathLike) -> Any:
    """Write ``model`` (its versioned document) with ``record`` under ``"fit_record"``."""
    return save_versioned({**model.to_dict(), "fit_record": record.to_dict()}, path)


def load_model(path: str | os.PathLike) -> tuple[Any, FitRecord]:
    """A conversion model file and its fit record (empty for files without one)."""
    from leadlever.engine.scoring._conversion import ConversionModel
    from leadlever.engine.scoring._model_io import (
        MODEL_FORMAT,
        MODEL_HINT,
        MODEL_VERSION,
        check_model_version,
    )

    check_model_version(path)  # an older model gets a message saying how to refit
    data = load_versioned(
        path, fmt=MODEL_FORMAT, version=MODEL_VERSION, what="model", hint=MODEL_HINT
    )
    model = ConversionModel.from_dict(data, source=f"Model file '{path}'")
    return model, FitRecord.from_dict(data.get("fit_record"))
