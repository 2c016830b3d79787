"""Glue between the qualification bundle and the conversion model (issue 3).

The conversion model is ``engine.ConversionModel`` (keyword-only constructor,
``fit(X, y) -> self``, ``predict_proba(X) -> (n, 2)``, JSON persistence). These
helpers create it and store it inside the bundle's JSON as a nested object, so
the bundle stays one file that runs no code when loaded.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from engine.exceptions import ModelFileError, ParameterError

__all__ = ["make_conversion", "conversion_to_json", "conversion_from_json"]


def _conversion_class():
    try:
        from engine import ConversionModel
    except ImportError as exc:  # the scoring capability is not part of this build
        raise ParameterError(
            "The conversion model (engine.ConversionModel) is not available in this build of "
            "LeadLever; install a version with 'leadlever score'."
        ) from exc
    return ConversionModel


def make_conversion():
    """A new, unfitted ``engine.ConversionModel`` with its defaults."""
    return _conversion_class()()


def conversion_to_json(model: Any) -> dict[str, Any]:
    """The fitted conversion model as a JSON-able dict."""
    if hasattr(model, "to_dict"):
        return {"class": type(model).__name__, "data": model.to_dict()}
    if hasattr(model, "save"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "conversion.json"
            model.save(path)
            return {
                "class": type(model).__name__,
                "data": json.loads(path.read_text(encoding="utf-8")),
            }
    raise ParameterError(f"The conversion model {type(model).__name__} cannot be saved as JSON.")


def conversion_from_json(entry: dict[str, Any], cls: type | None = None) -> Any:
    """Rebuild the conversion model stored by :func:`conversion_to_json`.

    ``cls`` overrides the class (default ``engine.ConversionModel``).
    """
    if not isinstance(entry, dict) or "data" not in entry:
        raise ModelFileError("The bundle's conversion model entry is damaged (no 'data').")
    cls = cls or _conversion_class()
    if hasattr(cls, "from_dict"):
        return cls.from_dict(entry["data"])
    if hasattr(cls, "load"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "conversion.json"
            path.write_text(json.dumps(entry["data"]), encoding="utf-8")
            return cls.load(path)
    raise ModelFileError("This build's ConversionModel cannot be loaded from JSON.")
