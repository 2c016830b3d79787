"""The simulated Valiant world: channels with ground-truth response curves,
carry-over and a shared season, leads with known conversion probabilities, weekly
channel history; random channel worlds for benchmarks.
"""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.simulations.world._channel_world import (
        ChannelTruth,
        ChannelWorld,
        Seasonality,
        SpendPattern,
        random_channel_world,
    )
    from leadlever.simulations.world._channels import Channel, ValiantWorld, default_world
    from leadlever.simulations.world._crm_exports import (
        EXPORT_KINDS,
        export_valiant,
        simulate_export,
    )
    from leadlever.simulations.world._exports import (
        FACEBOOK_COLUMNS,
        facebook_ads_export,
        platform_export,
        simulate_channel_file,
    )
    from leadlever.simulations.world._history import (
        HISTORY_COLUMNS,
        channel_economics,
        simulate_channels,
        valiant_channel_world,
    )
    from leadlever.simulations.world._leads import (
        LEAD_COLUMNS,
        MAX_DAYS_TO_CLOSE,
        TRUE_COLUMNS,
        sample_leads,
        simulate_leads,
    )
    from leadlever.simulations.world._timing import TIMING_LAW, TimingLaw

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
