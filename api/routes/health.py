"""GET /healthz (the process answers), /readyz (models loaded, DB reachable), /metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from api.deps import StateDep
from api.errors import Error
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


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "description": "Prometheus text format",
        },
        500: {"model": Error},
    },
    summary="Prometheus metrics: requests, latencies, posts analysed, job states",
)
def metrics(state: StateDep) -> Response:
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
