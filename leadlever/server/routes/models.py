"""``POST /models`` (upload a fitted bundle; versions kept, one active) and ``GET /models``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from leadlever.engine.exceptions import ModelFileError

__all__ = ["router", "load_model_file", "store_bundle_text"]

router = APIRouter(tags=["models"])


def store_bundle_text(service: Any, text: str, source: str) -> dict[str, Any]:
    """Check a bundle (it must load as a qualification bundle) and store it as active."""
    from leadlever.engine.io._persist import dumps_json, loads_json
    from leadlever.engine.qualification import QualificationBundle

    bundle = QualificationBundle.from_dict(loads_json(text, source=source))
    version = bundle.model_version
    if not version:
        raise ModelFileError(
            f"{source} has no model_version. Refit it with `leadlever qualify fit`."
        )
    at = service.store.add_model(version, dumps_json(bundle.to_dict(), indent=None))
    return {"model_version": version, "uploaded_at": at, "active": True,
            "report": None if bundle.report is None else bundle.report.to_dict()}  # fmt: skip


def load_model_file(service: Any, path: str) -> None:
    """Store a bundle file at start-up unless its version is already stored (then activate it)."""
    from leadlever.engine.qualification import load_bundle

    bundle = load_bundle(path)
    if any(m["model_version"] == bundle.model_version for m in service.store.models()):
        service.store.activate_model(bundle.model_version)
        return
    store_bundle_text(service, Path(path).read_text(encoding="utf-8"), f"Model file '{path}'")


@router.post("/models", summary="Upload a fitted qualification bundle and make it active")
async def post_model(request: Request) -> dict[str, Any]:
    """The body is the JSON file `leadlever qualify fit --bundle-out` writes. Every version
    is kept; the uploaded one becomes the only active one."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelFileError("The body is not UTF-8 text: post the bundle's JSON file.") from None
    service = request.app.state.service
    return await run_in_threadpool(store_bundle_text, service, text, "The posted model")


@router.post("/models/{version}/activate", summary="Make a stored version the active one")
async def activate(request: Request, version: str) -> dict[str, Any]:
    await run_in_threadpool(request.app.state.service.store.activate_model, version)
    return {"model_version": version, "active": True}


@router.get("/models", summary="Stored model versions")
async def list_models(request: Request) -> list[dict[str, Any]]:
    return await run_in_threadpool(request.app.state.service.store.models)
