"""``POST /campaign/step``: the closed loop's next split, its state kept in the database."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from leadlever.server._api_models import CampaignStepIn

__all__ = ["router"]

router = APIRouter(tags=["campaign"])


@router.post("/campaign/step", summary="Update the learner with last period's leads; next split")
async def campaign_step(request: Request, body: CampaignStepIn) -> dict[str, Any]:
    """Feeds the closed-loop learner the leads stored since the previous step (and the
    outcomes of earlier periods) and answers with the next period's split."""
    from leadlever.server._loop import run_campaign_step

    service = request.app.state.service
    okr = service.okr()

    def run() -> dict[str, Any]:
        out = run_campaign_step(
            service.store,
            budget=body.budget,
            spend=body.spend,
            channels=body.channels,
            threshold=okr.threshold if okr.metric == "roi" else None,
            seed=body.seed,
        )
        out["assumptions"] = [{"name": "threshold", "value": okr.threshold, "source": okr.source}]
        return out

    return await run_in_threadpool(run)
