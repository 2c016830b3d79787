"""Domain errors of the optimisers (curves, fitting, allocation).

All derive from :class:`engine.exceptions.LeadLeverError`, so the CLI maps them
to exit code 2 with their message.
"""

from __future__ import annotations

from engine.exceptions import LeadLeverError

__all__ = [
    "OptimiserError",
    "CurveError",
    "CurveFitError",
    "ExtrapolationError",
    "InfeasibleRequirementError",
    "ConvergenceError",
]


class OptimiserError(LeadLeverError):
    """Base class of the optimisers' errors."""


class CurveError(OptimiserError, ValueError):
    """A response curve has invalid parameters or an unknown kind."""


class CurveFitError(OptimiserError, ValueError):
    """A curve could not be fitted to a history (too few points, no variation, failure)."""


class ExtrapolationError(OptimiserError, ValueError):
    """A fitted curve was asked for spend far beyond the spend it was fitted on."""


class InfeasibleRequirementError(OptimiserError, ValueError):
    """Bounds, locks, groups and budget cannot all hold; the message names the conflict.

    Attributes
    ----------
    conflict : str
        Short machine-readable name of the conflict (e.g. ``"budget_above_max"``).
    """

    def __init__(self, message: str, conflict: str = "infeasible"):
        super().__init__(message)
        self.conflict = conflict


class ConvergenceError(OptimiserError, RuntimeError):
    """A solver did not converge; no allocation is returned in that case."""
