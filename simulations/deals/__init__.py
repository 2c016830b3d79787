"""B2B deals as lines in p: break-even p*, the upper envelope, a forecast of p
and the probability that each deal is best.
"""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.simulations.deals._compare import (
        DealComparison,
        DecisionOdds,
        compare_deals,
        envelope_sensitivity,
        exact_odds,
        monte_carlo_odds,
        p_star_sensitivity,
    )
    from leadlever.simulations.deals._file import (
        DealsFile,
        compare_deals_file,
        example_deals_path,
        load_deals,
        parse_deals,
    )
    from leadlever.simulations.deals._forecast import (
        PoolForecast,
        forecast_from_probabilities,
        forecast_pool_p,
        season_of,
    )
    from leadlever.simulations.deals._lines import (
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

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
