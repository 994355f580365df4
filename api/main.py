"""The FastAPI app factory. Start-up: migrate the database (or refuse an unknown schema), then
build the Analyzer and the other library objects ONCE (in a thread, so /healthz answers at once
and /readyz says 503 until they are loaded), then start the job workers."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from api.db import make_engine, make_sessionmaker, migrate
from api.deps import AppState
from api.errors import install_error_handlers
from api.jobs import JobRunner, job_state_counts
from api.metrics import Metrics
from api.middleware import BodySizeLimitMiddleware, MetricsMiddleware
from api.ratelimit import TokenBucketLimiter
from api.routes import analyze, catalog, creators, health, jobs, keys, posts
from api.security import KeyCache
from api.services import Services, build_services
from api.settings import Settings, get_settings
from nlp import __version__

log = logging.getLogger("clearpost.api")

ServicesFactory = Callable[[Settings], Services]

DESCRIPTION = """\
Audit influencer posts: is it an ad, is it disclosed as each jurisdiction requires (with the
rule, the evidence and the legal citation), and how trustworthy is each creator.

**Authentication**: every `/v1` call needs an API key, as `Authorization: Bearer KEY` or
`X-API-Key: KEY`. Roles: `viewer` reads, `analyst` also writes, `admin` also manages keys.
Create the first key with `clearpost keys create --tenant NAME --role admin`.

**Errors** all look like `{"error": {"code", "message", "details"}}`.
"""


def _load(state: AppState, factory: ServicesFactory) -> None:
    try:
        services = factory(state.settings)
    except Exception as exc:  # noqa: BLE001 - reported by /readyz and the log
        log.exception("loading the analyzer failed")
        state.load_error = f"{type(exc).__name__}: {exc}"
        state.loaded.set()
        return
    state.services = services
    if state.settings.job_workers > 0:
        runner = JobRunner(state.sessions, services, state.settings, state.metrics)
        runner.start(state.settings.job_workers)
        state.runner = runner
    state.loaded.set()
    log.info("clearpost ready")


def create_app(
    settings: Settings | None = None, services_factory: ServicesFactory | None = None
) -> FastAPI:
    settings = settings or get_settings()
    factory = services_factory or build_services
    engine = make_engine(settings.database_url)
    metrics = Metrics()
    state = AppState(
        settings=settings,
        sessions=make_sessionmaker(engine),
        metrics=metrics,
        limiter=TokenBucketLimiter(settings.rate_limit_per_minute),
        keys=KeyCache(settings.auth_cache_seconds),
    )
    metrics.watch_jobs(lambda: job_state_counts(state.sessions))
    metrics.watch_microbatches(
        lambda: (
            state.services.batcher.stats
            if state.services is not None and state.services.batcher is not None
            else None
        )
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        migrate(engine, auto=settings.auto_migrate)  # raises ConfigError: refuse to start
        if settings.load_in_background:
            threading.Thread(
                target=_load, args=(state, factory), name="clearpost-load", daemon=True
            ).start()
        else:
            _load(state, factory)
        try:
            yield
        finally:
            if state.runner is not None:
                state.runner.stop()
            if state.services is not None and state.services.batcher is not None:
                await state.services.batcher.aclose()
            engine.dispose()

    app = FastAPI(
        title="clearpost",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=[
            {"name": "analyze", "description": "Synchronous analysis and caption pre-check."},
            {"name": "posts", "description": "Stored posts, analyses and audit evidence."},
            {"name": "jobs", "description": "Background analysis of uploaded files."},
            {"name": "creators", "description": "Creator trust scores."},
            {"name": "catalog", "description": "Rule packs, models and cohort sweeps."},
            {"name": "keys", "description": "API keys of the caller's tenant."},
            {"name": "health", "description": "Liveness, readiness, metrics."},
        ],
    )
    app.state.clearpost = state
    install_error_handlers(app)

    v1 = APIRouter(prefix="/v1")
    for mod in (analyze, posts, jobs, creators, catalog, keys):
        v1.include_router(mod.router)
    app.include_router(v1)
    app.include_router(health.router)

    try:
        from api.web.routes import router as web_router
    except ModuleNotFoundError as exc:
        if exc.name not in ("api.web", "api.web.routes"):
            raise
    else:
        app.include_router(web_router)

    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        upload_bytes=settings.max_upload_bytes,
        upload_paths=("/v1/jobs",),
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory api.main:app_from_env``."""
    return create_app()
