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

__all__ = ["triage_leads", "triage_arrays"]


def triage_arrays(
    a: dict[str, np.ndarray], settings: PlannerSettings, economics: Economics
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rules of the module docstring on profile arrays (``p_convert``,
    ``expected_commission``, ``expected_effort_hours``, ``p_fit``, ``p_convert_180d``,
    ``resale``, the figures already filled from the economics where no estimate exists).

    Returns
    -------
    action, reason, price, value : ndarray
        Per lead: ``in_house`` / ``nurture`` / ``sell``, its one-sentence reason, the
        price asked when selling (NaN otherwise), and the in-house value at base seniority.
    """
    value = _values(a, np.array([settings.base_seniority], dtype=float), settings, economics)[:, 0]
    sell, parked, why_sell = sell_rule(a, value, settings)
    action = np.where(sell, "sell", np.where((value > 0) & ~parked, "in_house", "nurture"))
    reason = np.where(
        sell | parked,
        why_sell,
        np.where(
            value > 0,
            [f"work now: in-house value {v:,.0f}" for v in value],
            [f"nurture: in-house value {v:,.0f} <= 0 now" for v in value],
        ),
    )
    return action, reason.astype(object), np.where(sell, a["resale"], np.nan), value


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
    action, reason, price, value = triage_arrays(a, s, econ)
    return pd.DataFrame(
        {
            "lead_id": profile["lead_id"].to_numpy(),
            "action": action,
            "reason": reason,
            "price": price,
            "expected_in_house_value": value,
        }
    )
