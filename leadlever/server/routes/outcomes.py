"""``POST /outcomes``: a lead was won or lost."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from leadlever.server._api_models import OutcomeIn
from leadlever.server._store import utc_now

__all__ = ["router"]

router = APIRouter(tags=["outcomes"])


@router.post("/outcomes", summary="Record a lead's outcome (won with its value, or lost)")
async def post_outcome(request: Request, body: OutcomeIn) -> dict[str, Any]:
    closed_at = body.closed_at or utc_now()
    store = request.app.state.service.store
    converted = 1 if body.outcome == "won" else 0
    value = body.value if converted else 0.0
    at = await run_in_threadpool(store.add_outcome, body.lead_id, converted, value, closed_at)
    return {
        "lead_id": body.lead_id,
        "outcome": body.outcome,
        "value": value,
        "closed_at": closed_at,
        "recorded_at": at,
        "assumptions": []
        if body.closed_at
        else [{"name": "closed_at", "value": closed_at, "source": "default (time received)"}],
    }
