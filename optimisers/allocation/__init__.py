"""Budget allocation across channels: exact for concave curves, global otherwise, with a
certificate; decisions within the evidence with their uncertainty; plans over weeks;
budget scenarios; the CURVES table.
"""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.optimisers.allocation._agreement import compare_directions, move_toward
    from leadlever.optimisers.allocation._allocator import (
        Allocation,
        AllocatorSettings,
        Certificate,
        allocate,
    )
    from leadlever.optimisers.allocation._constraints import (
        GroupConstraint,
        check_feasible,
        resolve_bounds,
    )
    from leadlever.optimisers.allocation._curve_table import CurveTable, read_curves
    from leadlever.optimisers.allocation._decision import DecisionSettings, recommend
    from leadlever.optimisers.allocation._entry import plan_curves, recommend_fit, solve_curves
    from leadlever.optimisers.allocation._feedback import ChannelFeedback, evaluate_with_curves
    from leadlever.optimisers.allocation._objectives import Objective
    from leadlever.optimisers.allocation._plan import PlanResult, plan_weeks
    from leadlever.optimisers.allocation._recommendation import ChannelDecision, Recommendation
    from leadlever.optimisers.allocation._scenarios import (
        Frontier,
        frontier,
        max_profit,
        max_value,
        min_spend_for_value,
        spend_for_average_roi,
        spend_for_marginal_roi,
    )

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
