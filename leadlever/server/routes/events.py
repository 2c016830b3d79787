"""``POST /events``: a call, a new client or an OKR change, and the rescoring it causes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from leadlever.server._api_models import EventIn

__all__ = ["router"]

router = APIRouter(tags=["events"])


@router.post("/events", summary="Record an event and rescore (the lead called, or all active)")
async def post_event(request: Request, body: EventIn) -> dict[str, Any]:
    """``call`` rescores that lead (with ``fields``, what the call taught, merged into the
    lead first); ``new_client`` and ``okr_change`` rescore every open lead (``okr_change``
    sets the new OKR threshold). The event, any updated fields and the new scores are
    stored in one transaction. Answers with the movers."""
    service = request.app.state.service

    def run() -> dict[str, Any]:
        if body.event == "call":
            service.store.lead(body.lead_id)  # 404 for an unknown lead
        event = {"kind": body.event, "lead_id": body.lead_id, "threshold": body.threshold,
                 "note": body.note}  # fmt: skip
        summary = service.rescore(
            body.event,
            lead_ids=[body.lead_id] if body.event == "call" else None,
            event=event,
            updates={body.lead_id: body.fields} if body.fields else None,
        )
        return {"event": body.event, "threshold": service.okr().threshold, **summary}

    return await run_in_threadpool(run)


@router.post("/rescore", summary="Rescore every active lead now (what the schedule runs)")
async def post_rescore(request: Request) -> dict[str, Any]:
    return await run_in_threadpool(request.app.state.service.rescore, "batch")
