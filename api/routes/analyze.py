"""POST /v1/analyze (synchronous, stores nothing) and POST /v1/check (caption pre-check)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep, StateDep, Writer
from api.errors import WRITE, doc
from api.schemas import AnalysesPublic, AnalyzeRequest, CheckPublic, CheckRequest
from api.validation import check_posts, check_text

router = APIRouter(tags=["analyze"])


@router.post(
    "/analyze",
    response_model=AnalysesPublic,
    responses=doc(WRITE),
    summary="Analyse posts now (nothing is stored)",
)
async def analyze(
    body: AnalyzeRequest, _p: Writer, services: ServicesDep, state: StateDep
) -> AnalysesPublic:
    check_posts(body.posts, state.settings)
    jurisdictions = services.resolve_jurisdictions(body.jurisdictions)
    if services.batcher is not None:  # concurrent calls share one encoder pass (api/batching.py)
        analyses = await services.batcher.analyze(body.posts, jurisdictions)
    else:
        analyses = await run_in_threadpool(
            services.analyzer.analyze, body.posts, jurisdictions=jurisdictions
        )
    state.metrics.posts_analysed.labels("analyze").inc(len(analyses))
    return AnalysesPublic(data=analyses, count=len(analyses))


@router.post(
    "/check",
    response_model=CheckPublic,
    responses=doc(WRITE),
    summary="Pre-check a caption before publishing: verdict and suggested fix",
)
def check(body: CheckRequest, _p: Writer, services: ServicesDep, state: StateDep) -> CheckPublic:
    check_text(body.text, state.settings)
    jurisdictions = services.resolve_jurisdictions(body.jurisdictions)
    return services.precheck(body, jurisdictions)
