"""optimisers: response curves, budget allocation, the closed-loop learner,
consultant planning and the PuLP lead packager."""

__all__: list[str] = []
