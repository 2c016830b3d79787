"""Action planning: work a lead in-house now, nurture it, or sell it (consultant assignment MILP)."""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.optimisers.planning._consultants import SENIORITY_LEVELS, load_consultants
    from leadlever.optimisers.planning._planner import Plan, PlannerSettings, plan_actions
    from leadlever.optimisers.planning._triage import triage_leads

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
