"""optimisers: response curves, budget allocation, the closed-loop learner,
consultant planning and the PuLP lead packager."""

from optimisers.allocator import Allocation, AllocatorSettings, Certificate, allocate
from optimisers.bayes_curves import CurveDraw, HillGrid, draw_curves, grid_log_posterior, make_grid
from optimisers.buyers import Buyer, Market, parse_buyers, read_buyers
from optimisers.campaign_step import CampaignStepResult, campaign_step
from optimisers.constraints import GroupConstraint, check_feasible, resolve_bounds
from optimisers.curve_fit import CurveFitResult, FittedCurve, fit_curve, fit_curves
from optimisers.curve_io import CurveTable, TrustedCurve, read_curves, solve_curves
from optimisers.curve_stack import CurveStack
from optimisers.curves import (
    CURVE_KINDS,
    Curve,
    ExpSaturation,
    Hill,
    Logistic,
    MichaelisMenten,
    Power,
    curve_from_params,
)
from optimisers.exceptions import (
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
from optimisers.grades import GradeScale, certified_line, grade_bundle
from optimisers.learner import CampaignLearner, LearnerSettings, LearnerStep
from optimisers.objectives import Objective
from optimisers.packager import PackagerSettings, package, prepare_leads
from optimisers.packager_greedy import greedy_packaging
from optimisers.packager_result import Bundle, LeadPool, PackagingResult, plan_violations
from optimisers.planner import Plan, PlannerSettings, load_consultants, plan_actions
from optimisers.scenarios import (
    Frontier,
    frontier,
    max_profit,
    max_value,
    min_spend_for_value,
    spend_for_average_roi,
    spend_for_marginal_roi,
)

__all__ = [
    "CampaignLearner",
    "LearnerSettings",
    "LearnerStep",
    "CampaignStepResult",
    "campaign_step",
    "CurveDraw",
    "HillGrid",
    "make_grid",
    "grid_log_posterior",
    "draw_curves",
    "Allocation",
    "AllocatorSettings",
    "Certificate",
    "allocate",
    "GroupConstraint",
    "check_feasible",
    "resolve_bounds",
    "CurveFitResult",
    "FittedCurve",
    "fit_curve",
    "fit_curves",
    "CurveTable",
    "TrustedCurve",
    "read_curves",
    "solve_curves",
    "CURVE_KINDS",
    "Curve",
    "CurveStack",
    "Hill",
    "Logistic",
    "MichaelisMenten",
    "Power",
    "ExpSaturation",
    "curve_from_params",
    "OptimiserError",
    "CurveError",
    "CurveFitError",
    "ExtrapolationError",
    "InfeasibleRequirementError",
    "ConvergenceError",
    "Objective",
    "Frontier",
    "frontier",
    "max_value",
    "max_profit",
    "spend_for_average_roi",
    "spend_for_marginal_roi",
    "min_spend_for_value",
    "Plan",
    "PlannerSettings",
    "plan_actions",
    "load_consultants",
    "PlannerError",
    "Buyer",
    "Market",
    "parse_buyers",
    "read_buyers",
    "BuyersFileError",
    "SolverError",
    "NoPlanFoundError",
    "GradeScale",
    "grade_bundle",
    "certified_line",
    "PackagerSettings",
    "package",
    "prepare_leads",
    "greedy_packaging",
    "Bundle",
    "LeadPool",
    "PackagingResult",
    "plan_violations",
]
