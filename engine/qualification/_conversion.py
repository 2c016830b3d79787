"""Glue between the qualification bundle and the conversion model (issue 3).

The conversion model is ``engine.ConversionModel`` (keyword-only constructor,
``fit(X, y) -> self``, ``predict_proba(X) -> (n, 2)``, JSON persistence). These
helpers create it and store it inside the bundle's JSON as a nested object, so
the bundle stays one file that runs no code when loaded.
"""

from __future__ import annotations

from typing import Any

from leadlever.engine.exceptions import ModelFileError, ParameterError

__all__ = ["make_conversion", "conversion_to_json", "conversion_from_json"]


def make_conversion():
    """A new, unfitted ``engine.ConversionModel`` with its defaults."""
    from leadlever.engine.scoring._conversion import ConversionModel

    return ConversionModel()


def conversion_to_json(model: Any) -> dict[str, Any]:
    """The fitted conversion model as a JSON-able dict (``leadlever.engine.scoring._model_io`` format)."""
    from leadlever.engine.scoring._conversion import ConversionModel

    if isinstance(model, ConversionModel):
        return {"class": "ConversionModel", "data": model.to_dict()}
    if hasattr(model, "to_dict"):  # any model following the same contract
        return {"class": type(model).__name__, "data": model.to_dict()}
    raise ParameterError(f"The conversion model {type(model).__name__} cannot be saved as JSON.")


def conversion_from_json(
    entry: dict[str, Any], cls: type | None = None, source: str = "The qualification bundle"
) -> Any:
    """Rebuild the conversion model stored by :func:`conversion_to_json`.

    ``cls`` (with a ``from_dict``) overrides the default ``engine.ConversionModel``.
    """
    from leadlever.engine.scoring._conversion import ConversionModel

    if not isinstance(entry, dict) or "data" not in entry:
        raise ModelFileError("The bundle's conversion model entry is damaged (no 'data').")
    if cls is not None:
        return cls.from_dict(entry["data"])
    return ConversionModel.from_dict(entry["data"], source=f"{source} (conversion model)")
