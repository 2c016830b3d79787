r"""Budget recommendations against what they earned.

When the closed loop proposes a split :math:`x` for period :math:`t`, the
learner's plug-in curves (posterior mode of :math:`(K, k)` with the posterior
mean scale, :func:`leadlever.optimisers.learning._bayes_curves.posterior_summary`)
predict each channel's evaluated value :math:`\hat y_j = \hat a_j h(x_j)`
(:func:`predicted_split_value`; NaN for a channel with fewer than two
observations, whose split is exploration), with a central :data:`INTERVAL` interval
from :data:`N_DRAWS` draws of the channel's posterior curve (seeded by the
learner's seed and period, so the same state gives the same interval). :func:`recommendation_ledger` sets
those predictions beside the value realised afterwards by the leads that
arrived during the period: won leads count their realised value, lost leads 0,
and open leads are counted apart (``n_open``) until they close.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leadlever.engine.exceptions import MissingColumnsError
from leadlever.optimisers.learning._bayes_curves import draw_curves, posterior_summary
from leadlever.optimisers.learning._learner import CampaignLearner

__all__ = ["predicted_split_value", "RecommendationLedger", "recommendation_ledger"]

#: observations a channel needs before its curve predicts anything
MIN_OBSERVATIONS = 2
#: posterior curve draws behind each predicted value's interval
N_DRAWS = 400
#: central probability of that interval
INTERVAL = 0.8


def predicted_split_value(learner: CampaignLearner, spend: Any) -> pd.DataFrame:
    """Per channel: ``channel``, ``spend``, ``predicted_value`` (plug-in curve at ``spend``),
    ``predicted_low`` and ``predicted_high`` (the central :data:`INTERVAL` of the posterior
    draws); NaN for a channel with fewer than :data:`MIN_OBSERVATIONS` observations."""
    x = np.asarray(spend, float)
    n = len(learner.channels)
    value, low, high = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    rng = np.random.default_rng([learner.seed, learner.period, 1])  # apart from the proposals
    tail = (1.0 - INTERVAL) / 2.0
    for j, c in enumerate(learner.channels):
        xs, ys, ws = learner._arrays(c)
        if xs.size < MIN_OBSERVATIONS:
            continue
        value[j] = float(posterior_summary(learner.grid, xs, ys, ws).value(x[j]))
        draws = [d.value(x[j]) for d in draw_curves(learner.grid, xs, ys, ws, rng, N_DRAWS)]
        low[j], high[j] = np.quantile(draws, [tail, 1.0 - tail])
    return pd.DataFrame(
        {
            "channel": list(learner.channels),
            "spend": x,
            "predicted_value": value,
            "predicted_low": low,
            "predicted_high": high,
        }  # fmt: skip
    )


@dataclass(frozen=True)
class RecommendationLedger:
    """Per period: spend recommended, value predicted, value realised so far."""

    by_period: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {"by_period": self.by_period.to_dict(orient="records")}

    def to_frame(self) -> pd.DataFrame:
        return self.by_period


def recommendation_ledger(
    recommendations: pd.DataFrame, realised: pd.DataFrame
) -> RecommendationLedger:
    """Predicted vs realised value of each past recommendation.

    Parameters
    ----------
    recommendations : DataFrame
        ``period``, ``channel``, ``spend``, ``predicted_value`` (NaN = no prediction).
    realised : DataFrame
        One row per lead that arrived during a period: ``period``, ``channel``,
        ``converted`` (1/0/NaN while open) and ``value`` (realised value of a won lead).

    Returns
    -------
    RecommendationLedger
        ``by_period``: ``period``, ``spend``, ``predicted_value`` (NaN when a channel had
        no prediction), ``realised_value``, ``n_leads``, ``n_won``, ``n_open``, ``complete``
        (no lead still open).
    """
    for name, frame, cols in (
        ("recommendations", recommendations, ("period", "channel", "spend", "predicted_value")),
        ("realised", realised, ("period", "channel", "converted", "value")),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise MissingColumnsError(f"The {name} table lacks {missing}.", missing, {})
    rec = recommendations.groupby("period").agg(
        spend=("spend", "sum"),
        predicted_value=("predicted_value", lambda s: s.sum(min_count=len(s))),
    )
    conv = pd.to_numeric(realised["converted"], errors="coerce")
    won_value = np.where(conv == 1, pd.to_numeric(realised["value"], errors="coerce"), 0.0)
    lead = pd.DataFrame(
        {
            "period": realised["period"].to_numpy(),
            "value": np.nan_to_num(won_value, nan=0.0),
            "won": (conv == 1).to_numpy(),
            "open": conv.isna().to_numpy(),
        }
    )
    got = lead.groupby("period").agg(
        realised_value=("value", "sum"),
        n_leads=("value", "size"),
        n_won=("won", "sum"),
        n_open=("open", "sum"),
    )
    out = rec.join(got, how="left").fillna(
        {"realised_value": 0.0, "n_leads": 0, "n_won": 0, "n_open": 0}
    )
    out = out.astype({"n_leads": int, "n_won": int, "n_open": int}).reset_index()
    out["complete"] = out["n_open"] == 0
    return RecommendationLedger(out)
