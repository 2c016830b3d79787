"""``POST /packages``: package the open leads to sell into graded bundles for partners."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from leadlever.engine.exceptions import DataError

__all__ = ["router"]

router = APIRouter(tags=["packages"])


@router.post("/packages", summary="Package open leads into graded bundles for partner agencies")
async def post_packages(
    request: Request,
    cost: Annotated[
        Literal["none", "in_house_value"],
        Query(
            description="Opportunity cost of selling a lead: none (as `leadlever package` "
            "without --cost-col) or its expected in-house value."
        ),
    ] = "none",
    leads: Annotated[
        Literal["sell", "open"],
        Query(description="Which leads to offer: those whose action is sell, or every open lead."),
    ] = "sell",
) -> dict[str, Any]:
    """The body is a buyers file (TOML, as `leadlever examples` writes `buyers.toml`). The
    library's packager (`leadlever package`) runs on the open leads' latest scores and
    fields; the run is stored and shown on the dashboard."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError("The body is not UTF-8 text: post the buyers TOML file.") from None
    service = request.app.state.service
    return await run_in_threadpool(service.package_open_leads, text, cost, leads)
