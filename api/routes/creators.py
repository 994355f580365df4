"""GET /v1/creators, /v1/creators/{handle}/trust, /v1/creators/{handle}/posts. Scores come
from nlp.scoring.trust over the tenant's latest stored analyses."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import select

from api.deps import Reader, ServicesDep, SessionDep, StateDep
from api.errors import R404, R409, R503, READ, ApiError, doc
from api.schemas import CreatorPostPublic, CreatorPostsPublic, CreatorPublic, CreatorsPublic
from api.services import Services
from api.store import count, latest_analyses, posts_query
from api.tables import AnalysisRow, PostRow
from api.validation import normalise_handle
from nlp.posts import Platform
from nlp.results import CommercialResult, CreatorTrust, Finding, PostAnalysis

router = APIRouter(prefix="/creators", tags=["creators"])

Profile = Annotated[str, Query(max_length=64, description="Trust profile (weights).")]
Jurisdiction = Annotated[
    str | None, Query(max_length=16, description="Score on this jurisdiction's findings only.")
]


def _score(
    services: Services, analyses: list[PostAnalysis], profile: str, jurisdiction: str | None = None
) -> list[CreatorTrust]:
    if services.score_creators is None:
        raise ApiError(503, "not_ready", "trust scoring (nlp.scoring.trust) is not installed")
    if profile not in services.profiles:
        raise ApiError(
            422,
            "unknown_profile",
            f"profile: unknown {profile!r}; known: {', '.join(services.profiles)}",
            {"field": "profile", "known": services.profiles},
        )
    if not analyses:
        return []
    return services.score_creators(
        analyses, profile=profile, jurisdictions=[jurisdiction] if jurisdiction else None
    )


def _jurisdiction(services: Services, code: str | None) -> str | None:
    return services.resolve_jurisdictions([code])[0] if code else None


@router.get(
    "",
    response_model=CreatorsPublic,
    responses=doc(READ, R503),
    summary="Creators with their trust scores",
)
def list_creators(
    principal: Reader,
    session: SessionDep,
    services: ServicesDep,
    state: StateDep,
    platform: Platform | None = None,
    band: Annotated[str | None, Query(max_length=32, description="Only this trust band.")] = None,
    jurisdiction: Jurisdiction = None,
    profile: Profile = "compliance",
    sort: Annotated[Literal["trust", "creator", "n_posts"], Query()] = "trust",
    order: Annotated[Literal["asc", "desc"], Query()] = "asc",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> CreatorsPublic:
    code = _jurisdiction(services, jurisdiction)
    analyses = latest_analyses(
        session,
        principal.tenant_id,
        platform=platform.value if platform else None,
        jurisdiction=code,
    )
    scored = _score(services, analyses, profile, code)
    if band is not None:
        scored = [c for c in scored if c.band == band]
    keyfn = {
        "trust": lambda c: (c.score, c.creator),
        "creator": lambda c: (c.creator, c.platform or ""),
        "n_posts": lambda c: (c.n_posts, c.creator),
    }[sort]
    scored.sort(key=keyfn, reverse=order == "desc")  # type: ignore[arg-type]
    page = scored[offset : offset + limit]
    return CreatorsPublic(
        data=[CreatorPublic.from_trust(c) for c in page],
        count=len(scored),
    )


@router.get(
    "/{handle}/trust",
    response_model=CreatorTrust,
    responses=doc(READ, R404, R409, R503),
    summary="A creator's trust score: components, interval, evidence",
)
def creator_trust(
    handle: str,
    principal: Reader,
    session: SessionDep,
    services: ServicesDep,
    platform: Platform | None = None,
    jurisdiction: Jurisdiction = None,
    profile: Profile = "compliance",
) -> CreatorTrust:
    creator = normalise_handle(handle)
    code = _jurisdiction(services, jurisdiction)
    analyses = latest_analyses(
        session,
        principal.tenant_id,
        creator=creator,
        platform=platform.value if platform else None,
        jurisdiction=code,
    )
    if not analyses:
        raise ApiError(
            404, "not_found", f"no analysed posts of creator {creator!r} for this tenant"
        )
    scored = [c for c in _score(services, analyses, profile, code) if c.creator == creator]
    if not scored:
        raise ApiError(404, "not_found", f"no trust score for creator {creator!r}")
    if len(scored) > 1:
        raise ApiError(
            409,
            "ambiguous",
            f"creator {creator!r} posts on several platforms; add ?platform=",
            {"platforms": sorted(c.platform or "" for c in scored)},
        )
    return scored[0]


@router.get(
    "/{handle}/posts",
    response_model=CreatorPostsPublic,
    responses=doc(READ, R404),
    summary="A creator's posts with their findings",
)
def creator_posts(
    handle: str,
    principal: Reader,
    session: SessionDep,
    platform: Platform | None = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> CreatorPostsPublic:
    creator = normalise_handle(handle)
    q = posts_query(
        principal.tenant_id, creator=creator, platform=platform.value if platform else None
    )
    total = count(session, q)
    if total == 0:
        raise ApiError(404, "not_found", f"no posts of creator {creator!r} for this tenant")
    rows = session.execute(
        select(PostRow, AnalysisRow)
        .outerjoin(AnalysisRow, AnalysisRow.id == PostRow.latest_analysis_id)
        .where(PostRow.id.in_(q.with_only_columns(PostRow.id).scalar_subquery()))
        .order_by(PostRow.id)
        .offset(offset)
        .limit(limit)
    ).all()
    data = []
    for post, a in rows:
        analysis = json.loads(a.analysis_json) if a is not None else None
        data.append(
            CreatorPostPublic(
                post_id=post.post_id,
                platform=post.platform,
                posted_at=post.data.get("posted_at"),
                text=post.data.get("text", ""),
                content_sha256=post.content_sha256,
                analysis_id=a.id if a is not None else None,
                commercial=CommercialResult.model_validate(analysis["commercial"])
                if analysis
                else None,
                findings=[Finding.model_validate(f) for f in json.loads(a.findings_json)]
                if a
                else [],
            )
        )
    return CreatorPostsPublic(data=data, count=total)
