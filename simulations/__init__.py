"""simulations: the Valiant world, lead and channel simulators, the demo.

May use every other package; nothing in the library imports it except the
demo and the tests.
"""

from simulations.campaign import CampaignComparison, CampaignSetup, compare_policies, run_campaign
from simulations.exceptions import SimulationError
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
    "CampaignSetup",
    "CampaignComparison",
    "run_campaign",
    "compare_policies",
    "load_hillstrom",
    "campaign_effects",
    "replay",
]
