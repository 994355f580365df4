"""What the dashboard and the report routes read, always scoped to one tenant. Thin: it loads
stored analyses and post texts through the API's storage layer (api.store / api.tables) and calls
the library's scoring; no scoring logic lives here."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import report as R
from api.services import Services
from api.store import latest_analyses
from api.tables import AnalysisRow, Job, JobItem, PostRow
from nlp.results import CreatorTrust, PostAnalysis

log = logging.getLogger("clearpost.web")


def text_key(platform: str, post_id: str) -> str:
    return f"{platform}:{post_id}"


def post_texts(session: Session, tenant_id: int, creator: str | None = None) -> dict[str, str]:
    """Caption of every stored post of the tenant, keyed ``platform:post_id`` and ``post_id``."""
    q = select(PostRow.platform, PostRow.post_id, PostRow.data).where(
        PostRow.tenant_id == tenant_id
    )
    if creator is not None:
        q = q.where(PostRow.creator == creator)
    out: dict[str, str] = {}
    for platform, pid, data in session.execute(q):
        text = (data or {}).get("text")
        if isinstance(text, str):
            out[text_key(platform, pid)] = text
            out.setdefault(pid, text)
    return out


def score(
    services: Services | None, analyses: Sequence[PostAnalysis], profile: str
) -> list[CreatorTrust]:
    """The library's trust scores for these analyses (empty when scoring is not installed)."""
    fn = services.score_creators if services is not None else None
    if fn is None or not analyses:
        return []
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}  # type: ignore[assignment]
    if "profile" in params:
        return list(fn(list(analyses), profile=profile))
    return list(fn(list(analyses)))


def sweep_metrics(services: Services | None, analyses: Sequence[PostAnalysis]) -> dict[str, Any]:
    """``{jurisdiction: metrics}`` like GET /v1/sweeps: each jurisdiction the findings cover,
    over the posts that hold a finding for it."""
    fn = services.sweep if services is not None else None
    if fn is None or not analyses:
        return {}
    out: dict[str, Any] = {}
    for j in sorted({f.jurisdiction for a in analyses for f in a.findings}):
        cohort = [a for a in analyses if any(f.jurisdiction == j for f in a.findings)]
        m = fn(cohort, j)
        if hasattr(m, "model_dump"):
            m = m.model_dump(mode="json")
        out[j] = dict(m) if isinstance(m, dict) else {"value": m}
    return out


@dataclass
class CreatorRow:
    trust: CreatorTrust
    record: R.DisclosureRecord
    n_flagged: int
    platforms: list[str] = field(default_factory=list)


@dataclass
class TenantView:
    """One tenant's latest analyses, their trust scores and per-creator summaries."""

    analyses: list[PostAnalysis]
    trusts: list[CreatorTrust]
    profile: str

    def by_creator(self) -> dict[str, list[PostAnalysis]]:
        out: dict[str, list[PostAnalysis]] = {}
        for a in self.analyses:
            out.setdefault(a.creator, []).append(a)
        return out

    def rows(self) -> list[CreatorRow]:
        groups = self.by_creator()
        return [
            CreatorRow(
                trust=t,
                record=R.disclosure_record(groups.get(t.creator, [])),
                n_flagged=sum(R.is_flagged(a) for a in groups.get(t.creator, [])),
                platforms=sorted({a.platform for a in groups.get(t.creator, [])}),
            )
            for t in self.trusts
        ]

    def trust_of(self, handle: str) -> CreatorTrust | None:
        return next((t for t in self.trusts if t.creator == handle), None)


def load_tenant(
    session: Session, tenant_id: int, services: Services | None, profile: str
) -> TenantView:
    analyses = latest_analyses(session, tenant_id)
    session.rollback()
    return TenantView(analyses=analyses, trusts=score(services, analyses, profile), profile=profile)


@dataclass
class Cohort:
    """Which posts a cohort report covers: a campaign (the posts of one upload job), a list
    of creators, or (neither) every post of the tenant."""

    job_id: str | None = None
    creators: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, job: str | None, creators: str | None) -> Cohort:
        names = [c.strip().lstrip("@").lower() for c in (creators or "").split(",") if c.strip()]
        return cls(job_id=(job or "").strip() or None, creators=list(dict.fromkeys(names)))

    def name(self, tenant: str, job: Job | None = None) -> str:
        if self.job_id:
            label = job.filename if job is not None and job.filename else self.job_id
            return f"campaign {label}" + (f" ({', '.join(self.creators)})" if self.creators else "")
        if self.creators:
            return ", ".join(f"@{c}" for c in self.creators)
        return f"tenant {tenant}"


def load_cohort(
    session: Session, tenant_id: int, services: Services | None, profile: str, cohort: Cohort
) -> tuple[TenantView, Job | None] | None:
    """The cohort's analyses and scores; None when its job is not the tenant's."""
    job = None
    if cohort.job_id:
        job = session.scalar(select(Job).where(Job.id == cohort.job_id, Job.tenant_id == tenant_id))
        if job is None:
            session.rollback()
            return None
        rows = session.execute(
            select(AnalysisRow.analysis_json)
            .join(JobItem, JobItem.analysis_id == AnalysisRow.id)
            .where(
                JobItem.job_id == cohort.job_id,
                JobItem.tenant_id == tenant_id,
                AnalysisRow.tenant_id == tenant_id,
            )
            .order_by(JobItem.seq)
        )
        analyses = [PostAnalysis.model_validate_json(js) for (js,) in rows]
        session.rollback()
    else:
        analyses = latest_analyses(session, tenant_id)
        session.rollback()
    if cohort.creators:
        analyses = [a for a in analyses if a.creator in cohort.creators]
    tv = TenantView(analyses=analyses, trusts=score(services, analyses, profile), profile=profile)
    return tv, job


def load_creator(
    session: Session, tenant_id: int, services: Services | None, handle: str, profile: str
) -> tuple[list[PostAnalysis], CreatorTrust | None]:
    """One creator's latest analyses and trust score, scored on their posts alone (exactly
    what GET /v1/creators/{handle}/trust answers)."""
    analyses = latest_analyses(session, tenant_id, creator=handle)
    session.rollback()
    trusts = [t for t in score(services, analyses, profile) if t.creator == handle]
    return analyses, (trusts[0] if trusts else None)


def load_post(
    session: Session, tenant_id: int, platform: str, post_id: str
) -> tuple[PostRow, PostAnalysis | None] | None:
    row = session.scalar(
        select(PostRow).where(
            PostRow.tenant_id == tenant_id, PostRow.platform == platform, PostRow.post_id == post_id
        )
    )
    if row is None:
        return None
    analysis = None
    if row.latest_analysis_id is not None:
        js = session.scalar(
            select(AnalysisRow.analysis_json).where(
                AnalysisRow.id == row.latest_analysis_id, AnalysisRow.tenant_id == tenant_id
            )
        )
        if js:
            analysis = PostAnalysis.model_validate_json(js)
    session.rollback()
    return row, analysis
