"""Period-by-period closed-loop campaign runs on the simulated world, policy against policy."""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.simulations.campaign._policies import POLICY_NAMES
    from leadlever.simulations.campaign._results import CampaignComparison, PolicySummary, mean_ci
    from leadlever.simulations.campaign._run import (
        CampaignSetup,
        PolicyRun,
        compare_policies,
        run_campaign,
    )

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
