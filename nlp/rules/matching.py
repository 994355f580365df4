"""Turn a pack's wording into compiled regular expressions over the folded text.

Matching runs on ``NormalizedText.fold`` (casefolded, homoglyphs folded, same length as
``text``), optionally with accents removed (still length-preserving), so a match's offsets are
``text`` offsets that ``NormalizedText.span`` maps back to the original.

Word boundaries (documented decisions):
- hashtag form ``#ad`` matches ``#ad`` / ``#AD`` / ``#Ad.`` but not ``#adidas``, ``#ads``,
  ``#ad_partner`` nor ``##ad``; ``#ads`` is not a label any pack lists.
- plain form ``ad`` matches the word ``Ad``/``AD |``/``ad:`` but never inside a word
  (``advert``, ``made``), after ``@`` (a handle), ``/`` or ``.`` (a URL), nor before a
  ``not_before`` word (``ad hoc``).
- words of a phrase may be separated by spaces, ``-`` or ``_``; the hashtag form drops them
  (``#collaborationcommerciale``).
- ``{brand}`` stands for one brand word or @handle (``sponsored by @nike``, ``#nikepartner``).
- a trailing ``*`` on a category keyword makes it a prefix (``crypto*`` -> ``cryptomonnaie``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from nlp.normalize import glued_hashtag_starts
from nlp.rules.schema import CommonLexicon, RulePack, Term

_BRAND_HASHTAG = r"[^\W_]\w*?"
_BRAND_PLAIN = r"@?[\w][\w.&'’\-]*"
_SEP = r"[\s\-_]+"
# the English word "ad" in prose or Latin, not a label (foreign-label lists only; packs say it)
_AD_NOT_BEFORE = ("hoc", "infinitum", "nauseam", "esempio")
_AD_NOT_AFTER = ("a", "an", "the", "this", "that", "any", "every", "one", "tv", "radio")
# Words after the English word "ad" that make it a noun in prose or Latin, whatever the pack
# lists ("Ad astra", "an ad break", "my ad blocker"); a plain "ad-" compound ("ad-free",
# "ad-blockers", "AD-HD") is never the label either.
_AD_PROSE_NEXT = (
    "astra", "break", "breaks", "blocker", "blockers", "block", "blocking", "space", "spaces",
    "revenue", "hominem", "libitum", "lib", "libs", "absurdum", "personam", "valorem",
)  # fmt: skip


class _DeaccentTable(dict[int, int]):
    """``str.translate`` table filled lazily: a code point -> its base letter (same length)."""

    def __missing__(self, cp: int) -> int:
        d = unicodedata.normalize("NFD", chr(cp))
        base = cp
        if len(d) > 1 and len(d[0]) == 1 and all(unicodedata.combining(x) for x in d[1:]):
            base = ord(d[0])
        self[cp] = base
        return base


_DEACCENT = _DeaccentTable()


def deaccent(s: str) -> str:
    """Remove accents without changing the length (one char in, one char out)."""
    if s.isascii():
        return s
    return s.translate(_DEACCENT)


def fold_term(term: str, accent_sensitive: bool = False) -> str:
    t = unicodedata.normalize("NFKC", term).casefold()
    return t if accent_sensitive else deaccent(t)


def _words(term: str) -> list[str]:
    return [w for w in re.split(r"\s+", term.strip()) if w]


# Label nouns that are everyday nouns too. Right after one of the first words the plain form
# is prose ("j'ai vu une publicité", "diese Werbung nervt", "I work in advertising"), before one
# of the second it is another word ("Anzeige erstattet": a police report); a sentence that says
# the post IS one ("ce post est une publicité", "dies ist eine Anzeige") is the label again: those
# statements are added wherever the noun is listed (accepted, flagged or foreign).
# Keys are folded without accents.
_LABEL_PROSE: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "advert": (("a", "an", "the", "this", "that", "new", "tv", "radio", "every", "any", "your",
                "his", "her", "their", "our", "its", "christmas", "latest", "funny"), (), ("is an {}",)),
    "advertisement": (("a", "an", "the", "this", "that", "new", "tv", "radio", "every", "any",
                       "your", "his", "her", "their", "our", "its", "christmas", "latest", "funny"), (), ("is an {}",)),
    "advertising": (("in", "of", "the", "tv", "radio", "online", "digital", "false",
                     "misleading", "about", "into", "targeted", "print", "hate", "hates"), (), ()),
    "publicite": (("une", "la", "de", "des", "les", "cette", "ma", "ta", "sa", "notre", "votre",
                   "leur", "en", "aucune", "sans"), (),
                  ("est une {}", "est de la {}", "s'agit d'une {}")),
    "werbung": (("die", "der", "den", "dem", "diese", "dieser", "diesen", "eine", "einer", "jede",
                 "jeder", "neue", "neuen", "deine", "eure", "in", "gegen", "ohne"), (),
                ("ist eine {}",)),
    "anzeige": (("die", "der", "eine", "einer", "meine", "deine", "seine", "ihre"),
                ("erstattet", "erstatten", "erstattest", "gegen", "aufgegeben"), ("ist eine {}",)),
    "publicidad": (("la", "una", "de", "en", "esta", "sin", "tanta", "mucha"), (),
                   ("es una {}",)),
    "pubblicita": (("la", "una", "della", "di", "questa", "nella", "in", "alla", "senza"), (),
                   ("è una {}",)),
    "reclame": (("de", "die", "een", "deze", "in", "dat"), (), ("is een {}",)),
    "advertentie": (("de", "een", "die", "deze"), (), ("is een {}",)),
    "reklam": (("en", "den", "ingen", "om", "mot", "all", "av", "hatar", "gillar", "älskar", "mer",
                "mycket"), (), ()),
    "annons": (("en", "den", "ingen", "min", "din"), (), ("är en {}",)),
    # Norwegian / Danish label, and an older German word for advertising ("die Reklame")
    "reklame": (("en", "ei", "den", "det", "ingen", "all", "al", "mer", "mye", "meget", "av",
                 "af", "om", "mot", "mod", "uten", "uden", "i", "die", "der", "eine",
                 "keine", "diese", "jede", "neue", "gegen", "ohne"), (),
                ("er en {}", "ist eine {}")),
    "annonse": (("en", "ei", "den", "ingen", "min", "din", "sin", "hans", "hennes", "deres",
                 "uten", "i"), (), ("er en {}",)),
    # Danish (dk.yaml only). In French "annonce" is an announcement and a verb ("la bande-
    # annonce", "Kensington Palace annonce ce lundi", "il a annoncé"): after a French article,
    # pronoun or auxiliary, or before a French article or pronoun, it is prose
    "annonce": (("en", "den", "denne", "ingen", "min", "din", "sin", "hans", "hendes",
                 "vores", "jeres", "deres", "uden", "une", "la", "cette", "chaque", "bande",
                 "grande", "petite", "nouvelle", "premiere", "derniere", "il", "elle", "on",
                 "nous", "vous", "qui", "a", "ont", "avait", "avons", "avez", "est", "sera",
                 "ete"),
                ("ce", "cette", "ces", "la", "le", "les", "l", "de", "du", "des", "d", "que",
                 "qu", "son", "sa", "ses", "leur", "leurs", "ma", "mon", "mes", "notre",
                 "votre", "un", "une", "enfin", "officiellement", "officielle", "officiel",
                 "n", "aujourd", "avoir", "etre", "a", "au", "aux", "par", "sur", "pour",
                 "dans", "avec", "et", "en"),
                ("er en {}",)),
}  # fmt: skip


def _prose_key(term: str) -> str | None:
    words = _words(deaccent(fold_term(term)))
    return words[0] if len(words) == 1 and words[0] in _LABEL_PROSE else None


def _with_statements(terms: list[Term]) -> list[Term]:
    """``terms`` plus, for each everyday label noun among them, the sentences that say the post
    is one ("est une publicité"), plain form only."""
    out = list(terms)
    for t in terms:
        key = _prose_key(t.term) if "plain" in t.forms else None
        for st in _LABEL_PROSE[key][2] if key else ():
            out.append(
                t.model_copy(
                    update={"term": st.format(t.term), "forms": ["plain"], "not_after": []}
                )
            )
    return out


def _word_re(w: str, *, hashtag: bool) -> str:
    if w == "{brand}":
        return _BRAND_HASHTAG if hashtag else _BRAND_PLAIN
    if "{brand}" in w:
        head, _, tail = w.partition("{brand}")
        return re.escape(head) + (_BRAND_HASHTAG if hashtag else _BRAND_PLAIN) + re.escape(tail)
    if w.endswith("*") and len(w) > 1:
        return _apos(re.escape(w[:-1])) + r"\w*"
    return _apos(re.escape(w))


_APOS = re.compile("['’]")


def _apos(escaped: str) -> str:
    """Typographic and straight apostrophes are the same letter for matching."""
    # one pass: replacing one apostrophe and then the other would rewrite the class just
    # inserted ("['['’]]"), and no term with an apostrophe would ever match
    return _APOS.sub("['’]", escaped)


def term_pattern(
    term: str,
    forms: list[str],
    not_before: list[str],
    accent_sensitive: bool,
    not_after: list[str] | None = None,
) -> str:
    words = _words(fold_term(term, accent_sensitive))
    if words and words[0].startswith("#"):  # written as a hashtag in the pack
        words[0] = words[0][1:]
        forms = ["hashtag"]
    is_ad = words == ["ad"]
    if is_ad:
        not_before = list(not_before) + [w for w in _AD_PROSE_NEXT if w not in not_before]
    key = _prose_key(term)
    if key:
        before, after, _ = _LABEL_PROSE[key]
        not_after = list(not_after or []) + [w for w in before if w not in (not_after or [])]
        not_before = list(not_before) + [w for w in after if w not in not_before]
    alts: list[str] = []
    if "hashtag" in forms:
        body = "".join(_word_re(w, hashtag=True) for w in words)
        alts.append(r"(?<![\w#])#" + body + r"(?![\w@])")
    if "plain" in forms:
        body = _SEP.join(_word_re(w, hashtag=False) for w in words)
        prose = "".join(
            r"(?<!(?<!\w)" + re.escape(fold_term(x, accent_sensitive)) + r"\s)"
            for x in (not_after or [])
        )
        compound = r"(?!-[^\W\d_])" if is_ad else ""
        if is_ad:
            # a year ("Kalki 2898 AD", "79 AD"), not the label ("Day 2 AD" stays it); "ad free"
            # is "ad-free"
            prose += "".join(rf"(?<!(?<!\w)\d{{{n}}}\s)" for n in range(2, 5))
            compound += r"(?!\s+free(?!\w))"
        alts.append(prose + r"(?<![\w#@/.])" + body + r"(?![\w@])" + compound)
    pat = "(?:" + "|".join(alts) + ")"
    if not_before:
        nb = "|".join(re.escape(fold_term(x, accent_sensitive)) for x in not_before)
        pat += r"(?![\s\-]+(?:" + nb + r")(?!\w))"
    return pat


@dataclass(frozen=True)
class TermMatch:
    start: int  # offsets into NormalizedText.text (== fold)
    end: int
    term: Term


_TOKEN = re.compile(r"#?\w+")


class TokenIndex:
    """The set of word / #hashtag tokens of a folded text, built once per text (one C-level
    ``findall``) and shared by every term set of every pack; positions are looked up lazily,
    only for the few tokens that are some term's key."""

    __slots__ = ("text", "tokens", "hashtags", "glued", "_pos")

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = frozenset(_TOKEN.findall(text))
        self.hashtags = [t for t in self.tokens if t[0] == "#"]
        #: where a tag glued to the tag or handle before it starts ("#sun#ad"): a term's
        #: hashtag form holds there although a word character precedes its "#"
        self.glued = frozenset(glued_hashtag_starts(text)) if self.hashtags else frozenset()
        self._pos: dict[str, list[int]] = {}

    def positions(self, token: str) -> list[int]:
        """Every offset where ``token`` occurs (a superset of where it is a whole token; the
        anchored term regex confirms the boundaries)."""
        got = self._pos.get(token)
        if got is None:
            got = []
            i = self.text.find(token)
            while i >= 0:
                got.append(i)
                i = self.text.find(token, i + 1)
            self._pos[token] = got
        return got


