"""``price leads``: price the open leads of a scored table, saying what the prices rest on.

:func:`price_open_leads` keeps closed leads out (a won or lost lead is not for sale),
takes each lead's generation cost (its price floor) from a ``generation_cost`` column,
else its quality class's cost given as an option, else the economics (``generation_cost``, by
channel when ``generation_cost_by_channel`` names the lead's channel), and prices the
rest with :func:`~leadlever.pricing._lead_prices.price_lead_table`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.economics._economics import Assumption, Economics
from leadlever.engine.io._outcomes import keep_open
from leadlever.engine.scoring._fit_record import column_warning
from leadlever.pricing._lead_prices import LeadPricing, price_lead_table
from leadlever.pricing._quality import DEFAULT_QUALITY_CLASSES, assign_quality_classes
from leadlever.pricing.exceptions import PricingError

__all__ = ["PriceList", "price_open_leads"]


@dataclass(frozen=True)
class PriceList:
    """Priced open leads and the batch economics (the ``price leads --json`` object)."""

    priced: pd.DataFrame
    pricing: LeadPricing
    n_closed_excluded: int = 0
    assumptions: tuple[Assumption, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        return self.priced

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.pricing.to_dict(),
            "n_by_grade": self.priced["grade"].value_counts().to_dict(),
            "n_closed_excluded": self.n_closed_excluded,
            "assumptions": [a.to_dict() for a in self.assumptions],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }


def price_open_leads(
    scored: pd.DataFrame,
    *,
    economics: Economics | None = None,
    c_high: float | None = None,
    c_low: float | None = None,
    target_margin: float | None = None,
    target_profit: float | None = None,
    thresholds: Sequence[float] = DEFAULT_QUALITY_CLASSES[0],
    weight_high: float = 1.0,
    weight_low: float = 0.0,
    cap: float | None = None,
    confidence: float | None = None,
    source: str | None = None,
) -> PriceList:
    """Classify and price the open leads of ``scored`` (module docstring); ``weight_high`` and
    ``weight_low`` are the relative weights of :func:`~leadlever.pricing._lead_prices.price_leads`.

    Raises
    ------
    PricingError
        No open leads; or a margin target with every generation cost 0 (every price
        would be 0), naming how to give the costs.
    """
    econ = economics or Economics()
    frame, n_closed, notes = keep_open(scored, doing="priced", source=source)
    used: list[Assumption] = []
    costs = {k: v for k, v in (("low", c_low), ("high", c_high)) if v is not None}
    classes = pd.Series(
        assign_quality_classes(frame["p_convert"].to_numpy(dtype=float), thresholds),
        index=frame.index,
    )
    own = (
        pd.to_numeric(frame["generation_cost"], errors="coerce")
        if "generation_cost" in frame.columns
        else pd.Series(np.nan, index=frame.index)
    )
    need = own.isna() & ~classes.isin(list(costs))
    if need.any():
        channel = frame["channel"].astype(str).to_numpy() if "channel" in frame.columns else None
        fallback = pd.Series(econ.generation_costs(len(frame), channel), index=frame.index)
        own = own.where(~need, fallback)
        name = (
            "generation_cost_by_channel"
            if channel is not None and econ.generation_cost_by_channel
            else "generation_cost"
        )
        used.append(econ.assumption(name, f"the price floor of {int(need.sum()):,} lead(s)"))
    # the cost each lead is priced on (its quality class's cost where it has none of its own)
    frame = frame.assign(generation_cost=own.fillna(classes.map(costs)))
    if target_margin is not None:
        floor = own.fillna(classes.map(costs)).to_numpy(dtype=float)
        if np.nansum(floor) == 0:
            raise PricingError(
                "Every generation cost is 0 (the economics' default), so a margin target prices "
                "every lead at 0. Give --c-high/--c-low, a 'generation_cost' column, or "
                "generation_cost in the economics file; or aim for --target-profit."
            )
    priced, result = price_lead_table(
        frame,
        costs=costs,
        target_margin=target_margin,
        target_profit=target_profit,
        thresholds=thresholds,
        weight_high=weight_high,
        weight_low=weight_low,
        cap=cap,
        confidence=confidence,
    )
    warning = column_warning(frame, source)
    return PriceList(
        priced,
        result,
        n_closed,
        tuple(used),
        () if warning is None else (warning,),
        tuple(notes),
    )
