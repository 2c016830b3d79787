"""``leadlever serve``: the HTTP service (API, dashboard, ledger) on a database."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from leadlever.cli._common import fail, handle_errors

__all__ = ["serve", "parse_interval", "require_server_extra"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_interval(text: str) -> float:
    """``90s``, ``30m``, ``12h``, ``1d``, ``1w`` -> seconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text.lower())
    if not m or float(m.group(1)) <= 0:
        fail(
            f"--rescore-every {text!r} is not an interval. Give a positive number and a unit: "
            "90s, 30m, 12h, 1d or 1w."
        )
    return float(m.group(1)) * _UNITS[m.group(2)]


def require_server_extra() -> None:
    """Stop with the install command when the optional ``server`` extra is missing."""
    import importlib.util

    missing = [
        name
        for name in ("fastapi", "uvicorn", "sqlalchemy", "alembic", "jinja2", "swagger_ui_bundle")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        fail(
            f"The service needs the optional extra 'server' ({', '.join(missing)} missing). "
            'Install it with: pip install "leadlever[server]" (or pip install ".[server]" in a checkout).'
        )


@handle_errors
def serve(
    db: Annotated[
        str,
        typer.Option(
            "--db",
            help="Database: a SQLite file path or URL (sqlite:///f.db), or postgresql://user@host/db.",
        ),
    ] = "leadlever.db",
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Bundle from 'qualify fit' to store and activate at start."),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            help="OKR threshold on expected ROI until an okr_change event sets another "
            "(default: the library's break-even 1.0, announced in every answer).",
        ),
    ] = None,
    economics: Annotated[
        Path | None,
        typer.Option("--economics", help="Economics file (business figures; defaults announced)."),
    ] = None,
    metric: Annotated[
        str,
        typer.Option("--metric", help="What the OKR threshold applies to: roi, profit, margin."),
    ] = "roi",
    rescore_every: Annotated[
        str | None,
        typer.Option("--rescore-every", help="Rescore active leads on a schedule: 12h, 1d, 1w."),
    ] = None,
    sqlite_sync: Annotated[
        str,
        typer.Option(
            "--sqlite-sync",
            help="SQLite durability: normal (an answered write survives kill -9 of the "
            "server) or full (also a power cut; one disk flush per batch).",
        ),
    ] = "normal",
    log_level: Annotated[
        str, typer.Option("--log-level", help="uvicorn log level (info, warning, ...).")
    ] = "info",
) -> None:
    """Run the service: POST /leads, /outcomes, /events, /models, /campaign/step; GET
    /leads/{id}, /channels/feedback, /ledger; the dashboard at /, the API docs at /docs."""
    require_server_extra()
    import math

    import uvicorn

    from leadlever.server import ServerConfig, create_app

    if threshold is not None and not math.isfinite(threshold):
        fail(f"--threshold must be a finite number. Got {threshold!r}.")
    every = None if rescore_every is None else parse_interval(rescore_every)
    _check_start(db, model, economics, metric, threshold, sqlite_sync)
    config = ServerConfig(
        db=db,
        model=None if model is None else str(model),
        threshold=threshold,
        economics=None if economics is None else str(economics),
        metric=metric,
        rescore_every=every,
        sqlite_sync=sqlite_sync,
        freeze_gc=True,  # this process only serves (see ServerConfig)
    )
    typer.echo(
        f"LeadLever on http://{host}:{port} (dashboard /, API docs /docs), database {db}.",
        err=True,
    )
    uvicorn.run(create_app(config), host=host, port=port, log_level=log_level, access_log=False)


def _check_start(
    db: str,
    model: Path | None,
    economics: Path | None,
    metric: str,
    threshold: float | None,
    sync: str,
) -> None:
    """Everything the service's start-up reads, read once before binding: a bad database URL,
    a damaged bundle or economics file, an unknown metric or a threshold that cannot apply is
    a user error (exit 2) here, instead of a traceback from the server's start-up (exit 3)."""
    from sqlalchemy.engine import make_url

    from leadlever.engine.economics import load_economics
    from leadlever.engine.qualification import load_bundle
    from leadlever.server._database import normalise_url, open_database
    from leadlever.server._service import Service

    url = make_url(normalise_url(db))
    if url.get_backend_name() == "sqlite" and url.database and Path(url.database).is_dir():
        fail(
            f"--db '{db}' is a folder, not a database file. Give a file path, such as "
            f"{Path(url.database) / 'leadlever.db'}."
        )
    figures = load_economics(None if economics is None else str(economics))
    if model is not None:
        load_bundle(str(model))
    database = open_database(db, sync=sync)
    try:
        Service(database, economics=figures, metric=metric, threshold=threshold).okr()
    finally:
        database.dispose()
