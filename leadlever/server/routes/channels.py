"""``GET /channels/feedback``: reinforce or correct, per channel, for the campaign tool."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from leadlever.server._api_models import _iso_date

__all__ = ["router"]

router = APIRouter(tags=["channels"])


@router.get("/channels/feedback", summary="Per-channel feedback over the leads since a date")
async def channel_feedback(
    request: Request,
    since: Annotated[
        str | None,
        Query(description="ISO 8601 date or time; leads evaluated from then on (default: all)."),
    ] = None,
) -> dict[str, Any]:
    """The expected-ROI evaluator's feedback per channel (``reinforce`` when the channel's
    mean metric clears the current OKR threshold, else ``correct``, with its strength and
    a suggested spend change), over the leads stored since ``since``."""
    if since is not None:
        from datetime import UTC, datetime

        from leadlever.engine.exceptions import DataError

        try:
            moment = datetime.fromisoformat(_iso_date(since, "since").replace("Z", "+00:00"))
        except ValueError as exc:
            raise DataError(f"Query parameter {exc}.") from None
        if moment.tzinfo is not None:  # stored times are UTC; a date or naive time is read as UTC
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        since = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return await run_in_threadpool(request.app.state.service.feedback, since)
