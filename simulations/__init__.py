"""simulations: the Valiant world, lead and channel simulators, the demo.

May use every other package; nothing in the library imports it except the
demo and the tests.
"""

from simulations.campaign import CampaignComparison, CampaignSetup, compare_policies, run_campaign
from simulations.deal_compare import (
    DealComparison,
    DecisionOdds,
    compare_deals,
    exact_odds,
    monte_carlo_odds,
    p_star_sensitivity,
)
from simulations.deal_file import (
    DealsFile,
    compare_deals_file,
    example_deals_path,
    load_deals,
    parse_deals,
)
from simulations.deal_forecast import (
    PoolForecast,
    forecast_from_probabilities,
    forecast_pool_p,
    season_of,
)
from simulations.deals import (
    ClientContractTerms,
    Crossing,
    Deal,
    EnvelopeSegment,
    LeadSaleTerms,
    crossing,
    deal_from_terms,
    line_deal,
    p_star,
    upper_envelope,
)
from simulations.exceptions import DealError, IdenticalDealsError, NoCrossingError, SimulationError
from simulations.hillstrom import campaign_effects, load_hillstrom, replay
from simulations.history import HISTORY_COLUMNS, channel_economics, simulate_channels
from simulations.leads import LEAD_COLUMNS, TRUE_COLUMNS, sample_leads, simulate_leads
from simulations.world import Channel, ValiantWorld, default_world

__all__ = [
    "SimulationError",
    "Channel",
    "ValiantWorld",
    "default_world",
    "simulate_leads",
    "sample_leads",
    "simulate_channels",
    "channel_economics",
    "LEAD_COLUMNS",
    "TRUE_COLUMNS",
    "HISTORY_COLUMNS",
    "DealError",
    "NoCrossingError",
    "IdenticalDealsError",
    "Deal",
    "ClientContractTerms",
    "LeadSaleTerms",
    "Crossing",
    "EnvelopeSegment",
    "crossing",
    "p_star",
    "line_deal",
    "deal_from_terms",
    "upper_envelope",
    "PoolForecast",
    "forecast_pool_p",
    "forecast_from_probabilities",
    "season_of",
    "DealComparison",
    "DecisionOdds",
    "compare_deals",
    "exact_odds",
    "monte_carlo_odds",
    "p_star_sensitivity",
    "DealsFile",
    "load_deals",
    "parse_deals",
    "example_deals_path",
    "compare_deals_file",
    "CampaignSetup",
    "CampaignComparison",
    "run_campaign",
    "compare_policies",
    "load_hillstrom",
    "campaign_effects",
    "replay",
]
