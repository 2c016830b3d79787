"""Domain errors of the optimisers (packager part).

All derive from :class:`engine.exceptions.LeadLeverError`, so the CLI maps them
to exit code 2 with the message and no traceback.
"""

from __future__ import annotations

from engine.exceptions import InputFileError, LeadLeverError

__all__ = ["InfeasibleRequirementError", "BuyersFileError", "SolverError"]


class InfeasibleRequirementError(LeadLeverError, ValueError):
    """A buyer's requirement cannot be met by any bundle of the available leads.

    Attributes
    ----------
    reasons : list of str
        One sentence per unmet requirement: which buyer, which requirement, by how much.
    """

    def __init__(self, message: str, reasons: list[str] | tuple[str, ...] = ()):
        super().__init__(message)
        self.reasons = list(reasons)


class BuyersFileError(InputFileError):
    """A buyers file (TOML) is malformed: unknown key, wrong type, value out of range."""


class SolverError(LeadLeverError, RuntimeError):
    """The MILP solver is unavailable or returned no usable solution."""
