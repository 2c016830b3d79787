r"""The action for a lead as it arrives, before the week's consultant hours are planned.

The planner's rules (:mod:`leadlever.optimisers.planning._planner`) applied to one
lead at a time, at the base seniority :math:`s_0` (no consultant chosen yet):

1. **sell** when the expected resale value :math:`R_i` exceeds the in-house value
   :math:`v_i = p_i K_i - D(p_i, e_i)` (the economics' delivery cost; and 0), or when the lead is low on fit and timing
   (:math:`p_{fit} < \phi` and :math:`p_{180} < \tau`); the price asked is
   :math:`R_i`, what the bundle's resale model expects a partner to pay;
2. **nurture** when :math:`v_i \le 0`;
3. otherwise **in_house** (work now); whether a consultant has hours this week is
   the weekly plan's question (``leadlever plan``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leadlever.engine.economics._economics import Economics
from leadlever.engine.economics._lead_values import resale_values
from leadlever.optimisers.planning._planner import (
    PlannerSettings,
    _profile_arrays,
    _values,
    sell_rule,
)

__all__ = ["triage_leads"]


def triage_leads(
    profile: pd.DataFrame,
    settings: PlannerSettings | None = None,
    economics: Economics | None = None,
) -> pd.DataFrame:
    """``lead_id``, ``action`` (in_house / nurture / sell), ``reason``, ``price`` and
    ``expected_in_house_value`` for each row of a qualification profile (same order)."""
    s = settings or PlannerSettings()
    econ = economics or Economics()
    a, _ = _profile_arrays(profile, econ, None)
    a["resale"] = resale_values(profile).values  # the plan's definition, without buyers
    value = _values(a, np.array([s.base_seniority], dtype=float), s, econ)[:, 0]
    sell, low, why_sell = sell_rule(a, value, s)
    action = np.where(sell, "sell", np.where(value > 0, "in_house", "nurture"))
    reason = np.where(
        sell,
        why_sell,
        np.where(
            value > 0,
            [f"work now: in-house value {v:,.0f}" for v in value],
            [f"nurture: in-house value {v:,.0f} <= 0 now" for v in value],
        ),
    )
    return pd.DataFrame(
        {
            "lead_id": profile["lead_id"].to_numpy(),
            "action": action,
            "reason": reason.astype(object),
            "price": np.where(sell, a["resale"], np.nan),
            "expected_in_house_value": value,
        }
    )
