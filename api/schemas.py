"""Request and response schemas, named by role (PostsCreate, PostPublic, PostsPublic...).
Library result types (PostAnalysis, Finding, CreatorTrust) are returned as they are."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.security import Role
from nlp.posts import Platform, Post, PostFormat
from nlp.results import CommercialResult, Finding, PostAnalysis

JurisdictionList = list[str]


class _In(BaseModel):
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


class AnalysesPublic(BaseModel):
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


class CheckPublic(BaseModel):
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


class PostIngested(BaseModel):
    post_id: str
    platform: str
    status: Literal["created", "updated", "unchanged"]
    analysis_id: int | None = Field(description="Stored analysis now current for the post.")


class PostsIngested(BaseModel):
    created: int
    updated: int
    unchanged: int
    count: int
    data: list[PostIngested]


class PostPublic(BaseModel):
    post_id: str
    platform: str
    creator: str
    content_sha256: str
    created_at: datetime
    updated_at: datetime
    post: Post
    analysis: PostAnalysis | None = None


class PostsPublic(BaseModel):
    data: list[PostPublic]
    count: int


class AnalysisEvidence(BaseModel):
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


class EvidencePublic(BaseModel):
    post_id: str
    platform: str
    creator: str
    content_sha256: str
    data: list[AnalysisEvidence] = Field(description="Every stored analysis, oldest first.")
    count: int


# --- jobs --------------------------------------------------------------------------------------
class JobPublic(BaseModel):
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


class JobsPublic(BaseModel):
    data: list[JobPublic]
    count: int


# --- creators ----------------------------------------------------------------------------------
class CreatorPublic(BaseModel):
    creator: str
    platform: str | None = None
    score: float
    band: str
    interval: tuple[float, float]
    n_posts: int
    flags: list[str] = Field(default_factory=list)


class CreatorsPublic(BaseModel):
    data: list[CreatorPublic]
    count: int


class CreatorPostPublic(BaseModel):
    post_id: str
    platform: str
    posted_at: str | None = None
    text: str
    content_sha256: str
    analysis_id: int | None = None
    commercial: CommercialResult | None = None
    findings: list[Finding] = Field(default_factory=list)


class CreatorPostsPublic(BaseModel):
    data: list[CreatorPostPublic]
    count: int


# --- sweeps, rules, models ---------------------------------------------------------------------
class SweepPublic(BaseModel):
    jurisdiction: str
    platform: str | None = None
    n_posts: int
    n_creators: int
    metrics: dict[str, Any] = Field(description="Cohort metrics (nlp.scoring.sweep.SweepMetrics).")


class SweepsPublic(BaseModel):
    data: list[SweepPublic]
    count: int


class RuleCitation(BaseModel):
    id: str
    title: str
    summary: str | None = None
    citation: str
    citation_url: str | None = None


class RuleSource(BaseModel):
    id: str
    title: str
    citation: str
    url: str | None = None


class RulePackPublic(BaseModel):
    id: str
    name: str
    version: str
    ref: str = Field(description="id@version, as findings cite it.")
    effective_date: str | None = None
    authority: str = ""
    aliases: list[str] = Field(default_factory=list)
    scope: str = ""
    audience_languages: list[str] = Field(default_factory=list)
    sources: list[RuleSource] = Field(default_factory=list)
    rules: list[RuleCitation] = Field(default_factory=list)


class RulePacksPublic(BaseModel):
    data: list[RulePackPublic]
    count: int
    default_jurisdictions: list[str]


class ModelPublic(BaseModel):
    id: str
    version: str = ""
    path: str = ""
    loaded: bool = Field(description="This is the model the running Analyzer uses.")
    metrics: dict[str, Any] = Field(default_factory=dict)
    meta: dict[str, Any] = Field(default_factory=dict, description="model_meta.json")
    card: str | None = Field(default=None, description="MODEL_CARD.md (Markdown).")


class ModelsPublic(BaseModel):
    data: list[ModelPublic]
    count: int
    active: dict[str, str] | None = Field(
        description="id/version/hash of the loaded model, or null."
    )


# --- keys --------------------------------------------------------------------------------------
class KeyCreate(_In):
    role: Role = Field(description="admin manages keys; analyst writes and reads; viewer reads.")
    name: str = Field(default="", max_length=128, description="A label for the key.")


class KeyPublic(BaseModel):
    id: int
    prefix: str
    role: Role
    name: str
    created_at: datetime
    revoked_at: datetime | None = None


class KeyCreated(KeyPublic):
    key: str = Field(description="The secret. Shown once; only its hash is stored.")


class KeysPublic(BaseModel):
    data: list[KeyPublic]
    count: int


class WhoAmI(BaseModel):
    tenant: str
    role: Role
    key_id: int
    key_prefix: str


# --- health ------------------------------------------------------------------------------------
class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    ready: bool
    detail: str
    jobs_workers: int = 0
