"""The dashboard: server-rendered pages (Jinja2) with inline charts, no front-end build."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

__all__ = ["router"]

router = APIRouter(tags=["dashboard"])

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def _templates():
    from fastapi.templating import Jinja2Templates

    return Jinja2Templates(directory=str(TEMPLATES))


def _latest_split(db) -> list[dict[str, Any]]:
    from leadlever.server._queries import loop_periods

    _, recs = loop_periods(db)
    if recs.empty:
        return []
    last = recs[recs["period"] == recs["period"].max()]
    return [
        {
            **r,
            "predicted_value": None
            if r["predicted_value"] != r["predicted_value"]
            else r["predicted_value"],
        }
        for r in last.to_dict(orient="records")
    ]


def _overview(service) -> dict[str, Any]:
    from leadlever.server import _charts
    from leadlever.server._queries import counts, sell_list, work_queue

    feedback = service.feedback(None)
    ledger = service.ledger()
    split = _latest_split(service.db)
    active = service.store.active_version()
    return {
        "counts": counts(service.db),
        "model_version": active,
        "okr": service.okr(),
        "queue": work_queue(service.db, limit=50),
        "sell": sell_list(service.db, limit=50),
        "packaging": service.store.latest_run("package"),
        "feedback": feedback,
        "feedback_chart": _charts.feedback_chart(
            feedback["by_channel"], feedback["threshold"], feedback["metric"]
        ),
        "split": split,
        "split_chart": _charts.split_chart(split),
        "ledger": ledger,
        "calibration_chart": _charts.calibration_chart(ledger["calibration"]["by_week"]),
        "events": service.store.events(limit=10),
    }


@router.get("/", response_class=HTMLResponse, summary="The dashboard", include_in_schema=False)
async def dashboard(request: Request) -> HTMLResponse:
    context = await run_in_threadpool(_overview, request.app.state.service)
    return _templates().TemplateResponse(request, "dashboard.html", context)


@router.get("/dashboard/leads/{lead_id:path}", response_class=HTMLResponse, include_in_schema=False)
async def lead_page(request: Request, lead_id: str) -> HTMLResponse:
    lead = await run_in_threadpool(request.app.state.service.store.lead, lead_id)
    return _templates().TemplateResponse(request, "lead.html", {"lead": lead})
