"""Commercial cues with evidence spans (offsets into the ORIGINAL text)."""

from __future__ import annotations

from nlp.normalize import NormalizedText
from nlp.results import Span


def find_cues(
    norm: NormalizedText, hashtags: list[Span], mentions: list[Span], links: list[Span]
) -> list[Span]:
    return [m.model_copy(update={"label": "brand_mention"}) for m in mentions]
