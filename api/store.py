"""Persistence of posts and analyses, always scoped to one tenant. Routes and the job worker
call these; nothing here knows about HTTP.

Findings are stored as canonical JSON (sorted keys, no whitespace, analysed_at kept out), so
analysing the same content with the same versions yields byte-identical findings and the same
``findings_sha256``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from api.tables import AnalysisRow, FindingRow, PostRow, utcnow
from nlp import CODE_VERSION
from nlp.posts import Post
from nlp.results import PostAnalysis


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def findings_payload(analysis: PostAnalysis) -> str:
    return canonical_json([f.model_dump(mode="json") for f in analysis.findings])


def versions_key(analysis: PostAnalysis) -> str:
    return sha256_text(canonical_json(analysis.versions.model_dump(mode="json")))


def post_key(post: Post) -> tuple[str, str]:
    return (post.platform.value, post.id)


@dataclass
class IngestOutcome:
    post_id: str
    platform: str
    status: str  # created | updated | unchanged
    analysis_id: int | None


@dataclass
class IngestResult:
    items: list[IngestOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for i in self.items if i.status == status)


def store_analysis(
    session: Session,
    tenant_id: int,
    post: Post,
    analysis: PostAnalysis,
    jurisdictions: Sequence[str],
    *,
    source: str = "api",
    force: bool = False,
    analysed_at: datetime | None = None,
) -> IngestOutcome:
    """Upsert the post (tenant, platform, post id) and record its analysis.

    ``unchanged``: same content, same jurisdictions, byte-identical findings and versions as the
    latest stored analysis (no new analysis row unless ``force``). Call inside a transaction."""
    platform, pid = post_key(post)
    sha = post.content_sha256()
    payload = findings_payload(analysis)
    fsha = sha256_text(payload)
    vkey = versions_key(analysis)
    jur = sorted(jurisdictions)
    row = session.scalar(
        select(PostRow).where(
            PostRow.tenant_id == tenant_id, PostRow.platform == platform, PostRow.post_id == pid
        )
    )
    status = "created"
    if row is not None:
        latest = (
            session.get(AnalysisRow, row.latest_analysis_id) if row.latest_analysis_id else None
        )
        same = (
            latest is not None
            and row.content_sha256 == sha
            and latest.content_sha256 == sha
            and latest.findings_sha256 == fsha
            and latest.versions_key == vkey
            and sorted(latest.jurisdictions) == jur
            and row.data == post.model_dump(mode="json")
        )
        status = "unchanged" if same else "updated"
        if same and not force:
            return IngestOutcome(pid, platform, status, row.latest_analysis_id)
        row.creator = post.creator
        row.content_sha256 = sha
        row.data = post.model_dump(mode="json")
        row.updated_at = utcnow()
    else:
        row = PostRow(
            tenant_id=tenant_id,
            platform=platform,
            post_id=pid,
            creator=post.creator,
            content_sha256=sha,
            data=post.model_dump(mode="json"),
        )
        session.add(row)
        session.flush()
    versions = analysis.versions
    arow = AnalysisRow(
        tenant_id=tenant_id,
        post_row_id=row.id,
        content_sha256=analysis.content_sha256 or sha,
        analysed_at=analysed_at or utcnow(),
        jurisdictions=jur,
        rule_packs=dict(versions.rule_packs),
        model=dict(versions.model) if versions.model else None,
        code_version=versions.code or CODE_VERSION,
        versions_key=vkey,
        findings_json=payload,
        findings_sha256=fsha,
        analysis_json=canonical_json(analysis.model_dump(mode="json")),
        source=source[:64],
    )
    session.add(arow)
    session.flush()
    for f in analysis.findings:
        session.add(
            FindingRow(
                tenant_id=tenant_id,
                analysis_id=arow.id,
                post_row_id=row.id,
                jurisdiction=f.jurisdiction,
                verdict=f.verdict.value,
                rule_pack=f.rule_pack,
                payload=canonical_json(f.model_dump(mode="json")),
            )
        )
    row.latest_analysis_id = arow.id
    return IngestOutcome(pid, platform, status, arow.id)


def posts_query(
    tenant_id: int, *, creator: str | None = None, platform: str | None = None
) -> Select[PostRow]:
    q = select(PostRow).where(PostRow.tenant_id == tenant_id)
    if creator is not None:
        q = q.where(PostRow.creator == creator)
    if platform is not None:
        q = q.where(PostRow.platform == platform)
    return q


def count(session: Session, q: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(q.order_by(None).subquery())) or 0)


def latest_analyses(
    session: Session,
    tenant_id: int,
    *,
    creator: str | None = None,
    platform: str | None = None,
    jurisdiction: str | None = None,
) -> list[PostAnalysis]:
    """The latest analysis of every post of the tenant (filtered). With ``jurisdiction``, each
    analysis keeps only that jurisdiction's findings and posts without one are left out."""
    q = (
        select(AnalysisRow.analysis_json)
        .join(PostRow, PostRow.latest_analysis_id == AnalysisRow.id)
        .where(PostRow.tenant_id == tenant_id, AnalysisRow.tenant_id == tenant_id)
        .order_by(PostRow.id)
    )
    if creator is not None:
        q = q.where(PostRow.creator == creator)
    if platform is not None:
        q = q.where(PostRow.platform == platform)
    out: list[PostAnalysis] = []
    for (js,) in session.execute(q):
        a = PostAnalysis.model_validate_json(js)
        if jurisdiction is not None:
            kept = [f for f in a.findings if f.jurisdiction == jurisdiction]
            if not kept:
                continue
            a = a.model_copy(update={"findings": kept})
        out.append(a)
    return out


def find_posts(
    session: Session, tenant_id: int, post_id: str, platform: str | None
) -> list[PostRow]:
    q = select(PostRow).where(PostRow.tenant_id == tenant_id, PostRow.post_id == post_id)
    if platform is not None:
        q = q.where(PostRow.platform == platform)
    return list(session.scalars(q.order_by(PostRow.platform)))


def analyses_of(session: Session, tenant_id: int, post_row_id: int) -> Iterable[AnalysisRow]:
    return session.scalars(
        select(AnalysisRow)
        .where(AnalysisRow.tenant_id == tenant_id, AnalysisRow.post_row_id == post_row_id)
        .order_by(AnalysisRow.id)
    )
