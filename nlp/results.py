"""Result types. Small, versioned, JSON-serialisable (pydantic). Every analysis carries the
versions that produced it so an audit finding can be reproduced months later.

Sections are owned by the component that fills them; add fields, don't rename them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

RESULT_SCHEMA_VERSION = "1"


class Verdict(StrEnum):
    compliant = "compliant"
    inadequate = "inadequate"
    undisclosed = "undisclosed"
    not_commercial = "not_commercial"
    needs_review = "needs_review"


class Span(BaseModel):
    """Evidence: ``text == original_text[start:end]`` always holds (offsets into the ORIGINAL)."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    label: str = Field(
        description="What it is: disclosure, ambiguous_disclosure, brand_mention, ..."
    )
    detail: str | None = None


class Finding(BaseModel):
    """One verdict for one post under one jurisdiction's rule pack."""

    post_id: str
    jurisdiction: str
    kind: Literal["disclosure", "category", "label"] = "disclosure"
    verdict: Verdict
    reasons: list[str] = Field(default_factory=list)
    evidence: list[Span] = Field(default_factory=list)
    rule_ids: list[str] = Field(default_factory=list)
    citation: str = ""
    citation_url: str | None = None
    confidence: float = Field(ge=0.0, le=1.0)
    fix: str | None = Field(
        default=None, description="Concrete change that would make it compliant."
    )
    rule_pack: str = Field(description="pack id@version, e.g. uk@2025.1")


class CommercialResult(BaseModel):
    is_commercial: bool
    probability: float | None = Field(
        default=None, description="Model's commercial-intent probability, when a model ran."
    )
    source: Literal["cues", "model", "cues+model"] = "cues"
    cues: list[Span] = Field(default_factory=list)


class ToneResult(BaseModel):
    emotions: dict[str, float] = Field(default_factory=dict, description="label -> probability")
    sentiment: dict[str, float] = Field(
        default_factory=dict, description="negative/neutral/positive"
    )
    sentiment_label: str | None = None
    offensive: float | None = None


class CommentSignals(BaseModel):
    n_comments: int = 0
    spam_share: float | None = None
    generic_share: float | None = None
    duplicate_share: float | None = None
    suspicion_share: float | None = Field(
        default=None, description="Share of comments asking whether the post is an ad."
    )
    suspicion_evidence: list[str] = Field(default_factory=list)
    tone: ToneResult | None = None
    spam_source: Literal["model", "heuristic"] | None = Field(
        default=None, description="model head, or the transparent pattern fallback without a model"
    )
    spam_evidence: list[str] = Field(default_factory=list)
    generic_evidence: list[str] = Field(default_factory=list)
    duplicate_evidence: list[str] = Field(
        default_factory=list, description="comment texts also found under other posts"
    )


class EngagementSignals(BaseModel):
    engagement_rate: float | None = None
    denominator: Literal["followers", "views"] | None = None
    tier: str | None = None
    percentile_in_tier: float | None = None
    flags: list[str] = Field(default_factory=list)
    likes_robust_z: float | None = None
    comments_robust_z: float | None = None
    comments_to_likes: float | None = None
    benchmark_version: str | None = None
    benchmark_source: Literal["data", "default"] | None = Field(
        default=None, description="percentiles of the data at hand, or the shipped default table"
    )
    benchmark: dict[str, float] = Field(
        default_factory=dict, description="the tier's reference values used (p10/p50/p99 or median)"
    )


class AuthenticityResult(BaseModel):
    machine_generated: float | None = None
    scripted_cluster: str | None = Field(
        default=None, description="Id of a near-duplicate cluster spanning other creators."
    )
    scripted_with: list[str] = Field(default_factory=list, description="post ids in that cluster")
    scripted_creators: list[str] = Field(
        default_factory=list, description="creators in that cluster"
    )
    scripted_similarity: float | None = Field(
        default=None, description="highest estimated Jaccard similarity in the cluster"
    )
    scripted_checked: bool = Field(
        default=False,
        description="the caption was long enough and compared against other creators' captions",
    )
    comments: CommentSignals | None = None
    engagement: EngagementSignals | None = None
    flags: list[str] = Field(default_factory=list)


class Versions(BaseModel):
    code: str
    result_schema: str = RESULT_SCHEMA_VERSION
    rule_packs: dict[str, str] = Field(default_factory=dict)
    model: dict[str, str] | None = None


class PostAnalysis(BaseModel):
    post_id: str
    creator: str
    platform: str
    format: str = "post"
    posted_at: str | None = None
    language: str | None = None
    content_sha256: str
    commercial: CommercialResult
    findings: list[Finding] = Field(default_factory=list)
    tone: ToneResult | None = None
    authenticity: AuthenticityResult = Field(default_factory=AuthenticityResult)
    normalisation_notes: list[str] = Field(
        default_factory=list, description="e.g. zero-width characters removed at offsets"
    )
    metrics: dict[str, Any] = Field(
        default_factory=dict, description="likes, comments_count, views, followers as given"
    )
    versions: Versions


class Component(BaseModel):
    name: str
    value: float = Field(description="0..1, higher is more trustworthy")
    weight: float
    contribution: float = Field(description="weight-normalised points out of 100")
    interval: tuple[float, float] | None = None
    evidence: list[str] = Field(default_factory=list, description="post ids behind it")
    detail: dict[str, Any] = Field(default_factory=dict)


class CreatorTrust(BaseModel):
    creator: str
    platform: str | None = None
    score: float = Field(ge=0, le=100)
    band: str
    interval: tuple[float, float]
    n_posts: int
    period: tuple[str | None, str | None] = (None, None)
    profile: str
    components: list[Component]
    flags: list[str] = Field(default_factory=list)
    versions: Versions
