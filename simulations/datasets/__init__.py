"""Analyses of public data sets (the Hillstrom e-mail experiment) and simulated exports with
known structure for the conversion scorer."""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.simulations.datasets._hillstrom import (
        ARMS,
        CONTROL,
        HILLSTROM_FILE,
        ReplayResult,
        campaign_effects,
        load_hillstrom,
        replay,
        synthetic_experiment,
    )
    from leadlever.simulations.datasets._scoring_sets import (
        SIMULATED_SETS,
        SimulatedSet,
        simulate_campaign_responses,
        simulate_lead_export,
        simulate_sessions,
    )

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
