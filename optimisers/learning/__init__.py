"""The closed loop: Thompson sampling over Bayesian response curves, one period at a time."""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.optimisers.learning._bayes_curves import (
        CurveDraw,
        HillGrid,
        draw_curves,
        grid_log_posterior,
        make_grid,
    )
    from leadlever.optimisers.learning._campaign_step import campaign_step
    from leadlever.optimisers.learning._learner import CampaignLearner, LearnerSettings, LearnerStep
    from leadlever.optimisers.learning._ledger import (
        RecommendationLedger,
        predicted_split_value,
        recommendation_ledger,
    )
    from leadlever.optimisers.learning._step_result import CampaignStepResult

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
