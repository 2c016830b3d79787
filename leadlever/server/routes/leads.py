"""``POST /leads`` (one lead or a batch) and ``GET /leads/{lead_id}``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from leadlever.engine.exceptions import DataError
from leadlever.server._api_models import MAX_BATCH, LeadIn

__all__ = ["router"]

router = APIRouter(tags=["leads"])


@router.post("/leads", summary="Score, evaluate and store one lead or a batch")
async def post_leads(
    request: Request,
    body: Annotated[
        Any,
        Body(
            description="One lead (an object with lead_id, channel and the lead table's "
            "fields), or a list of them.",
            examples=LeadIn.model_config["json_schema_extra"]["examples"],
        ),
    ],
) -> JSONResponse:
    """Each lead is stored, scored with the active model (``p_convert``, tier, reasons),
    evaluated on expected ROI against the OKR threshold (``verdict`` with its magnitude)
    and given an action (work now / nurture / sell with a price). The answer comes after
    the leads are committed to the database; a batch is stored whole or not at all."""
    if not isinstance(body, dict | list):
        raise DataError(
            f"Field 'body': post a JSON object (one lead) or a list of objects; got "
            f"{type(body).__name__}. Nothing was stored."
        )
    items = body if isinstance(body, list) else [body]
    leads, errors = [], []
    for i, item in enumerate(items):
        try:
            leads.append(LeadIn.model_validate(item))
        except ValidationError as exc:
            where = [i] if isinstance(body, list) else []
            errors += [{**e, "loc": ("body", *where, *e["loc"])} for e in exc.errors()]
    if errors:
        raise RequestValidationError(errors)
    if not leads:
        raise DataError("The body is an empty list: post one lead or a list of leads.")
    if len(leads) > MAX_BATCH:
        raise DataError(
            f"The body holds {len(leads):,} leads; at most {MAX_BATCH:,} per request. "
            "Split the export into several requests."
        )
    records = [lead.record() for lead in leads]
    ids = [r["lead_id"] for r in records]
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        dup = sorted({i for i in ids if i in seen or seen.add(i)})
        raise DataError(
            f"Field 'lead_id': {dup[:5]} appear more than once in this request. Give each lead "
            "its own lead_id. Nothing was stored."
        )
    answer = await request.app.state.batcher.submit(records)
    if not isinstance(body, list):
        answer = {**{k: v for k, v in answer.items() if k != "leads"}, **answer["leads"][0]}
    return JSONResponse(answer)  # plain JSON values already: skip FastAPI's re-encoding


@router.get("/leads/{lead_id:path}", summary="A lead with its full score history")
async def get_lead(request: Request, lead_id: str) -> dict[str, Any]:
    return await run_in_threadpool(request.app.state.service.store.lead, lead_id)
