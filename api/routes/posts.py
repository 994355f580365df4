"""POST /v1/posts (idempotent ingest + stored analyses), GET /v1/posts, GET /v1/posts/{id}/evidence."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.exc import IntegrityError

from api.deps import Reader, ServicesDep, SessionDep, StateDep, Writer
from api.errors import R404, R409, READ, WRITE, ApiError, doc
from api.schemas import (
    AnalysisEvidence,
    EvidencePublic,
    PostIngested,
    PostPublic,
    PostsCreate,
    PostsIngested,
    PostsPublic,
)
from api.store import analyses_of, count, find_posts, posts_query, store_analysis
from api.tables import AnalysisRow, PostRow
from api.validation import check_posts, normalise_handle
from nlp.posts import Platform, Post
from nlp.results import Finding, PostAnalysis

router = APIRouter(prefix="/posts", tags=["posts"])


@router.post(
    "",
    response_model=PostsIngested,
    responses=doc(WRITE),
    summary="Ingest posts: store, analyse, keep the evidence",
    description="Idempotent on (tenant, platform, post id): re-sending a post never duplicates "
    "it. `unchanged` = same content and byte-identical findings under the same versions. "
    "With `reanalyse=true` a new analysis is stored even when nothing changed (audit re-run). "
    "All or nothing: a rejected request stores nothing.",
)
def ingest_posts(
    body: PostsCreate,
    principal: Writer,
    services: ServicesDep,
    state: StateDep,
    session: SessionDep,
    reanalyse: Annotated[
        bool, Query(description="Store a new analysis even if unchanged.")
    ] = False,
) -> PostsIngested:
    check_posts(body.posts, state.settings)
    jurisdictions = services.resolve_jurisdictions(body.jurisdictions)
    analyses = services.analyzer.analyze(body.posts, jurisdictions=jurisdictions)
    state.metrics.posts_analysed.labels("posts").inc(len(analyses))
    for attempt in (1, 2):
        try:
            outcomes = [
                store_analysis(
                    session,
                    principal.tenant_id,
                    post,
                    a,
                    jurisdictions,
                    source="posts",
                    force=reanalyse,
                )
                for post, a in zip(body.posts, analyses, strict=True)
            ]
            session.commit()
            break
        except IntegrityError:
            session.rollback()  # a concurrent request stored one of these posts first
            if attempt == 2:
                raise ApiError(
                    409, "conflict", "concurrent update of the same posts; retry"
                ) from None
    items = [PostIngested(**o.__dict__) for o in outcomes]
    return PostsIngested(
        created=sum(i.status == "created" for i in items),
        updated=sum(i.status == "updated" for i in items),
        unchanged=sum(i.status == "unchanged" for i in items),
        count=len(items),
        data=items,
    )


@router.get("", response_model=PostsPublic, responses=doc(READ), summary="List stored posts")
def list_posts(
    principal: Reader,
    session: SessionDep,
    creator: Annotated[str | None, Query(max_length=256)] = None,
    platform: Platform | None = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> PostsPublic:
    q = posts_query(
        principal.tenant_id,
        creator=normalise_handle(creator) if creator is not None else None,
        platform=platform.value if platform else None,
    )
    total = count(session, q)
    rows = session.scalars(q.order_by(PostRow.id).offset(offset).limit(limit)).all()
    data = []
    for r in rows:
        a = session.get(AnalysisRow, r.latest_analysis_id) if r.latest_analysis_id else None
        data.append(
            PostPublic(
                post_id=r.post_id,
                platform=r.platform,
                creator=r.creator,
                content_sha256=r.content_sha256,
                created_at=r.created_at,
                updated_at=r.updated_at,
                post=Post.model_validate(r.data),
                analysis=PostAnalysis.model_validate_json(a.analysis_json) if a else None,
            )
        )
    return PostsPublic(data=data, count=total)


@router.get(
    "/{post_id}/evidence",
    response_model=EvidencePublic,
    responses=doc(READ, R404, R409),
    summary="Audit evidence of a post: every stored analysis with its versions and hashes",
)
def evidence(
    post_id: str,
    principal: Reader,
    session: SessionDep,
    platform: Platform | None = None,
) -> EvidencePublic:
    rows = find_posts(session, principal.tenant_id, post_id, platform.value if platform else None)
    if not rows:
        raise ApiError(404, "not_found", f"no post {post_id!r} for this tenant")
    if len(rows) > 1:
        raise ApiError(
            409,
            "ambiguous",
            f"post id {post_id!r} exists on several platforms; add ?platform=",
            {"platforms": [r.platform for r in rows]},
        )
    row = rows[0]
    data = [
        AnalysisEvidence(
            analysis_id=a.id,
            analysed_at=a.analysed_at,
            content_sha256=a.content_sha256,
            jurisdictions=list(a.jurisdictions),
            rule_packs=dict(a.rule_packs),
            model=dict(a.model) if a.model else None,
            code_version=a.code_version,
            source=a.source,
            findings_sha256=a.findings_sha256,
            findings=[Finding.model_validate(f) for f in json.loads(a.findings_json)],
        )
        for a in analyses_of(session, principal.tenant_id, row.id)
    ]
    return EvidencePublic(
        post_id=row.post_id,
        platform=row.platform,
        creator=row.creator,
        content_sha256=row.content_sha256,
        data=data,
        count=len(data),
    )