class TermSet:
    """Several terms, matched leftmost-longest without overlaps.

    Each term is indexed by the token it must start with (its first word, or its whole
    hashtag); ``{brand}`` hashtags and ``prefix*`` keywords are checked by prefix/suffix; the
    rare term that starts with punctuation is searched for. A candidate is confirmed by the
    term's own regex anchored at the token, so boundaries are exactly :func:`term_pattern`'s.
    """

    def __init__(self, terms: list[Term], accent_sensitive: bool) -> None:
        self.terms = sorted(terms, key=lambda t: -len(t.term))
        self.accent_sensitive = accent_sensitive
        self.patterns: list[re.Pattern[str]] = []
        # token -> (term, the other words' tokens the text must also hold): a phrase that starts
        # with a common word ("est une publicité", "is an advert") is tried only where its
        # rarer words occur too
        self.by_key: dict[str, list[tuple[int, frozenset[str]]]] = {}
        # (token prefix, token suffix, characters the placeholder needs, term)
        self.affixes: list[tuple[str, str, int, int]] = []
        self.always: list[int] = []
        for i, t in enumerate(self.terms):
            self.patterns.append(
                re.compile(
                    term_pattern(t.term, list(t.forms), t.not_before, accent_sensitive, t.not_after)
                )
            )
            self._index(i, t)
        self.keys = frozenset(self.by_key)

    def _index(self, i: int, t: Term) -> None:
        words = _words(fold_term(t.term, self.accent_sensitive))
        forms = list(t.forms)
        if words and words[0].startswith("#"):
            words[0] = words[0][1:]
            forms = ["hashtag"]
        if "hashtag" in forms:
            body = "".join(words)
            if "{brand}" in body:
                head, _, tail = body.partition("{brand}")
                self.affixes.append(("#" + head, tail, 1, i))
            elif body.endswith("*"):
                self.affixes.append(("#" + body[:-1], "", 0, i))
            else:
                lead_h = re.match(r"\w+", body)
                if lead_h is None:
                    self.always.append(i)
                else:  # "#ai-generated": the token is "#ai"
                    self.by_key.setdefault("#" + lead_h.group(), []).append((i, frozenset()))
        if "plain" in forms:
            first = words[0]
            lead = re.match(r"\w+", first)
            if first.startswith("{brand}") or lead is None:
                self.always.append(i)
            elif first.endswith("*") and lead.group() == first[:-1] and len(words) == 1:
                self.affixes.append((lead.group(), "", 0, i))
            else:
                needs = frozenset(
                    m.group()
                    for w in words[1:]
                    if "{brand}" not in w and not w.endswith("*")
                    for m in re.finditer(r"\w+", w)
                )
                self.by_key.setdefault(lead.group(), []).append((i, needs))

    def __bool__(self) -> bool:
        return bool(self.terms)

    def finditer(self, folded: str, index: TokenIndex | None = None) -> list[TermMatch]:
        if not self.terms:
            return []
        idx = index if index is not None and index.text == folded else TokenIndex(folded)
        cands: list[tuple[int, int, int]] = []

        glued = idx.glued

        def confirm(i: int, pos: int) -> None:
            m = self.patterns[i].match(folded, pos)
            if m is not None and m.end() > m.start():
                cands.append((m.start(), m.end(), i))
            elif pos in glued:  # read the glued tag as if a space preceded it
                m = self.patterns[i].match(folded[pos:])
                if m is not None and m.end() > m.start():
                    cands.append((pos + m.start(), pos + m.end(), i))

        tokens = idx.tokens
        for key in self.keys.intersection(tokens):
            ids = [i for i, needs in self.by_key[key] if needs <= tokens]
            if not ids:
                continue
            for pos in idx.positions(key):
                for i in ids:
                    confirm(i, pos)
        for head, tail, extra, i in self.affixes:
            pool = idx.hashtags if head.startswith("#") else idx.tokens
            for tok in pool:
                if (
                    len(tok) >= len(head) + len(tail) + extra
                    and tok.startswith(head)
                    and tok.endswith(tail)
                ):
                    for pos in idx.positions(tok):
                        confirm(i, pos)
        for i in self.always:
            for m in self.patterns[i].finditer(folded):
                if m.end() > m.start():
                    cands.append((m.start(), m.end(), i))
        if not cands:
            return []
        cands.sort(key=lambda c: (c[0], c[0] - c[1], c[2]))
        out: list[TermMatch] = []
        last_end = -1
        for start, end, i in cands:
            if start >= last_end:
                out.append(TermMatch(start, end, self.terms[i]))
                last_end = end
        return out


