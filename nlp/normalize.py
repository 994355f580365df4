"""Text normalisation that never loses the way back to the original.

``normalize(text)`` returns a :class:`NormalizedText` with

- ``text``: Unicode NFKC of the original with invisible characters removed (zero-width space,
  joiners used inside words, bidi controls, soft hyphen, BOM, stray variation selectors, tag
  characters, Hangul fillers, ...). Emoji are kept, including their legitimate joiners,
  variation selectors, skin tones, keycaps and subdivision-flag tag sequences.
- ``fold``: same length as ``text``; case-folded, Cyrillic/Greek/small-capital look-alikes
  mapped to Latin, typographic quotes and dashes mapped to ASCII. Accents are kept. Match
  disclosure terms against ``fold``, cut evidence with :meth:`NormalizedText.span`.
- ``offsets``: ``offsets[i]`` is the index in the original of the character ``text[i]`` came
  from; ``offsets[len(text)] == len(original)``.
- ``removed``: ``(original offset, unicode name)`` of every removed character ("#a\\u200bd" is a
  known trick to dodge "#ad" filters; it is reported, and "#ad" still matches).

NFKC can change lengths ("ﬁ" -> "fi", "™" -> "TM"); it is applied per grapheme-ish cluster (a
base character and its combining marks) so each output character knows its source cluster.
Spans always slice the original: a span covering part of a cluster widens to the cluster.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from nlp.results import Span

__all__ = ["NormalizedText", "normalize", "fold_text", "is_emoji_char", "HOMOGLYPHS"]

# ---------------------------------------------------------------------------------------------
# Invisible characters
# ---------------------------------------------------------------------------------------------
_ZWNJ, _ZWJ = "\u200c", "\u200d"
_VS_EMOJI = frozenset("\ufe0e\ufe0f")
_KEYCAP = "\u20e3"
_BLACK_FLAG = "\U0001f3f4"
_CANCEL_TAG = "\U000e007f"

# Always removed (when not part of an emoji sequence, see _keep_contextual).
_INVISIBLE_RE = re.compile(
    "["
    "\u00ad"  # soft hyphen
    "\u034f"  # combining grapheme joiner
    "\u061c"  # arabic letter mark
    "\u115f\u1160"  # hangul choseong/jungseong fillers
    "\u17b4\u17b5"  # khmer inherent vowels (invisible)
    "\u180b-\u180f"  # mongolian free variation selectors + vowel separator
    "\u200b-\u200f"  # zero-width space/non-joiner/joiner, LRM, RLM
    "\u202a-\u202e"  # bidi embeddings/overrides
    "\u2060-\u2064"  # word joiner, invisible operators
    "\u2066-\u206f"  # bidi isolates, deprecated format chars
    "\u3164"  # hangul filler (renders blank)
    "\ufe00-\ufe0f"  # variation selectors 1-16
    "\ufeff"  # BOM / zero-width no-break space
    "\uffa0"  # halfwidth hangul filler
    "\ufff9-\ufffb"  # interlinear annotation
    "\U00013430-\U0001343f"  # egyptian hieroglyph format controls
    "\U0001bca0-\U0001bca3"  # shorthand format controls
    "\U0001d173-\U0001d17a"  # musical invisible formatting
    "\U000e0000-\U000e007f"  # tag characters
    "\U000e0100-\U000e01ef"  # variation selectors 17-256
    "\x00-\x08\x0e-\x1f\x7f"  # C0 controls except the line/space ones (tab LF VT FF CR)
    "\x80-\x84\x86-\x9f"  # C1 controls except NEL (a line break)
    "]"
)

# Every other format (Cf) character is a visible prepended concatenation mark (U+0600..0605,
# U+06DD, U+070F, U+0890..0891, U+08E2, U+110BD, U+110CD): kept.


def _is_emoji(ch: str) -> bool:
    o = ord(ch)
    if 0x1F000 <= o <= 0x1FAFF or 0x2600 <= o <= 0x27BF or 0x2B00 <= o <= 0x2BFF:
        return True
    return o > 0x7F and unicodedata.category(ch) in ("So", "Sk")


#: First code points of the squared (U+1F130), negative circled (U+1F150) and negative squared
#: (U+1F170, "🅰🅳") capitals A-Z, which NFKC leaves alone (folded to letters, see HOMOGLYPHS)
_ENCLOSED_CAPITALS = (0x1F130, 0x1F150, 0x1F170)


def _is_enclosed_letter(ch: str) -> bool:
    o = ord(ch)
    return any(b <= o < b + 26 for b in _ENCLOSED_CAPITALS)


def _is_joining_script(ch: str) -> bool:
    """Letters of scripts where ZWJ/ZWNJ are orthographic (Arabic, Indic, ...), not Latin/
    Cyrillic/Greek, where a joiner inside a word is a filter-dodging trick."""
    o = ord(ch)
    return o >= 0x0590 and unicodedata.category(ch)[0] in ("L", "M")


def _removable(text: str) -> list[int]:
    """Indices in ``text`` of characters to remove, keeping emoji and script joiners intact."""
    out: list[int] = []
    n = len(text)
    for m in _INVISIBLE_RE.finditer(text):
        i = m.start()
        ch = text[i]
        if not _keep_contextual(text, i, ch, n):
            out.append(i)
    return out


def _prev_base(text: str, i: int) -> str | None:
    """The nearest character before ``i`` that is not a joiner/selector/modifier/tag."""
    j = i - 1
    while j >= 0:
        c = text[j]
        o = ord(c)
        if c in (_ZWJ, _ZWNJ) or c in _VS_EMOJI or 0x1F3FB <= o <= 0x1F3FF:
            j -= 1
            continue
        if 0xE0020 <= o <= 0xE007F:
            j -= 1
            continue
        return c
    return None


def _keep_contextual(text: str, i: int, ch: str, n: int) -> bool:
    prev = _prev_base(text, i)
    nxt = text[i + 1] if i + 1 < n else None
    if ch in (_ZWJ, _ZWNJ):
        if prev is None or nxt is None:
            return False
        if ch == _ZWJ and _is_emoji(prev) and _is_emoji(nxt):
            return True
        return _is_joining_script(prev) and _is_joining_script(nxt)
    if ch in _VS_EMOJI:
        if prev is None:
            return False
        if nxt == _KEYCAP and (prev.isdigit() or prev in "#*"):
            return True
        if _is_enclosed_letter(prev):
            return False  # "🅰️🅳": folded to letters, the selector would split the word
        return _is_emoji(prev) and text[i - 1] == prev
    o = ord(ch)
    if 0xE0020 <= o <= 0xE007F:
        # Subdivision flags: U+1F3F4 followed by tag characters ending with CANCEL TAG.
        j = i
        while j > 0 and 0xE0020 <= ord(text[j - 1]) <= 0xE007F:
            j -= 1
        if j == 0 or text[j - 1] != _BLACK_FLAG:
            return False
        k = i
        while k < n and 0xE0020 <= ord(text[k]) <= 0xE007E:
            k += 1
        return k < n and text[k] == _CANCEL_TAG
    return False


# ---------------------------------------------------------------------------------------------
# Folding: same length, used for matching only
# ---------------------------------------------------------------------------------------------
HOMOGLYPHS: dict[str, str] = {
    # Cyrillic look-alikes (lowercase; uppercase is case-folded first)
    "а": "a", "в": "b", "е": "e", "ё": "ë", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "ï", "ј": "j", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɡ": "g", "ү": "y", "ց": "g", "օ": "o", "ս": "u",
    # Greek look-alikes
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "ϲ": "c", "ϳ": "j",
    # Latin small capitals and other Latin look-alikes NFKC leaves alone
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i",
    "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s",
    "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z", "ı": "i", "ȷ": "j", "ɑ": "a",
    "ɩ": "i", "ʋ": "u",
    # Typography
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-",
}  # fmt: skip
# Enclosed capitals, a way to write a label that stands out ("🅰🅳"), are letters
HOMOGLYPHS.update(
    {chr(base + i): chr(ord("a") + i) for base in _ENCLOSED_CAPITALS for i in range(26)}
)
_FOLD_TABLE = str.maketrans(HOMOGLYPHS)


def fold_text(text: str) -> str:
    """Case-fold and homoglyph-fold ``text`` character by character (length preserved)."""
    if text.isascii():
        return text.lower()
    f = text.casefold()
    if len(f) != len(text):  # "ß" -> "ss", "İ" -> "i̇": fold per character, keep length
        parts = []
        for c in text:
            cf = c.casefold()
            if len(cf) != 1:
                cf = c.lower()
                if len(cf) != 1:  # "İ": lower-case its base letter
                    base = unicodedata.normalize("NFD", c)[0].lower()
                    cf = base if len(base) == 1 else c
            parts.append(cf)
        f = "".join(parts)
    return f.translate(_FOLD_TABLE)


# ---------------------------------------------------------------------------------------------
# NormalizedText
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NormalizedText:
    """A normalised text with its map back to the original (see module docstring)."""

    original: str
    text: str
    fold: str
    offsets: list[int]
    removed: list[tuple[int, str]] = field(default_factory=list)
    #: ``ends[i]`` is the end (exclusive) in the original of the cluster ``text[i]`` came from;
    #: empty when every character maps to exactly one original character (``offsets[i] + 1``).
    ends: list[int] = field(default_factory=list, repr=False)

    def end_of(self, i: int) -> int:
        """End (exclusive) in the original of the source of ``text[i]``."""
        return self.ends[i] if self.ends else self.offsets[i] + 1

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map ``[start, end)`` in ``text``/``fold`` to ``[s, e)`` in ``original``.

        The result covers every original character that produced ``text[start:end]``
        (invisible characters between them included), and nothing after the last one.
        """
        n = len(self.text)
        if not 0 <= start <= end <= n:
            raise ValueError(f"span [{start}, {end}) outside normalised text of length {n}")
        if start == end:
            o = self.offsets[start]
            return o, o
        return self.offsets[start], self.end_of(end - 1)

    def span(self, start: int, end: int, label: str, detail: str | None = None) -> Span:
        """A :class:`Span` in ORIGINAL offsets for ``[start, end)`` of ``text``."""
        s, e = self.to_original(start, end)
        return Span(start=s, end=e, text=self.original[s:e], label=label, detail=detail)

    def from_original(self, pos: int) -> int:
        """Index in ``text`` of the first character at or after original offset ``pos``."""
        import bisect

        return bisect.bisect_left(self.offsets, pos, 0, len(self.text))

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def notes(self) -> list[str]:
        """Human-readable notes for ``PostAnalysis.normalisation_notes``."""
        return [f"removed {name} at offset {off}" for off, name in self.removed]


