"""GET /v1/rules (rule packs, versions, citations), GET /v1/models (model cards, metrics),
GET /v1/sweeps (cohort metrics over the tenant's stored analyses)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import Reader, ServicesDep, SessionDep
from api.errors import R503, READ, ApiError, doc
from api.schemas import (
    ModelPublic,
    ModelsPublic,
    RulePackPublic,
    RulePacksPublic,
    SweepPublic,
    SweepsPublic,
)
from api.store import latest_analyses
from nlp.posts import Platform

router = APIRouter(tags=["catalog"])


@router.get(
    "/rules",
    response_model=RulePacksPublic,
    responses=doc(READ, R503),
    summary="Jurisdiction rule packs with their versions and legal citations",
)
def rules(_p: Reader, services: ServicesDep) -> RulePacksPublic:
    packs = [RulePackPublic.model_validate(p) for p in services.rule_packs()]
    return RulePacksPublic(
        data=packs, count=len(packs), default_jurisdictions=services.default_jurisdictions
    )


@router.get(
    "/models",
    response_model=ModelsPublic,
    responses=doc(READ, R503),
    summary="Bundled model artifacts: model cards and metrics",
)
def models(_p: Reader, services: ServicesDep) -> ModelsPublic:
    active = services.model_info
    cards = []
    for c in services.model_cards():
        loaded = active is not None and (
            str(active.get("id")) in (c["id"], c["path"])
            and str(active.get("version", c["version"])) == c["version"]
        )
        cards.append(ModelPublic(loaded=loaded, **c))
    return ModelsPublic(data=cards, count=len(cards), active=active)


@router.get(
    "/sweeps",
    response_model=SweepsPublic,
    responses=doc(READ, R503),
    summary="Cohort metrics (a compliance sweep) over this tenant's stored analyses",
    description="One item per jurisdiction: the one asked for, else every jurisdiction the "
    "stored findings cover.",
)
def sweeps(
    principal: Reader,
    session: SessionDep,
    services: ServicesDep,
    platform: Platform | None = None,
    jurisdiction: Annotated[str | None, Query(max_length=16)] = None,
) -> SweepsPublic:
    if services.sweep is None:
        raise ApiError(503, "not_ready", "cohort metrics (nlp.scoring.sweep) are not installed")
    code = services.resolve_jurisdictions([jurisdiction])[0] if jurisdiction else None
    analyses = latest_analyses(
        session,
        principal.tenant_id,
        platform=platform.value if platform else None,
        jurisdiction=code,
    )
    codes = [code] if code else sorted({f.jurisdiction for a in analyses for f in a.findings})
    data = []
    for j in codes:
        cohort = [a for a in analyses if any(f.jurisdiction == j for f in a.findings)]
        metrics: Any = services.sweep(cohort, j)
        if hasattr(metrics, "model_dump"):
            metrics = metrics.model_dump(mode="json")
        data.append(
            SweepPublic(
                jurisdiction=j,
                platform=platform.value if platform else None,
                n_posts=len(cohort),
                n_creators=len({a.creator for a in cohort}),
                metrics=dict(metrics) if isinstance(metrics, dict) else {"value": metrics},
            )
        )
    return SweepsPublic(data=data, count=len(data))
