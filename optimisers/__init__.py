"""optimisers: response curves, budget allocation, the closed-loop learner,
consultant planning and the PuLP lead packager."""

from optimisers.planner import Plan, PlannerSettings, load_consultants, plan_actions

__all__ = ["Plan", "PlannerSettings", "plan_actions", "load_consultants"]
