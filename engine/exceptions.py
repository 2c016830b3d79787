"""Domain errors of LeadLever.

Every error a user can cause derives from :class:`LeadLeverError`; the CLI maps
these to exit code 2 and prints the message without a traceback. Other
packages (``optimisers``, ``pricing``, ``simulations``) define their own
``exceptions`` modules whose classes also derive from :class:`LeadLeverError`.
"""

from __future__ import annotations

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
