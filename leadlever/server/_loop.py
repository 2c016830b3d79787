"""The closed loop on the database: ``campaign step`` with its state in ``loop_states``.

The library's :func:`leadlever.optimisers.learning.campaign_step` runs unchanged on
the state read from the database (through a private temporary file, the form it
reads and writes); the new state and the recommended split are then stored in one
transaction whose ``period`` is unique, so two concurrent steps cannot both advance
the same period (the second gets a :class:`~leadlever.server._store.ConflictError`).

What the learner is fed, from the stored leads:

* last period's leads: those received since the previous step, valued at arrival
  as ``p_convert x expected_commission`` (leads whose expected ROI is below the
  OKR threshold count 0 when the metric is ROI);
* revisions of every earlier period: won leads count their realised value, lost
  leads 0, open leads still their value at arrival.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from leadlever.engine.exceptions import DataError
from leadlever.server import _schema as t
from leadlever.server._store import ConflictError, utc_now

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from leadlever.server._store import Store

__all__ = ["run_campaign_step", "lead_periods"]


def lead_periods(received_at: pd.Series, steps: list[tuple[int, str]]) -> pd.Series:
    """The period each lead arrived in (-1 before the first step)."""
    import numpy as np
    import pandas as pd

    if not steps:
        return pd.Series(np.full(len(received_at), -1), index=received_at.index)
    times = np.array([c for _, c in steps], dtype=object)
    periods = np.array([p for p, _ in steps])
    idx = np.searchsorted(times, received_at.to_numpy(dtype=object), side="right") - 1
    return pd.Series(np.where(idx >= 0, periods[np.maximum(idx, 0)], -1), index=received_at.index)


def _feedback_frames(store: Store, steps, threshold: float | None):
    """Last period's leads and the revisions of earlier periods, from the stored leads."""
    import numpy as np
    import pandas as pd

    from leadlever.server._queries import arrival_outcomes

    db = store.db
    frame = arrival_outcomes(db)
    with db.read() as conn:
        first = conn.execute(
            select(t.score_history.c.lead_id, t.score_history.c.expected_commission,
                   t.score_history.c.expected_roi).where(t.score_history.c.trigger == "arrival")
        ).all()  # fmt: skip
    extra = pd.DataFrame(first, columns=["lead_id", "commission", "expected_roi"])
    frame = frame.merge(extra, on="lead_id", how="left")
    frame["period"] = lead_periods(frame["received_at"], steps)
    arrival = frame["p_convert"].to_numpy(float) * frame["commission"].to_numpy(float)
    if threshold is not None:
        arrival = np.where(frame["expected_roi"].to_numpy(float) >= threshold, arrival, 0.0)
    last = steps[-1][0]
    leads = frame.loc[frame["period"] == last, ["channel", "p_convert", "commission"]]
    leads = leads.assign(expected_roi=frame.loc[frame["period"] == last, "expected_roi"])
    conv = pd.to_numeric(frame["converted"], errors="coerce").to_numpy(float)
    won = np.nan_to_num(pd.to_numeric(frame["value"], errors="coerce").to_numpy(float))
    realised = np.where(np.isnan(conv), arrival, np.where(conv == 1, won, 0.0))
    older = frame["period"].between(0, last - 1).to_numpy()
    revisions = (
        pd.DataFrame(
            {
                "period": frame["period"][older],
                "channel": frame["channel"][older],
                "value": realised[older],
            }
        )  # fmt: skip
        .groupby(["period", "channel"], as_index=False)["value"]
        .sum()
    )
    return leads.reset_index(drop=True), revisions if len(revisions) else None


