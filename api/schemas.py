"""Request and response schemas, named by role (PostsCreate, PostPublic, PostsPublic...).
Library result types (PostAnalysis, Finding, CreatorTrust) are returned as they are."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.security import Role
from nlp.posts import Platform, Post, PostFormat
from nlp.results import CommercialResult, CreatorTrust, Finding, PostAnalysis

JurisdictionList = list[str]

# One glossary for the fields every schema shares; a field's own description wins.
GLOSSARY: dict[str, str] = {
    "data": "The items of this page.",
    "count": "Total number of items matching the query (not only this page).",
    "post_id": "The post's id on its platform.",
    "platform": "Platform: instagram, tiktok, youtube, x, facebook or other.",
    "format": "Post format (post, story, reel, video, short, live) or file format.",
    "status": "created (new post), updated (content or findings changed) or unchanged.",
    "created": "Posts stored for the first time.",
    "updated": "Posts whose content, findings or versions changed (a new analysis is stored).",
    "unchanged": "Posts identical to what is stored (same content, byte-identical findings).",
    "creator": "Creator handle (lower case, without @).",
    "content_sha256": "sha256 of the post content the analysis read (Post.content_sha256()).",
    "created_at": "When it was first stored (UTC).",
    "updated_at": "When it last changed (UTC).",
    "post": "The post as stored.",
    "analysis": "The latest stored analysis, or null.",
    "analysis_id": "Id of the stored analysis.",
    "analysed_at": "When the analysis ran (UTC); kept out of the findings' hash.",
    "jurisdictions": "Jurisdiction codes (rule-pack ids) the analysis ran under.",
    "code_version": "clearpost code version that produced it.",
    "findings": "One finding per jurisdiction (and per category/label rule).",
    "id": "Identifier.",
    "state": "queued, running, done or failed.",
    "filename": "Name of the uploaded file.",
    "profile": "Trust profile (weights) used to score creators.",
    "total": "Posts in the job.",
    "done": "Posts analysed and stored.",
    "failed": "Posts the analyzer could not analyse (see the results' error column).",
    "pending": "Posts still to analyse.",
    "progress": "(done + failed) / total.",
    "error": "Why the job failed, when it did.",
    "started_at": "When a worker first picked the job up.",
    "finished_at": "When the last post was recorded.",
    "results_url": "Where to download the results (?format=csv|jsonl|parquet).",
    "score": "Trust score, 0 (no trust) to 100.",
    "band": "Trust band derived from the score (see the trust profile's thresholds).",
    "interval": "Uncertainty interval of the score [low, high].",
    "n_posts": "Posts behind the score.",
    "flags": "Notable conditions (e.g. undisclosed_ads, rules_only).",
    "posted_at": "Publication time (ISO 8601), when known.",
    "text": "The caption text.",
    "commercial": "Is the post commercial, and on what cues/model probability.",
    "jurisdiction": "Jurisdiction code (rule-pack id).",
    "n_creators": "Creators in the cohort.",
    "title": "Title.",
    "summary": "Short summary of the rule.",
    "citation": "Legal citation (source, article/section).",
    "citation_url": "Link to the cited source.",
    "url": "Link to the source.",
    "name": "Human-readable name.",
    "version": "Version.",
    "effective_date": "Date the pack's rules apply from.",
    "authority": "Regulator or standard-setter.",
    "aliases": "Other codes accepted for this jurisdiction (e.g. gb for uk).",
    "scope": "What the pack covers.",
    "audience_languages": "Languages of the audience the pack expects (ISO 639-1).",
    "sources": "Legal sources cited by the rules.",
    "rules": "Rules with their citations.",
    "default_jurisdictions": "Jurisdictions used when a request names none.",
    "path": "Artifact directory name.",
    "metrics": "Evaluation metrics / cohort metrics.",
    "prefix": "Public part of the key (cp_<prefix>_...), safe to show.",
    "role": "admin, analyst or viewer.",
    "revoked_at": "When the key was revoked, or null while it is live.",
    "tenant": "Tenant name.",
    "key_id": "Id of the calling key.",
    "key_prefix": "Public prefix of the calling key.",
    "ready": "True once the models are loaded and the database answers.",
    "detail": "What readiness is waiting for.",
    "jobs_workers": "Background job worker threads running in this process.",
}


class _Documented(BaseModel):
    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        changed = False
        for name, info in cls.model_fields.items():
            if not info.description and name in GLOSSARY:
                info.description = GLOSSARY[name]
                changed = True
        if changed:
            cls.model_rebuild(force=True)


class _In(_Documented):
    model_config = ConfigDict(extra="forbid")


# --- analyze / check ---------------------------------------------------------------------------
class AnalyzeRequest(_In):
    posts: list[Post] = Field(
        min_length=1, description="Posts to analyse (at most CLEARPOST_MAX_POSTS_PER_SYNC)."
    )
    jurisdictions: JurisdictionList | None = Field(
        default=None,
        description="Jurisdiction codes (see GET /v1/rules); the configured default when absent.",
        examples=[["uk", "fr"]],
    )


class AnalysesPublic(_Documented):
    data: list[PostAnalysis]
    count: int


class CheckRequest(_In):
    text: str = Field(max_length=20_000, description="The caption to pre-check.")
    jurisdictions: JurisdictionList | None = Field(
        default=None, description="Where it will be published; the configured default when absent."
    )
    platform: Platform = Field(default=Platform.instagram)
    format: PostFormat = Field(default=PostFormat.post)
    platform_paid_label: bool = Field(
        default=False, description="Will the platform's 'Paid partnership' label be switched on?"
    )


class CheckPublic(_Documented):
    verdict: str = Field(description="Worst verdict across the jurisdictions.")
    ok: bool = Field(description="True when no jurisdiction needs a change.")
    findings: list[Finding] = Field(description="One finding per jurisdiction, each with its fix.")


# --- posts -------------------------------------------------------------------------------------
class PostsCreate(_In):
    posts: list[Post] = Field(
        min_length=1, description="Posts to store and analyse; idempotent on (platform, id)."
    )
    jurisdictions: JurisdictionList | None = Field(
        default=None,
        description="Jurisdictions to analyse under; the configured default when absent.",
    )


class PostIngested(_Documented):
    post_id: str
    platform: str
    status: Literal["created", "updated", "unchanged"]
    analysis_id: int | None = Field(description="Stored analysis now current for the post.")


class PostsIngested(_Documented):
    created: int
    updated: int
    unchanged: int
    count: int
    data: list[PostIngested]


class PostPublic(_Documented):
    post_id: str
    platform: str
    creator: str
    content_sha256: str
    created_at: datetime
    updated_at: datetime
    post: Post
    analysis: PostAnalysis | None = None


class PostsPublic(_Documented):
    data: list[PostPublic]
    count: int


class AnalysisEvidence(_Documented):
    analysis_id: int
    analysed_at: datetime
    content_sha256: str = Field(description="sha256 of the analysed content (Post.content_sha256).")
    jurisdictions: list[str]
    rule_packs: dict[str, str] = Field(description="Rule-pack ids and versions used.")
    model: dict[str, str] | None = Field(
        description="Model id, version and hash; null = rules only."
    )
    code_version: str
    source: str = Field(description="api, posts or job:<id>.")
    findings_sha256: str = Field(description="sha256 of the canonical findings JSON.")
    findings: list[Finding]


class EvidencePublic(_Documented):
    post_id: str
    platform: str
    creator: str
    content_sha256: str
    data: list[AnalysisEvidence] = Field(description="Every stored analysis, oldest first.")
    count: int


# --- jobs --------------------------------------------------------------------------------------
class JobPublic(_Documented):
    id: str
    state: Literal["queued", "running", "done", "failed"]
    filename: str
    format: str
    jurisdictions: list[str]
    profile: str
    total: int
    done: int
    failed: int
    pending: int
    progress: float = Field(ge=0, le=1)
    error: str | None = None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    results_url: str


class JobsPublic(_Documented):
    data: list[JobPublic]
    count: int


# --- creators ----------------------------------------------------------------------------------
class CreatorPublic(_Documented):
    creator: str
    platform: str | None = None
    score: float
    band: str
    interval: tuple[float, float]
    n_posts: int
    flags: list[str] = Field(default_factory=list)

    @classmethod
    def from_trust(cls, c: CreatorTrust) -> CreatorPublic:
        return cls(
            creator=c.creator,
            platform=c.platform,
            score=c.score,
            band=c.band,
            interval=c.interval,
            n_posts=c.n_posts,
            flags=c.flags,
        )


class CreatorsPublic(_Documented):
    data: list[CreatorPublic]
    count: int


class CreatorPostPublic(_Documented):
    post_id: str
    platform: str
    posted_at: str | None = None
    text: str
    content_sha256: str
    analysis_id: int | None = None
    commercial: CommercialResult | None = None
    findings: list[Finding] = Field(default_factory=list)


class CreatorPostsPublic(_Documented):
    data: list[CreatorPostPublic]
    count: int


# --- sweeps, rules, models ---------------------------------------------------------------------
class SweepPublic(_Documented):
    jurisdiction: str
    platform: str | None = None
    n_posts: int
    n_creators: int
    metrics: dict[str, Any] = Field(description="Cohort metrics (nlp.scoring.sweep.SweepMetrics).")


class SweepsPublic(_Documented):
    data: list[SweepPublic]
    count: int


class RuleCitation(_Documented):
    id: str
    title: str
    summary: str | None = None
    citation: str
    citation_url: str | None = None


class RuleSource(_Documented):
    id: str
    title: str
    citation: str
    url: str | None = None


class RulePackPublic(_Documented):
    id: str
    name: str
    version: str
    ref: str = Field(description="id@version, as findings cite it.")
    effective_date: str | None = None
    authority: str = ""
    aliases: list[str] = Field(default_factory=list)
    scope: str = ""
    audience_languages: list[str] = Field(default_factory=list)
    notes: list[str] = Field(
        default_factory=list,
        description="Where the pack's sources disagree and the choices it made, newest first.",
    )
    sources: list[RuleSource] = Field(default_factory=list)
    rules: list[RuleCitation] = Field(default_factory=list)


class RulePacksPublic(_Documented):
    data: list[RulePackPublic]
    count: int
    default_jurisdictions: list[str]


class ModelPublic(_Documented):
    id: str
    version: str = ""
    path: str = ""
    loaded: bool = Field(description="This is the model the running Analyzer uses.")
    metrics: dict[str, Any] = Field(default_factory=dict)
    meta: dict[str, Any] = Field(default_factory=dict, description="model_meta.json")
    card: str | None = Field(default=None, description="MODEL_CARD.md (Markdown).")


class ModelsPublic(_Documented):
    data: list[ModelPublic]
    count: int
    active: dict[str, str] | None = Field(
        description="id/version/hash of the loaded model, or null."
    )


# --- keys --------------------------------------------------------------------------------------
class KeyCreate(_In):
    role: Role = Field(description="admin manages keys; analyst writes and reads; viewer reads.")
    name: str = Field(default="", max_length=128, description="A label for the key.")


class KeyPublic(_Documented):
    id: int
    prefix: str
    role: Role
    name: str
    created_at: datetime
    revoked_at: datetime | None = None


class KeyCreated(KeyPublic):
    key: str = Field(description="The secret. Shown once; only its hash is stored.")


class KeysPublic(_Documented):
    data: list[KeyPublic]
    count: int


class WhoAmI(_Documented):
    tenant: str
    role: Role
    key_id: int
    key_prefix: str


# --- health ------------------------------------------------------------------------------------
class Health(_Documented):
    status: Literal["ok"] = "ok"


class Ready(_Documented):
    ready: bool
    detail: str
    jobs_workers: int = 0
