"""Errors raised by :mod:`pricing`.

All derive from :class:`leadlever.engine.exceptions.LeadLeverError` (the CLI maps them
to exit code 2) and from :class:`ValueError`.
"""

from __future__ import annotations

from leadlever.engine.exceptions import LeadLeverError

__all__ = ["PricingError", "UnreachableTargetError"]


class PricingError(LeadLeverError, ValueError):
    """A pricing input is invalid (negative cost, probability outside [0, 1], ...)."""


class UnreachableTargetError(PricingError):
    """No admissible value of the lever reaches the target.

    Attributes
    ----------
    lever : str
        The lever that was solved for.
    needed : float or None
        The value the target would need (outside the lever's range), or None
        when the target does not depend on the lever at all.
    """

    def __init__(self, message: str, *, lever: str, needed: float | None = None):
        super().__init__(message)
        self.lever = lever
        self.needed = needed
