"""What selling a lead earns in a plan: one definition with ``package`` and ``price leads``.

Without buyers, a lead's resale value is
:func:`leadlever.engine.economics.resale_values`: the ``expected_resale_value`` column, else
the list ``price`` that ``price leads`` wrote, else 0 (announced as a default). With a
buyers file, the packager (:func:`leadlever.optimisers.packaging.package`) decides what is
sold, with each lead's best in-house value in this plan as its opportunity cost: the
leads it puts in a bundle are sold at the bundle's price per lead, exactly what
``leadlever package`` would sell them for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from leadlever.engine.economics._economics import Assumption
from leadlever.engine.economics._lead_values import resale_values
from leadlever.optimisers.packaging._buyers import Market
from leadlever.optimisers.packaging._packager import package
from leadlever.optimisers.packaging._settings import PackagerSettings

__all__ = ["Resale", "plan_resale"]


@dataclass(frozen=True)
class Resale:
    """Per-lead resale values, the leads the packager sold (None without buyers), and notes."""

    values: np.ndarray
    sold: np.ndarray | None
    buyer: np.ndarray | None
    assumptions: tuple[Assumption, ...]
    notes: tuple[str, ...] = ()


def plan_resale(
    profile: pd.DataFrame,
    best: np.ndarray,
    market: Market | None = None,
    *,
    solver: str | None = None,
    source: str | None = None,
) -> Resale:
    """The resale value of each lead of ``profile`` (module docstring); ``best`` is each
    lead's best in-house value in the plan (the packager's opportunity cost)."""
    if market is None:
        r = resale_values(profile, source)
        note = (
            f"A lead's resale value here is its {r.how}; 'leadlever package' sells at its "
            "buyers' bundle prices instead, so the two may differ on which leads to sell: "
            "give --buyers to plan with the packager's bundles."
        )
        return Resale(r.values, None, None, r.assumptions, (note,))
    frame = profile.assign(opportunity_cost=np.maximum(best, 0.0))
    settings = PackagerSettings(on_infeasible="skip", **({"solver": solver} if solver else {}))
    result = package(
        frame,
        market,
        cost_col="opportunity_cost",
        id_col="lead_id",
        settings=settings,
        source=source,
    )
    n = len(frame)
    values = np.zeros(n)
    buyer = np.full(n, "", dtype=object)
    for b in result.bundles:
        rows = np.asarray(b.rows, dtype=int)
        values[rows] += b.price_per_lead
        buyer[rows] = b.buyer
    sold = buyer != ""
    used = Assumption(
        "expected_resale_value",
        "bundle price per lead (buyers file)",
        "file",
        "the packager's bundles, each lead's best in-house value in this plan as its "
        "opportunity cost",
    )
    note = (
        f"{int(sold.sum()):,} lead(s) go to buyers in bundles, as 'leadlever package' builds "
        "them; package run alone values a lead at its profile's expected_value, which leaves "
        "out the seniority uplift and capacity, so it may sell a few leads this plan works."
    )
    return Resale(values, sold, buyer, (used,), (note, *result.notes, *result.reasons))
