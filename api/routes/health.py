"""GET /healthz (the process answers), /readyz (models loaded, DB reachable), /metrics."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from api.deps import StateDep
from api.errors import R401, ApiError, Error
from api.schemas import Health, Ready

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness: the process answers")
def healthz() -> Health:
    return Health()


@router.get(
    "/readyz",
    response_model=Ready,
    responses={
        503: {"model": Ready, "description": "Still loading, or the database is unreachable."}
    },
    summary="Readiness: models loaded and database reachable",
)
def readyz(state: StateDep) -> Response:
    workers = len(state.runner.threads) if state.runner else 0
    if state.services is None:
        detail = f"load failed: {state.load_error}" if state.load_error else "loading models"
        return JSONResponse(Ready(ready=False, detail=detail).model_dump(), status_code=503)
    try:
        with state.sessions() as s:
            s.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        return JSONResponse(
            Ready(ready=False, detail=f"database: {type(exc).__name__}").model_dump(),
            status_code=503,
        )
    return JSONResponse(Ready(ready=True, detail="ready", jobs_workers=workers).model_dump())


_METRICS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/plain": {"schema": {"type": "string"}}},
        "description": "Prometheus text format",
    },
    401: R401[401],
    500: {"model": Error},
}


@router.get(
    "/metrics",
    response_class=Response,
    responses=_METRICS_RESPONSES,
    summary="Prometheus metrics: requests, latencies, posts analysed, job states",
    description="Open unless CLEARPOST_METRICS_TOKEN is set; then `Authorization: Bearer "
    "<that token>` is required (not an API key: the scraper is not a tenant).",
)
def metrics(state: StateDep, request: Request) -> Response:
    want = state.settings.metrics_token
    if want:
        got = request.headers.get("authorization", "")
        token = got[7:].strip() if got[:7].lower() == "bearer " else ""
        if not hmac.compare_digest(token.encode(), want.encode()):
            raise ApiError(
                401,
                "unauthorized",
                "GET /metrics needs `Authorization: Bearer <CLEARPOST_METRICS_TOKEN>`",
                headers={"WWW-Authenticate": "Bearer"},
            )
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
