"""optimisers: response curves, budget allocation, the closed-loop learner,
consultant planning and the PuLP lead packager."""

from optimisers.buyers import Buyer, Market, parse_buyers, read_buyers
from optimisers.exceptions import BuyersFileError, InfeasibleRequirementError, SolverError
from optimisers.grades import GradeScale, certified_line, grade_bundle
from optimisers.packager import PackagerSettings, package, prepare_leads
from optimisers.packager_greedy import greedy_packaging
from optimisers.packager_result import Bundle, LeadPool, PackagingResult, plan_violations

__all__ = [
    "Buyer",
    "Market",
    "parse_buyers",
    "read_buyers",
    "BuyersFileError",
    "InfeasibleRequirementError",
    "SolverError",
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
