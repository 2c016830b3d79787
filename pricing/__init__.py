"""Pricing leads for sale: the case's expected-profit formulas p(R - C), solving
for a lever, per-lead prices with a confidence, marketplace terms.

Imports ``engine`` only (never ``optimisers``, ``simulations`` or the CLI).
"""

from typing import TYPE_CHECKING

from leadlever._lazy import lazy_exports

if TYPE_CHECKING:
    from leadlever.pricing._formulas import (
        LEVERS,
        BreakEven,
        KClassResult,
        PricingResult,
        TwoClassLevers,
        break_even_p,
        evaluate,
        expected_profit_k,
        expected_profit_per_lead,
        profit_sensitivity,
    )
    from leadlever.pricing._lead_prices import LeadPricing, price_lead_table, price_leads
    from leadlever.pricing._marketplace import (
        MarketTerms,
        SellDecision,
        SharingResult,
        best_sharing,
        net_price,
        sell_or_convert,
        shared_revenue,
    )
    from leadlever.pricing._price_list import PriceList, price_open_leads
    from leadlever.pricing._quality import (
        DEFAULT_QUALITY_CLASSES,
        SCORED_SCHEMA,
        assign_quality_classes,
        load_scored_leads,
        quality_class_shares,
    )
    from leadlever.pricing._solve import SolveResult, lever_coefficients, solve_lever
    from leadlever.pricing._uncertainty import (
        ConfidencePrice,
        ProfitDistribution,
        guaranteed_count,
        high_quality_pmf,
        multiplier_for_confidence,
        prob_profit_at_least,
        profit_distribution,
    )
    from leadlever.pricing.exceptions import PricingError, UnreachableTargetError

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
