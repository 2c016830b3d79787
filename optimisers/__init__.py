"""Response curves, budget allocation, the closed-loop learner, consultant
planning and the PuLP lead packager.

Subpackages: :mod:`~leadlever.optimisers.curves`,
:mod:`~leadlever.optimisers.allocation`, :mod:`~leadlever.optimisers.learning`,
:mod:`~leadlever.optimisers.planning` and :mod:`~leadlever.optimisers.packaging`.
"""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.optimisers._solvers import DEFAULT_SOLVER, SOLVERS, available_solvers
    from leadlever.optimisers.exceptions import (
        BuyersFileError,
        ConvergenceError,
        CurveError,
        CurveFitError,
        ExtrapolationError,
        InfeasibleRequirementError,
        NoPlanFoundError,
        OptimiserError,
        PlannerError,
        SolverError,
    )

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
