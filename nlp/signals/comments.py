"""Comment signals for one post (when its comments are given), each with its evidence:

- spam share: the model's ``spam`` head (P >= threshold); without a model a transparent
  pattern list (links, "check my page", "dm me", crypto...) and ``spam_source="heuristic"``;
- generic share: emoji/punctuation-only comments, very short ones, and stock phrases in several
  languages ("nice pic 🔥", "trop beau", "wat mooi", "que lindo");
- duplicate share: comments whose text also appears under ANOTHER post of the collection
  (a cross-post signal, filled by :func:`duplicate_shares`);
- crowd suspicion: comments asking whether the post is an ad ("is this an ad?", "#ad?",
  "c'est sponso ?", "werbung?") -- a hidden-advertising signal, quoted as evidence;
- tone: the mean of the model's emotion / sentiment / offensive heads over the comments.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from nlp.config import CommentSettings
from nlp.results import CommentSignals, ToneResult

NAME = "clearpost.CommentSignals.v1"
MAX_EVIDENCE = 5

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s#?']+", re.UNICODE)


def fold(text: str) -> str:
    """Lower-case, accents removed, whitespace collapsed (emoji kept)."""
    t = unicodedata.normalize("NFKD", text)
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).casefold()
    t = t.replace("\u2019", "'")
    return _SPACE.sub(" ", t).strip()


def _has_word_char(text: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def _words(folded: str) -> list[str]:
    return [w for w in _PUNCT.sub(" ", folded).replace("?", " ").replace("#", " ").split() if w]


def comment_key(text: str) -> str:
    """Identity of a comment text for the duplicate check (folded, punctuation-insensitive)."""
    return hashlib.sha1(" ".join(_words(fold(text))).encode()).hexdigest()[:16]


class CommentAnalyzer:
    """Per-post comment signals. ``model_outputs`` are the TextModel outputs for the comments
    (same order), or None when no model ran."""

    name = NAME

    def __init__(self, settings: CommentSettings | None = None) -> None:
        self.s = settings or CommentSettings()
        self._generic = {" ".join(_words(fold(p))) for p in self.s.generic_phrases}
        self._suspicion = [re.compile(p) for p in self.s.suspicion_patterns]
        self._spam = [re.compile(p) for p in self.s.spam_patterns]

    # --------------------------------------------------------------- single comments
    def is_generic(self, text: str) -> bool:
        f = fold(text)
        if not f or not _has_word_char(f):
            return True  # emoji / punctuation only
        words = _words(f)
        if len(words) <= self.s.generic_max_words:
            return True
        return " ".join(words) in self._generic

    def is_suspicion(self, text: str) -> bool:
        f = fold(text)
        return any(p.search(f) for p in self._suspicion)

    def is_spam_heuristic(self, text: str) -> bool:
        f = fold(text)
        return any(p.search(f) for p in self._spam)

    # --------------------------------------------------------------- a post's comments
    def analyze(
        self,
        comments: Sequence[str],
        model_outputs: Sequence[Mapping[str, Any]] | None = None,
    ) -> CommentSignals:
        n = len(comments)
        if n == 0:
            return CommentSignals(n_comments=0)
        s = self.s
        generic = [c for c in comments if self.is_generic(c)]
        suspicion = [c for c in comments if self.is_suspicion(c)]
        spam_source: Literal["model", "heuristic"] = "heuristic"
        spam_texts: list[str]
        if model_outputs is not None and all("spam" in o for o in model_outputs):
            spam_source = "model"
            spam_texts = [
                c
                for c, o in zip(comments, model_outputs, strict=True)
                if float(o["spam"]) >= s.spam_threshold
            ]
        else:
            spam_texts = [c for c in comments if self.is_spam_heuristic(c)]
        tone = _mean_tone(model_outputs) if model_outputs else None
        return CommentSignals(
            n_comments=n,
            spam_share=len(spam_texts) / n,
            spam_source=spam_source,
            spam_evidence=spam_texts[:MAX_EVIDENCE],
            generic_share=len(generic) / n,
            generic_evidence=generic[:MAX_EVIDENCE],
            suspicion_share=len(suspicion) / n,
            suspicion_evidence=suspicion[:MAX_EVIDENCE],
            tone=tone,
        )

    def flags(self, sig: CommentSignals) -> list[str]:
        s = self.s
        out: list[str] = []
        if not sig.n_comments:
            return out
        if sig.spam_share is not None and sig.spam_share >= s.spam_flag_share:
            out.append("spam_comments" if sig.spam_source == "model" else "spam_comments_heuristic")
        if sig.generic_share is not None and sig.generic_share >= s.generic_flag_share:
            out.append("generic_comments")
        if sig.duplicate_share is not None and sig.duplicate_share >= s.duplicate_flag_share:
            out.append("duplicate_comments")
        if (
            sig.suspicion_share is not None
            and sig.n_comments >= s.suspicion_min_comments
            and sig.suspicion_share >= s.suspicion_flag_share
            and sig.suspicion_evidence
        ):
            out.append("crowd_suspects_ad")
        return out


def duplicate_shares(
    comments_by_post: Mapping[str, Sequence[str]], min_chars: int
) -> dict[str, tuple[float, list[str]]]:
    """post id -> (share of its comments whose text also appears under another post, examples).

    Texts shorter than ``min_chars`` once folded are never called copies ("wow 🔥" is common).
    """
    posts_of: dict[str, set[str]] = {}
    keyed: dict[str, list[tuple[str, str | None]]] = {}
    for pid, comments in comments_by_post.items():
        rows: list[tuple[str, str | None]] = []
        for c in comments:
            f = " ".join(_words(fold(c)))
            key = comment_key(c) if len(f) >= min_chars else None
            rows.append((c, key))
            if key is not None:
                posts_of.setdefault(key, set()).add(pid)
        keyed[pid] = rows
    out: dict[str, tuple[float, list[str]]] = {}
    for pid, rows in keyed.items():
        if not rows:
            continue
        dups = [c for c, k in rows if k is not None and len(posts_of[k]) > 1]
        out[pid] = (len(dups) / len(rows), dups[:MAX_EVIDENCE])
    return out


def _mean_tone(outputs: Sequence[Mapping[str, Any]]) -> ToneResult | None:
    emo: dict[str, list[float]] = {}
    sent: dict[str, list[float]] = {}
    off: list[float] = []
    for o in outputs:
        for k, v in (o.get("emotion") or {}).items():
            emo.setdefault(k, []).append(float(v))
        for k, v in (o.get("sentiment") or {}).items():
            sent.setdefault(k, []).append(float(v))
        if o.get("offensive") is not None:
            off.append(float(o["offensive"]))
    if not (emo or sent or off):
        return None
    sentiment = {k: sum(v) / len(v) for k, v in sent.items()}
    return ToneResult(
        emotions={k: sum(v) / len(v) for k, v in emo.items()},
        sentiment=sentiment,
        sentiment_label=max(sentiment, key=lambda k: sentiment[k]) if sentiment else None,
        offensive=sum(off) / len(off) if off else None,
    )
