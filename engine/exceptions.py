"""Domain errors of LeadLever.

Every error a user can cause derives from :class:`LeadLeverError`; the CLI maps
these to exit code 2 and prints the message without a traceback. Other
packages (``optimisers``, ``pricing``, ``simulations``) define their own
``exceptions`` modules whose classes also derive from :class:`LeadLeverError`.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "LeadLeverError",
    "DataError",
    "InputFileError",
    "MissingColumnsError",
    "InvalidValueError",
    "EmptyDataError",
    "ParameterError",
    "ModelFileError",
    "NotFittedError",
    "error_details",
]


class LeadLeverError(Exception):
    """Base class of every error a user can cause (bad data, bad parameters)."""


class DataError(LeadLeverError, ValueError):
    """A table does not satisfy what the operation needs."""


class InputFileError(DataError):
    """A file is missing, unreadable or of an unsupported format."""


class EmptyDataError(DataError):
    """A file or table has no data rows."""


class MissingColumnsError(DataError):
    """Required columns are absent from a table.

    Attributes
    ----------
    missing : list of str
        The absent column names.
    suggestions : dict
        For each missing column, the closest existing column name (if any).
    """

    def __init__(self, message: str, missing: list[str], suggestions: dict[str, str]):
        super().__init__(message)
        self.missing = list(missing)
        self.suggestions = dict(suggestions)


class InvalidValueError(DataError):
    """Values in a column are of the wrong type or out of range.

    Attributes
    ----------
    column : str
    rows : list of int
        1-based data row numbers (as a spreadsheet shows them after the header).
    """

    def __init__(self, message: str, column: str, rows: list[int]):
        super().__init__(message)
        self.column = column
        self.rows = list(rows)


class ParameterError(LeadLeverError, ValueError):
    """A parameter is outside its valid range."""


class ModelFileError(LeadLeverError, ValueError):
    """A model file is not a valid LeadLever model (wrong format or version)."""


class NotFittedError(LeadLeverError, RuntimeError):
    """An estimator was used before ``fit``."""


#: the attributes an error may carry that say where it is (file, column, rows) and how to fix it
_DETAILS = ("column", "rows", "missing", "suggestions", "conflict", "reasons", "lever", "needed")


def error_details(exc: BaseException) -> dict[str, Any]:
    """One error as a JSON-ready object: what the CLI prints with ``--json`` and the service's
    error body.

    ``{"error": <class name>, "message": <text>}`` plus the attributes it carries (``column``,
    ``rows``, ``missing``, ``suggestions``, ...), so a program can find the column and rows at
    fault without parsing the text.

    Examples
    --------
    >>> error_details(InvalidValueError("Column 'p': row 3 is -1.", "p", [3]))
    {'error': 'InvalidValueError', 'message': "Column 'p': row 3 is -1.", 'column': 'p', 'rows': [3]}
    """
    out: dict[str, Any] = {"error": type(exc).__name__, "message": str(exc)}
    for name in _DETAILS:
        value = getattr(exc, name, None)
        if value is not None and not callable(value):
            out[name] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    """numpy scalars in an error's attributes as Python numbers; non-finite floats as None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
