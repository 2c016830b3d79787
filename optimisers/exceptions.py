"""Domain errors of the optimisers (curves, allocation, planning, packaging).

All derive from :class:`OptimiserError`, itself a
:class:`leadlever.engine.exceptions.LeadLeverError`, so the CLI maps them to exit code 2
with their message.
"""

from __future__ import annotations

from leadlever.engine.exceptions import InputFileError, LeadLeverError

__all__ = [
    "OptimiserError",
    "CurveError",
    "CurveFitError",
    "ExtrapolationError",
    "InfeasibleRequirementError",
    "ConvergenceError",
    "PlannerError",
    "NoConsultantsError",
    "ZeroCapacityError",
    "ConsultantsFileError",
    "PlanSolveError",
    "BuyersFileError",
    "SolverError",
    "NoPlanFoundError",
]


class OptimiserError(LeadLeverError):
    """Base class of the optimisers' errors."""


# --- curves and allocation ---------------------------------------------------------------


class CurveError(OptimiserError, ValueError):
    """A response curve has invalid parameters or an unknown kind."""


class CurveFitError(OptimiserError, ValueError):
    """A curve could not be fitted to a history (too few points, no variation, failure)."""


class ExtrapolationError(OptimiserError, ValueError):
    """A fitted curve was asked for spend far beyond the spend it was fitted on."""


class InfeasibleRequirementError(OptimiserError, ValueError):
    """Requirements cannot all hold; the message names the conflict.

    Attributes
    ----------
    conflict : str
        Short machine-readable name of the conflict (e.g. ``"budget_above_max"``).
    reasons : list of str
        One sentence per unmet requirement (the packager: which buyer, which
        requirement, by how much).
    """

    def __init__(
        self,
        message: str,
        conflict: str = "infeasible",
        *,
        reasons: list[str] | tuple[str, ...] = (),
    ):
        super().__init__(message)
        self.conflict = conflict
        self.reasons = list(reasons) if reasons else [message]


class ConvergenceError(OptimiserError, RuntimeError):
    """A solver did not converge; no result is returned in that case."""


# --- planner (action planning and consultant assignment) ---------------------------------


class PlannerError(OptimiserError, ValueError):
    """Base class of the action planner's errors."""


class NoConsultantsError(PlannerError):
    """The consultants table is empty, so no lead can be worked in-house."""


class ZeroCapacityError(PlannerError):
    """Every consultant has zero weekly hours (or the horizon is zero)."""


class ConsultantsFileError(PlannerError, InputFileError):
    """A consultants file (CSV or TOML) is malformed: missing column, bad hours or seniority."""


class PlanSolveError(PlannerError, RuntimeError):
    """The assignment MILP returned no usable solution (solver failure, not optimal)."""


# --- packager --------------------------------------------------------------------------------


class BuyersFileError(OptimiserError, InputFileError):
    """A buyers file (TOML) is malformed: unknown key, wrong type, value out of range."""


class SolverError(OptimiserError, RuntimeError):
    """The MILP solver is unavailable or returned no usable solution."""


class NoPlanFoundError(SolverError):
    """The solver ran but found no feasible plan (typically: the time limit was too short)."""
