"""``price leads``: price the open leads of a scored table, saying what the prices rest on.

:func:`price_open_leads` keeps closed leads out (a won or lost lead is not for sale),
takes each lead's generation cost (its price floor) from a ``generation_cost`` column,
else its quality class's cost given as an option, else the economics (``generation_cost``, by
channel when ``generation_cost_by_channel`` names the lead's channel), and prices the
rest with :func:`~leadlever.pricing._lead_prices.price_lead_table`.

A lead is not listed for less than it is worth in-house: by default (``floor="in-house-value"``)
its price is at least its expected in-house value
(:func:`leadlever.engine.economics.in_house_values`, the opportunity cost ``package`` and
``plan`` use), announced with the figures it rests on. With ``floor="generation-cost"`` the
generation cost is the only floor, and a warning counts the leads priced below their
in-house value. Profit and margin count the generation cost only, as ``package`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.economics._economics import Assumption, Economics
from leadlever.engine.economics._lead_values import in_house_values
from leadlever.engine.io._open_leads import keep_open
from leadlever.engine.io._outcomes import OutcomeSpec
from leadlever.engine.scoring._fit_record import column_warning
from leadlever.pricing._lead_prices import LeadPricing, price_lead_table
from leadlever.pricing._quality import DEFAULT_QUALITY_CLASSES, assign_quality_classes
from leadlever.pricing.exceptions import PricingError

__all__ = ["PriceList", "price_open_leads", "FLOORS"]

#: what a price may not go below: the in-house value (and the generation cost), or only the latter
FLOORS = ("in-house-value", "generation-cost")


@dataclass(frozen=True)
class PriceList:
    """Priced open leads and the batch economics (the ``price leads --json`` object)."""

    priced: pd.DataFrame
    pricing: LeadPricing
    n_closed_excluded: int = 0
    assumptions: tuple[Assumption, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    n_below_in_house: int = 0

    def to_frame(self) -> pd.DataFrame:
        return self.priced

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.pricing.to_dict(),
            "n_by_grade": self.priced["grade"].value_counts().to_dict(),
            "n_closed_excluded": self.n_closed_excluded,
            "n_below_in_house_value": self.n_below_in_house,
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
    floor: str = "in-house-value",
    outcome: OutcomeSpec | None = None,
) -> PriceList:
    """Classify and price the open leads of ``scored`` (module docstring); ``weight_high`` and
    ``weight_low`` are the relative weights of :func:`~leadlever.pricing._lead_prices.price_leads`.

    Raises
    ------
    PricingError
        No open leads; or a margin target with every generation cost 0 (every price
        would be 0), naming how to give the costs.
    """
    if floor not in FLOORS:
        raise PricingError(f"The price floor must be one of {FLOORS}. Got {floor!r} instead.")
    econ = economics or Economics()
    frame, n_closed, notes = keep_open(scored, doing="priced", source=source, outcome=outcome)
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
    values = in_house_values(frame, econ, "p_convert", source=source)
    in_house = np.maximum(values.values, 0.0)
    used += [
        Assumption(
            "price_floor",
            floor,
            "default" if floor == FLOORS[0] else "option",
            "the in-house value is the profile's, at base seniority, as package uses it; plan "
            "values a lead with the consultant it assigns, so with a senior one it can be higher"
            if floor == FLOORS[0]
            else "",
        ),
        Assumption(
            "quality_threshold",
            float(thresholds[0]) if len(thresholds) == 1 else list(map(float, thresholds)),
            "default" if tuple(thresholds) == tuple(DEFAULT_QUALITY_CLASSES[0]) else "option",
            "p_convert at or above it grades a lead 'high' (its generation cost is c_high)",
        ),
        *values.assumptions,
    ]
    # the cost each lead is priced on (its quality class's cost where it has none of its own)
    frame = frame.assign(generation_cost=own.fillna(classes.map(costs)))
    if target_margin is not None:
        gen_costs = own.fillna(classes.map(costs)).to_numpy(dtype=float)
        if np.nansum(gen_costs) == 0:
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
        floors=in_house if floor == "in-house-value" else None,
    )
    warnings = list(values.warnings)
    below_mask = result.prices < in_house - 0.005
    below = int(below_mask.sum())
    if result.multiplier == 0 and len(result.prices):
        notes.append(
            "The floors alone meet the target (multiplier 0): every lead is priced at its floor "
            "(its generation cost, or its in-house value), so the prices do not follow p_convert."
        )
    if floor == "in-house-value":
        at = int(np.sum((in_house > result.costs) & (np.abs(result.prices - in_house) < 0.005)))
        if at:
            notes.append(
                f"{at:,} lead(s) are priced at their in-house value (the floor: a lead is not "
                "listed for less than it is worth in-house; --floor generation-cost lifts it)."
            )
        if target_margin is not None and result.margin is not None:
            if result.margin > target_margin + 0.005:
                notes.append(
                    f"The in-house floors lift the margin to {result.margin:.1%}, above the "
                    f"target {target_margin:.1%}."
                )
    elif below:
        warnings.append(
            f"{below:,} of {len(in_house):,} leads are priced below their own in-house value "
            f"({values.how}; among them, median price {np.median(result.prices[below_mask]):,.2f}"
            f" vs median in-house value {np.median(in_house[below_mask]):,.2f}): selling them "
            "loses money against working "
            "them. Drop --floor generation-cost to floor each price at its in-house value."
        )
    warning = column_warning(frame, source)
    return PriceList(
        priced,
        result,
        n_closed,
        tuple(used),
        tuple(warnings) + (() if warning is None else (warning,)),
        tuple(notes),
        n_below_in_house=below,
    )
