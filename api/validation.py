"""Request checks that depend on settings (limits), with errors that name the field and index."""

from __future__ import annotations

from collections.abc import Sequence

from api.errors import ApiError
from api.settings import Settings
from nlp.posts import Post


def check_posts(posts: Sequence[Post], settings: Settings, *, field: str = "posts") -> None:
    if len(posts) > settings.max_posts_per_sync:
        raise ApiError(
            422,
            "too_many_posts",
            f"{field}: {len(posts)} posts sent; at most {settings.max_posts_per_sync} per call "
            "(CLEARPOST_MAX_POSTS_PER_SYNC); upload larger sets with POST /v1/jobs",
            {"field": field, "limit": settings.max_posts_per_sync, "got": len(posts)},
        )
    too_long = [
        {
            "field": f"{field}.{i}.text",
            "loc": ["body", field, i, "text"],
            "message": f"text has {len(p.text)} characters; at most {settings.max_text_chars}",
            "type": "string_too_long",
        }
        for i, p in enumerate(posts)
        if len(p.text) > settings.max_text_chars
    ]
    if too_long:
        raise ApiError(
            422,
            "text_too_long",
            f"{too_long[0]['field']}: {too_long[0]['message']} (CLEARPOST_MAX_TEXT_CHARS)",
            too_long,
        )


def check_text(text: str, settings: Settings, field: str = "text") -> None:
    if len(text) > settings.max_text_chars:
        raise ApiError(
            422,
            "text_too_long",
            f"{field}: {len(text)} characters; at most {settings.max_text_chars}",
            [
                {
                    "field": field,
                    "loc": ["body", field],
                    "type": "string_too_long",
                    "message": f"at most {settings.max_text_chars} characters",
                }
            ],
        )


def normalise_handle(handle: str) -> str:
    return handle.strip().lstrip("@").lower() or "unknown"