def _char_name(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return name or f"U+{ord(ch):04X}"


def _starts_cluster(ch: str) -> bool:
    o = ord(ch)
    if o < 0x300:
        return True
    if 0x1160 <= o <= 0x11FF or 0xD7B0 <= o <= 0xD7FF:  # Hangul medial/final jamo
        return False
    return unicodedata.category(ch) not in ("Mn", "Mc", "Me")


def normalize(text: str) -> NormalizedText:
    """Normalise ``text`` (NFKC, invisible characters removed) keeping offsets to it."""
    if text.isascii() and not _INVISIBLE_RE.search(text):
        n = len(text)
        offsets = list(range(n + 1))
        return NormalizedText(
            original=text,
            text=text,
            fold=text.lower(),
            offsets=offsets,
            removed=[],
            ends=[],
        )

    drop = _removable(text)
    removed = [(i, _char_name(text[i])) for i in drop]
    drop_set = set(drop)
    kept = [i for i in range(len(text)) if i not in drop_set] if drop else range(len(text))
    filtered = "".join(text[i] for i in kept) if drop else text

    ends: list[int] = []
    if unicodedata.is_normalized("NFKC", filtered):
        offsets = list(kept)
        offsets.append(len(text))
        out = filtered
    else:
        parts: list[str] = []
        offsets = []
        cluster: list[int] = []

        def flush() -> None:
            if not cluster:
                return
            s = "".join(text[k] for k in cluster)
            nf = unicodedata.normalize("NFKC", s)
            start, end = cluster[0], cluster[-1] + 1
            parts.append(nf)
            offsets.extend([start] * len(nf))
            ends.extend([end] * len(nf))
            cluster.clear()

        for k in kept:
            if cluster and _starts_cluster(text[k]):
                flush()
            cluster.append(k)
        flush()
        out = "".join(parts)
        offsets.append(len(text))

    return NormalizedText(
        original=text,
        text=out,
        fold=fold_text(out),
        offsets=offsets,
        removed=removed,
        ends=ends,
    )


def is_emoji_char(ch: str) -> bool:
    """True for emoji and the characters that build emoji sequences (joiner, selectors,
    skin tones, keycap, tags)."""
    o = ord(ch)
    if ch in (_ZWJ, _KEYCAP) or ch in _VS_EMOJI or 0x1F3FB <= o <= 0x1F3FF:
        return True
    if 0xE0020 <= o <= 0xE007F or 0x1F1E6 <= o <= 0x1F1FF:
        return True
    return _is_emoji(ch)


#: A run of tags glued without spaces, led by a ``#tag`` or an ``@handle``: "#sun#ad",
#: "@brand#spon". Instagram and TikTok link each tag of such a run, so a reader sees "#ad" in
#: it; a ``#`` after a plain word ("C#", "F#m", "item#3") starts no tag.
_GLUED_RUN_RE = re.compile(r"(?<![\w&#/@.])(?:#\w+|@\w(?:[\w.]*\w)?)(?:#\w+)+")


def glued_hashtag_starts(fold: str) -> list[int]:
    """Offsets of every ``#`` that continues a glued run of tags (not the run's first tag)."""
    if "#" not in fold:
        return []
    out: list[int] = []
    for m in _GLUED_RUN_RE.finditer(fold):
        a, b = m.span()
        out.extend(i for i in range(a + 1, b) if fold[i] == "#")
    return out
