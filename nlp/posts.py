"""The Post: what clearpost audits. One schema for CSV, JSONL, Parquet, DataFrames and HTTP."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_TEXT_CHARS = 20_000
MAX_COMMENTS = 2_000


class Platform(StrEnum):
    instagram = "instagram"
    tiktok = "tiktok"
    youtube = "youtube"
    x = "x"
    facebook = "facebook"
    other = "other"


class PostFormat(StrEnum):
    post = "post"
    story = "story"
    reel = "reel"
    video = "video"
    short = "short"
    live = "live"


class Post(BaseModel):
    """One social-media post. Only ``id`` and ``text`` are required."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    id: str = Field(min_length=1, max_length=256, description="Post id, unique per platform.")
    creator: str = Field(
        default="unknown", min_length=1, max_length=256, description="Creator handle."
    )
    platform: Platform = Field(default=Platform.instagram, description="Where it was posted.")
    format: PostFormat = Field(default=PostFormat.post, description="Post, story, reel, ...")
    text: str = Field(max_length=MAX_TEXT_CHARS, description="Caption or description text.")
    posted_at: datetime | None = Field(default=None, description="Publication time (ISO 8601).")
    likes: int | None = Field(default=None, ge=0)
    comments_count: int | None = Field(default=None, ge=0)
    views: int | None = Field(default=None, ge=0)
    shares: int | None = Field(default=None, ge=0)
    followers: int | None = Field(default=None, ge=0, description="Creator followers at post time.")
    platform_paid_label: bool = Field(
        default=False, description="The platform's own 'Paid partnership' label is shown."
    )
    language: str | None = Field(
        default=None, max_length=8, description="ISO 639-1 code; detected when absent."
    )
    comments: list[str] | None = Field(
        default=None, max_length=MAX_COMMENTS, description="Texts of the post's comments."
    )
    url: str | None = Field(default=None, max_length=2048)

    @field_validator("id", "creator", mode="before")
    @classmethod
    def _coerce_str(cls, v: object) -> object:
        if isinstance(v, int | float) and not isinstance(v, bool):
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            return str(v)
        return v

    @field_validator("creator")
    @classmethod
    def _handle(cls, v: str) -> str:
        return v.strip().lstrip("@").lower() or "unknown"

    @field_validator("language")
    @classmethod
    def _lang(cls, v: str | None) -> str | None:
        return v.strip().lower() or None if v else None

    def content_sha256(self) -> str:
        """Hash of everything the analysis reads: same post content -> same hash."""
        payload = self.model_dump(mode="json", exclude={"url"})
        return hashlib.sha256(
            json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
