"""pricing: expected-profit formulas, solving for a lever, per-lead prices.

Imports ``engine`` only (never ``optimisers``, ``simulations`` or the CLI).
"""

from pricing.exceptions import PricingError, UnreachableTargetError
from pricing.formulas import (
    LEVERS,
    BreakEven,
    KGradeResult,
    PricingResult,
    TwoGradeLevers,
    break_even_p,
    evaluate,
    expected_profit_k,
    expected_profit_per_lead,
    profit_sensitivity,
)
from pricing.grades import (
    DEFAULT_GRADES,
    SCORED_SCHEMA,
    assign_grades,
    grade_shares,
    load_scored_leads,
)
from pricing.lead_prices import LeadPricing, price_lead_table, price_leads
from pricing.marketplace import (
    MarketTerms,
    SellDecision,
    SharingResult,
    best_sharing,
    net_price,
    sell_or_convert,
    shared_revenue,
)
from pricing.solve import SolveResult, lever_coefficients, solve_lever
from pricing.uncertainty import (
    ConfidencePrice,
    ProfitDistribution,
    guaranteed_count,
    high_quality_pmf,
    multiplier_for_confidence,
    prob_profit_at_least,
    profit_distribution,
)

__all__ = [
    "PricingError",
    "UnreachableTargetError",
    "LEVERS",
    "TwoGradeLevers",
    "PricingResult",
    "BreakEven",
    "KGradeResult",
    "evaluate",
    "break_even_p",
    "expected_profit_per_lead",
    "expected_profit_k",
    "profit_sensitivity",
    "SolveResult",
    "solve_lever",
    "lever_coefficients",
    "DEFAULT_GRADES",
    "LeadPricing",
    "assign_grades",
    "grade_shares",
    "price_leads",
    "price_lead_table",
    "load_scored_leads",
    "SCORED_SCHEMA",
    "ProfitDistribution",
    "ConfidencePrice",
    "high_quality_pmf",
    "guaranteed_count",
    "profit_distribution",
    "prob_profit_at_least",
    "multiplier_for_confidence",
    "MarketTerms",
    "SharingResult",
    "SellDecision",
    "shared_revenue",
    "best_sharing",
    "net_price",
    "sell_or_convert",
]