@dataclass
class CategoryMatcher:
    index: int
    keywords: TermSet
    required: TermSet


@dataclass
class CompiledPack:
    """A pack's wording compiled once at load; shared by every audit."""

    pack: RulePack
    accepted: TermSet
    flagged: TermSet
    foreign: TermSet
    negations: TermSet
    categories: list[CategoryMatcher] = field(default_factory=list)
    extra_labels: list[tuple[TermSet, TermSet]] = field(default_factory=list)

    @property
    def accent_sensitive(self) -> bool:
        return self.pack.disclosure.accent_sensitive

    def fold(self, fold: str) -> str:
        return fold if self.accent_sensitive else deaccent(fold)


def _plain_terms(words: list[str], lang: str, reason: str) -> list[Term]:
    return [Term(term=w, lang=lang, forms=["hashtag", "plain"], reason=reason) for w in words]


def compile_pack(pack: RulePack, common: CommonLexicon) -> CompiledPack:
    acc = pack.disclosure.accent_sensitive
    accepted = _with_statements(pack.disclosure.accepted_terms())
    flagged = _with_statements(
        [
            t.model_copy(update={"rule": t.rule or pack.disclosure.flagged_rule})
            for t in pack.disclosure.flagged
        ]
    )
    known = {fold_term(t.term.lstrip("#"), acc) for t in accepted + flagged}
    # every language's labels (common.yaml) that the pack neither accepts nor flags: one of the
    # audience's own languages ("paid promotion", "Bezahlte Partnerschaft") is reviewed, never
    # ignored (unlisted_wording); another language's is wrong_language
    d = pack.disclosure
    unlisted: list[Term] = []
    foreign: list[Term] = []
    for lang, words in common.labels_by_language.items():
        own = lang in d.accepted
        for w in words:
            if fold_term(w.lstrip("#"), acc) in known:
                continue
            (unlisted if own else foreign).append(
                Term(
                    term=w,
                    lang=lang,
                    reason="unlisted_wording" if own else "wrong_language",
                    severity="needs_review" if own else d.foreign_label_severity,
                    rule=(d.flagged_rule or d.rule) if own else d.rule,
                    not_before=list(_AD_NOT_BEFORE) if w == "ad" else [],
                    not_after=list(_AD_NOT_AFTER) if w == "ad" else [],
                )
            )
    flagged += _with_statements(unlisted)
    negations = [
        Term(term=w, lang=lang, reason="negated_disclosure")
        for lang, words in common.negations.items()
        for w in words
    ]
    cats = []
    for i, c in enumerate(pack.categories):
        kw = [t for lang, ws in c.keywords.items() for t in _plain_terms(ws, lang, "category")]
        req = _plain_terms(c.required_labels, "xx", "required_label") if c.required_labels else []
        cats.append(CategoryMatcher(i, TermSet(kw, acc), TermSet(req, acc)))
    extras = []
    for x in pack.extra_labels:
        labels = _plain_terms(x.labels, "xx", "extra_label")
        trig = [t for lang, ws in x.triggers.items() for t in _plain_terms(ws, lang, "trigger")]
        extras.append((TermSet(labels, acc), TermSet(trig, acc)))
    return CompiledPack(
        pack=pack,
        accepted=TermSet(accepted, acc),
        flagged=TermSet(flagged, acc),
        foreign=TermSet(_with_statements(foreign), acc),
        negations=TermSet(negations, acc),
        categories=cats,
        extra_labels=extras,
    )
