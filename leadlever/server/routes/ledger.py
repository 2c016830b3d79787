"""``GET /ledger``: predicted vs realised conversion, and past recommendations vs value."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

__all__ = ["router"]

router = APIRouter(tags=["ledger"])


@router.get("/ledger", summary="What paid off: calibration by week and model, recommendations")
async def ledger(request: Request) -> dict[str, Any]:
    """``calibration``: per week of arrival and model version, predicted vs realised
    conversions of the closed leads with the interval a calibrated model stays in, the
    drift alarm and a retrain suggestion. ``recommendations``: each past split's predicted
    value vs the value its period's leads realised."""
    return await run_in_threadpool(request.app.state.service.ledger)