def run_campaign_step(
    store: Store,
    *,
    budget: float,
    spend: dict[str, float] | None = None,
    channels: list[str] | None = None,
    threshold: float | None = None,
    settings: Any = None,
    seed: int = 0,
    curves: str | None = None,
    max_change: float | None = None,
) -> dict[str, Any]:
    """One period of the closed loop on the stored leads; returns the step's summary.

    ``curves`` and ``max_change`` are :func:`~leadlever.optimisers.learning.campaign_step`'s
    (fitted curves to follow, the weekly move limit; ``None``: its default limit).
    """
    import pandas as pd

    from leadlever.optimisers.learning import (
        CampaignLearner,
        campaign_step,
        predicted_split_value,
    )

    with store.db.read() as conn:
        latest = conn.execute(
            select(t.loop_states.c.period, t.loop_states.c.state)
            .order_by(t.loop_states.c.id.desc())
            .limit(1)
        ).first()
        steps = [
            (int(p), c)
            for p, c in conn.execute(
                select(t.loop_states.c.period, t.loop_states.c.created_at).order_by(
                    t.loop_states.c.id
                )
            ).all()
        ]
    leads = revisions = None
    if latest is not None:
        leads, revisions = _feedback_frames(store, steps, threshold)
        if leads.empty:  # no lead arrived last period: every channel brought value 0
            known = CampaignLearner.from_json(latest[1], source="the stored loop state").channels
            leads = pd.DataFrame({"channel": list(known), "p_convert": 0.0, "commission": 0.0,
                                  "expected_roi": 0.0})  # fmt: skip
    spend_frame = (
        None
        if spend is None
        else pd.DataFrame({"channel": list(spend), "spend": [float(v) for v in spend.values()]})
    )
    if latest is None and not channels and not spend:
        raise DataError(
            "No campaign step has been stored yet, so the learner does not know the channels: "
            "give 'channels' (a list of channel names) or 'spend' (last period's spend per "
            "channel) with the first step."
        )
    with tempfile.TemporaryDirectory(prefix="leadlever-loop-") as tmp:
        path = Path(tmp) / "state.json"
        if latest is not None:
            path.write_text(latest[1], encoding="utf-8")
        result = campaign_step(
            path,
            budget=budget,
            leads=leads,
            spend=spend_frame,
            outcomes=revisions,
            channels=channels,
            threshold=threshold,
            settings=settings,
            seed=seed,
            curves=curves,
            **({} if max_change is None else {"max_change": max_change}),
            sources={
                "leads": "the stored leads",
                "spend": "field 'spend'",
                "outcomes": "the stored outcomes",
            },  # fmt: skip
        )
        state = path.read_text(encoding="utf-8")
    result = replace(
        result,
        curves_hint="the service has no curves option: it learns from the leads and outcomes "
        "it stores, and a split from fitted curves is `leadlever campaign step --curves`",
    )
    learner = CampaignLearner.from_json(state, source="the new loop state")
    step = result.step
    predicted = predicted_split_value(learner, step.spend)
    now = utc_now()

    def num(v: float) -> float | None:
        return None if v != v else float(v)

    recs = [
        {
            "period": step.period,
            "channel": r["channel"],
            "spend": float(r["spend"]),
            "predicted_value": num(r["predicted_value"]),
            "predicted_low": num(r["predicted_low"]),
            "predicted_high": num(r["predicted_high"]),
            "explored": bool(step.explored),
            "created_at": now,
        }
        for r in predicted.to_dict(orient="records")
    ]
    try:
        with store.db.write() as conn:
            conn.execute(
                t.loop_states.insert(), [{"period": step.period, "created_at": now, "state": state}]
            )
            conn.execute(t.recommendations.insert(), recs)
    except IntegrityError:
        raise ConflictError(
            f"Another campaign step stored period {step.period} first; nothing was stored. "
            "Repeat the request to step from the new state."
        ) from None
    out = result.to_dict()
    out["predicted_value"] = {
        r["channel"]: {
            "value": r["predicted_value"],
            "low": r["predicted_low"],
            "high": r["predicted_high"],
        }  # fmt: skip
        for r in recs
    }
    out["n_leads"] = 0 if leads is None else len(leads)
    out["stored_at"] = now
    return out
