"""Domain errors of the optimisers.

All derive from :class:`engine.exceptions.LeadLeverError`, so the CLI maps them
to exit code 2 with their message. Each optimiser keeps its errors in its own
clearly marked section (planner below; packager and allocator add theirs).
"""

from __future__ import annotations

from engine.exceptions import InputFileError, LeadLeverError

__all__ = [
    "PlannerError",
    "NoConsultantsError",
    "ZeroCapacityError",
    "ConsultantsFileError",
    "PlanSolveError",
]


# --- planner (action planning and consultant assignment, issue 4) ---------------------


class PlannerError(LeadLeverError, ValueError):
    """Base class of the action planner's errors."""


class NoConsultantsError(PlannerError):
    """The consultants table is empty, so no lead can be worked in-house."""


class ZeroCapacityError(PlannerError):
    """Every consultant has zero weekly hours (or the horizon is zero)."""


class ConsultantsFileError(PlannerError, InputFileError):
    """A consultants file (CSV or TOML) is malformed: missing column, bad hours or seniority."""


class PlanSolveError(PlannerError, RuntimeError):
    """The assignment MILP returned no usable solution (solver failure, not optimal)."""
