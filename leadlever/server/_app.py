"""The FastAPI application: configuration, start-up, error mapping, routes.

``create_app(ServerConfig(...))`` opens (and migrates) the database, loads a model
file given at start-up, starts the micro-batcher and, with ``rescore_every``, the
scheduled rescoring. Library errors become JSON answers that name the field and the
fix: 422 for a request body the API cannot use, 400 for a bad value or parameter,
404 for an unknown lead or version, 409 for a conflict with what is stored (a
duplicate id, a second outcome, no active model yet).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from leadlever.engine.exceptions import DataError, LeadLeverError, error_details
from leadlever.server._store import ConflictError, NotFoundError

__all__ = ["ServerConfig", "create_app", "validation_message"]

log = logging.getLogger("leadlever.server")


@dataclass(frozen=True)
class ServerConfig:
    """How ``leadlever serve`` runs (none of these is a business setting).

    Parameters
    ----------
    db : str
        Database URL or SQLite file path.
    model : str, optional
        A bundle file (``leadlever qualify fit --bundle-out``) to store and activate at
        start-up unless that version is already stored.
    threshold : float, optional
        OKR threshold until an ``okr_change`` event sets another.
    economics : str, optional
        An economics file (``leadlever examples`` writes one) for the expected-ROI
        evaluator and the actions; its figures are listed in every answer's assumptions.
    metric : {"roi", "profit", "margin"}
        What the OKR threshold applies to.
    rescore_every : float, optional
        Seconds between scheduled rescorings of the active leads (None: never).
    sqlite_sync : {"normal", "full"}
        SQLite's ``synchronous`` setting: ``normal`` (acknowledged writes survive ``kill -9``
        of the server) or ``full`` (also a power cut; one disk flush per batch).
    freeze_gc : bool
        At the end of start-up, move every object alive into the garbage collector's
        permanent generation (:func:`gc.freeze`): the full collections that follow then
        skip the libraries' and the model's objects, which otherwise stop the process for
        100-300 ms now and then. For a process that only serves (``leadlever serve`` sets
        it); off for an app created inside another program (a test, a notebook).
    """

    db: str = "leadlever.db"
    model: str | None = None
    threshold: float | None = None
    economics: str | None = None
    metric: str = "roi"
    rescore_every: float | None = None
    sqlite_sync: str = "normal"
    freeze_gc: bool = False


def validation_message(errors: list[dict[str, Any]]) -> str:
    """One sentence per problem: where it is, what is wrong."""
    parts = []
    for e in errors[:10]:
        if e.get("type") == "json_invalid":  # loc holds a character position, not a field
            at = e.get("loc", ("body", None))[-1]
            parts.append(
                "The body is not valid JSON"
                + (f" (at character {at})" if isinstance(at, int) else "")
                + f": {e.get('ctx', {}).get('error', 'could not parse it')}."
            )
            continue
        loc = [x for x in e.get("loc", ()) if x != "body" and "[" not in str(x)]
        kind = "Field"
        if loc and loc[0] in ("query", "path"):
            kind, loc = f"{loc[0].capitalize()} parameter", loc[1:]
        where = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in loc).lstrip(".")
        where = where or "body"
        msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{kind} '{where}': {msg}.")
    more = f" ({len(errors) - 10} more problems.)" if len(errors) > 10 else ""
    return " ".join(parts) + more + " Nothing was stored."


#: what to do about an HTTP error the routes do not raise themselves
_HTTP_HINTS = {
    404: "no such path; GET /docs lists the API's paths",
    405: "this path does not take that method; GET /docs lists the methods of each path",
}


def _status(exc: LeadLeverError) -> int:
    if isinstance(exc, NotFoundError):
        from leadlever.server._service import NoModelError

        return 409 if isinstance(exc, NoModelError) else 404
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, DataError):
        return 422
    return 400


async def _checkpoints(db: Any, every: float) -> None:
    """The SQLite write-ahead log checkpointed in the background (see
    :meth:`~leadlever.server._database.Database.checkpoint`)."""
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(db.checkpoint)
        except Exception:  # a busy or failed checkpoint is retried next time; SQLite's own
            log.exception("background checkpoint failed")  # automatic one still applies


async def _scheduled_rescoring(app: FastAPI, every: float) -> None:
    from leadlever.server._service import NoModelError

    while True:
        await asyncio.sleep(every)
        try:
            summary = await asyncio.to_thread(app.state.service.rescore, "scheduled")
            log.info("scheduled rescoring: %s leads, %s tier changes",
                     summary["n_scored"], summary["n_tier_changes"])  # fmt: skip
        except NoModelError:
            log.info("scheduled rescoring skipped: no active model")
        except Exception:  # keep the schedule alive; the error is logged
            log.exception("scheduled rescoring failed")


def create_app(config: ServerConfig | None = None) -> FastAPI:
    """The LeadLever service (see the module docstring)."""
    from leadlever.server._batcher import Batcher
    from leadlever.server._database import open_database
    from leadlever.server._service import Service
    from leadlever.server.routes import (
        campaign,
        channels,
        dashboard,
        events,
        leads,
        ledger,
        models,
        outcomes,
        packages,
    )

    config = config or ServerConfig()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from leadlever.engine.economics import load_economics

        db = open_database(config.db, sync=config.sqlite_sync)
        service = Service(db, economics=load_economics(config.economics), metric=config.metric,
                          threshold=config.threshold)  # fmt: skip
        if config.model is not None:
            models.load_model_file(service, config.model)
        service.okr()  # a threshold that cannot apply stops the start with its reason
        app.state.service = service
        app.state.batcher = Batcher(service)
        await app.state.batcher.start()
        tasks = []
        if config.rescore_every:
            tasks.append(asyncio.create_task(_scheduled_rescoring(app, config.rescore_every)))
        if db.dialect == "sqlite":
            from leadlever.server._database import CHECKPOINT_EVERY_S

            tasks.append(asyncio.create_task(_checkpoints(db, CHECKPOINT_EVERY_S)))
        if config.freeze_gc:
            import gc

            if service.store.active_version() is not None:
                service.evaluator()  # the active model loaded and compiled before freezing
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await app.state.batcher.stop()
            db.dispose()

    app = FastAPI(
        docs_url=None,  # served below from local files: the API docs work offline
        title="LeadLever",
        summary="Score leads as they arrive, feed the verdicts back to the campaign tool, "
        "and keep a ledger of what paid off.",
        version="1",
        lifespan=lifespan,
    )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        return JSONResponse(
            status_code=422,
            content={
                "error": "RequestValidationError",
                "message": validation_message(errors),
                "detail": [
                    {"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in errors[:50]
                ],
            },  # fmt: skip
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # unknown paths and methods answer like every other error: {error, message}
        name = "".join(w.capitalize() for w in HTTPStatus(exc.status_code).phrase.split())
        return JSONResponse(
            status_code=exc.status_code,
            content={
                "error": name,
                "message": f"{exc.detail}: {_HTTP_HINTS.get(exc.status_code, '')}".rstrip(": "),
            },
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(LeadLeverError)
    async def _domain(_: Request, exc: LeadLeverError) -> JSONResponse:
        return JSONResponse(status_code=_status(exc), content=error_details(exc))

    for module in (
        leads,
        outcomes,
        events,
        channels,
        campaign,
        models,
        packages,
        ledger,
        dashboard,
    ):
        app.include_router(module.router)
    _offline_docs(app)
    return app


def _offline_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI from the ``swagger-ui-bundle`` package's files (no CDN)."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/static/swagger", StaticFiles(directory=swagger_ui_path), name="swagger")

    @app.get("/docs", include_in_schema=False)
    async def docs():
        return get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title="LeadLever API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )
