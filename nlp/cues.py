"""Commercial cues with evidence spans (offsets into the ORIGINAL text).

``find_cues(norm, hashtags, mentions, links)`` returns :class:`~nlp.results.Span` objects
labelled exactly one of :data:`CUE_LABELS`:

- ``brand_mention``: every @handle; ``detail`` is ``likely_brand``, ``likely_person`` or
  ``unknown`` (cheap heuristics: the handle's parts, the words before it, a matching hashtag
  or link).
- ``discount_code``: "code LOUISE20", "use my code X", "-20% avec le code X", "mit dem Code X",
  "con el código X", "codice sconto X"; ``detail`` is the code as written.
- ``affiliate_link``: amzn.to, amazon ?tag=, rstyle.me, liketk.it, shopmy, tidd.ly, ...
  (``detail``: the domain or the affiliate query parameter; ``handle`` for a commission
  platform's own @handle such as @liketoknow.it; ``wording`` for "my Amazon storefront").
- ``short_link``: bit.ly, tinyurl, goo.gl, ow.ly, ... (the destination is hidden).
- ``link_in_bio``: "link in bio", "lien en bio", "link in der Bio", "swipe up", and link
  aggregators such as linktr.ee (``detail="link_aggregator:<domain>"``).
- ``gifting``, ``giveaway``, ``price_offer``: phrase lists per language; an everyday word
  that is only sometimes commercial ("cadeau", "win", "promo") gets ``detail="weak"``.
- ``thanks_brand``: "thanks to @brand", "merci @brand", "danke an @brand" (span: the thanks
  and the handle; ``detail``: the handle).
- ``brand_partner_hashtag``: #<brand>partner, #<brand>ambassador, #<brand>ambassadeur, ...
  (``detail``: the brand part).
- ``brand_hashtag``: a hashtag naming a tagged handle (``@danielwellington ...
  #danielwellington``, ``@coronauk ... #coronasunsets``): the brand's campaign hashtag, as a
  brief asks for it (``detail``: the handle). Not for a ``likely_person`` handle nor for the
  post's own creator.
- ``own_brand``: the creator's own brand, shop, merch or new collection ("my new collection",
  "my shop", "ma marque", "meine Kollektion"); own-brand posts are marketing too. Restocks
  and pre-orders ("back in stock", "réassort") are availability: ``price_offer``.
- ``brand_role``: a role for a brand said outright: part of its campaign, its new face, its
  ambassador ("part of the new #X campaign", "égérie de", "Markenbotschafterin"); weak: a
  sponsor's formula ("for making this video possible", "this episode is brought to you by"),
  also said of a film crew or a charity's donation.
- ``shop_link``: a link to a shop (a host such as shop.brand.com or brand.shop, a product or
  collection path such as /products/...); a link that applies a code at checkout
  (/discount/ANNA10, ?discount=ANNA10) is a ``discount_code`` instead, and affiliate wording
  ("my referral link", "lien de parrainage", "I earn a commission") an ``affiliate_link`` with
  ``detail="wording"``.

Term lists live in ``nlp/data/cues.yaml`` (EN, FR, DE, NL, ES, IT, SV, NO, DA) and are matched against
``norm.fold`` (case-folded, homoglyph-folded, invisible characters removed), so "#GiftΕd" and
"link in b\\u200bio" still match; spans slice the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl

import yaml

from nlp.normalize import NormalizedText
from nlp.results import Span

__all__ = ["CUE_LABELS", "CueLexicon", "find_cues", "load_lexicon", "classify_link"]

CUE_LABELS: tuple[str, ...] = (
    "brand_mention",
    "discount_code",
    "affiliate_link",
    "short_link",
    "link_in_bio",
    "gifting",
    "giveaway",
    "price_offer",
    "thanks_brand",
    "brand_partner_hashtag",
    "own_brand",
    "shop_link",
    "brand_hashtag",
    "brand_role",
)

# a handle's regional / generic tail, dropped before comparing it with a hashtag
# (@coronauk -> corona: #coronasunsets; @danielwellington: #danielwellington)
_HANDLE_TAILS = (
    "official", "global", "france", "india", "world", "store", "usa", "uk", "us", "fr", "de",
    "it", "es", "nl", "eu", "hq",
)  # fmt: skip

_PHRASE_LABELS = (
    "link_in_bio",
    "gifting",
    "giveaway",
    "price_offer",
    "own_brand",
    "brand_role",
    "affiliate_wording",
)
#: phrase groups whose spans carry another label (and this detail)
_PHRASE_AS = {"affiliate_wording": ("affiliate_link", "wording")}


def _alternation(patterns: list[str]) -> str:
    """Longest first; a space matches any whitespace."""
    parts = []
    for p in sorted(set(patterns), key=len, reverse=True):
        parts.append(p.replace(" ?", r"\s*").replace(" ", r"\s+"))
    return "|".join(parts)


def _phrases_regex(strong: dict[str, list[str]], weak: dict[str, list[str]]) -> re.Pattern[str]:
    """ONE scan for every phrase label, whole words only: groups ``s_<label>`` (strong) come
    before ``w_<label>`` (weak), so a weak word never wins where a strong phrase starts."""
    groups = [f"(?P<s_{lb}>{_alternation(ps)})" for lb, ps in strong.items() if ps]
    groups += [f"(?P<w_{lb}>{_alternation(ps)})" for lb, ps in weak.items() if ps]
    return re.compile(r"(?<![\w-])(?:" + "|".join(groups) + r")(?![\w-])")


def _flatten(d: dict[str, list[str]] | list[str]) -> list[str]:
    if isinstance(d, list):
        return [str(x) for x in d]
    out: list[str] = []
    for v in d.values():
        out.extend(str(x) for x in v)
    return out


@dataclass(frozen=True)
class CueLexicon:
    """Compiled term lists (built once from ``nlp/data/cues.yaml``)."""

    version: str
    phrase_re: re.Pattern[str]
    code_re: re.Pattern[str]
    code_stopwords: frozenset[str]
    thanks_re: re.Pattern[str]
    partner_re: re.Pattern[str]
    partner_generic: frozenset[str]
    affiliate_domains: frozenset[str]
    affiliate_params: frozenset[str]
    short_domains: frozenset[str]
    aggregators: frozenset[str]
    affiliate_handles: frozenset[str]
    brand_parts: tuple[str, ...]
    brand_suffixes: tuple[str, ...]
    person_ctx_re: re.Pattern[str]
    brand_ctx_re: re.Pattern[str]
    shop_host_parts: frozenset[str] = frozenset()
    shop_path_prefixes: tuple[str, ...] = ()
    discount_path_prefixes: tuple[str, ...] = ()
    discount_params: frozenset[str] = frozenset()


#: A word before a bare "code" that makes it not a discount code.
_NOT_DISCOUNT_BEFORE = frozenset(
    {"dress", "qr", "source", "postal", "zip", "area", "country", "bar", "color", "colour"}
    | {"morse", "secret", "access", "cheat", "error", "status", "html", "css", "da"}
)
_CODE_BODY = r"[^\W_][\w\-]{1,24}"
#: An all-capitals name followed by a few digits ("LOUISE20", "ANNA15"): a code when a
#: discount word is near it.
_BARE_CODE_RE = re.compile(r"(?<![\w@#/.-])[A-Z]{3,15}\d{1,3}(?![\w%])")
_DISCOUNT_WORD_RE = re.compile(
    r"\d\s*%|\b(?:off|discount|korting|rabatt|r[ée]duc\w*|remise|descuento|sconto|code|codice|"
    r"c[óo]digo|promo\w*|gutschein\w*|coupon)\b"
)
_NOT_CODES = frozenset({"COVID19", "COVID", "SARS2", "NIX18", "GTA5", "MP3", "PS5", "IOS17"})
#: A name and a number in quotation marks ("'Simone10'", "”15Nina”", "\"EMMA20\""): a creator's
#: code when a handle is just before it (ASA NZ 2019: "Crop and tights @aimn.oceania
#: 'Simone10'") or a discount word is near, whatever its letter case.
_QUOTED_CODE_RE = re.compile(
    r"(?<!\w)[\"'‘’“”«»]\s?(?P<code>[^\W\d_]{3,15}\d{1,3}|\d{1,3}[^\W\d_]{3,15})\s?[\"'‘’“”«»](?!\w)"
)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _build(raw: dict[str, Any]) -> CueLexicon:
    strong_ph: dict[str, list[str]] = {}
    weak_ph: dict[str, list[str]] = {}
    for label in _PHRASE_LABELS:
        items = _flatten(raw[label])
        strong_ph[label] = [p for p in items if not p.startswith("~")]
        weak_ph[label] = [p[1:] for p in items if p.startswith("~")]
    triggers = sorted(set(_flatten(raw["discount_code_triggers"])), key=len, reverse=True)
    trig = _alternation(triggers)
    code_re = re.compile(
        r"(?<![\w-])(?P<trig>" + trig + r")"
        r"(?:\s*[:=>→\-]+\s*|\s+)"
        r"(?:(?:is|est|ist|es|è|c'est|lautet|luidt|ici|hier)\s*:?\s+)?"
        r"[\"'«*]?(?P<code>" + _CODE_BODY + r")(?!\w)"
    )
    thanks = "|".join(
        t.replace(" ?", r"\s*").replace(" ", r"\s+")
        for t in sorted(set(_flatten(raw["thanks_brand"])), key=len, reverse=True)
    )
    thanks_re = re.compile(r"(?<!\w)(?:" + thanks + r")[\s,:!-]*$")
    suffixes = sorted({str(s) for s in raw["partner_suffixes"]}, key=len, reverse=True)
    partner_re = re.compile(r"^#(?P<brand>\w{2,}?)(?P<suffix>" + "|".join(suffixes) + r")$")
    person_ctx = "|".join(str(p) for p in raw["person_context"])
    brand_ctx = "|".join(str(p) for p in raw["brand_context"])
    return CueLexicon(
        version=str(raw.get("version", "0")),
        phrase_re=_phrases_regex(strong_ph, weak_ph),
        code_re=code_re,
        code_stopwords=frozenset(str(w).casefold() for w in raw["code_stopwords"]),
        thanks_re=thanks_re,
        partner_re=partner_re,
        partner_generic=frozenset(str(w) for w in raw["partner_generic"]),
        affiliate_domains=frozenset(str(d) for d in raw["affiliate_domains"]),
        affiliate_params=frozenset(str(p).casefold() for p in raw["affiliate_query_params"]),
        short_domains=frozenset(str(d) for d in raw["short_domains"]),
        aggregators=frozenset(str(d) for d in raw["link_aggregators"]),
        affiliate_handles=frozenset(
            _bare_handle(str(h).casefold()) for h in raw.get("affiliate_handles", [])
        ),
        brand_parts=tuple(str(p) for p in raw["brand_handle_parts"] if not str(p).startswith("$")),
        brand_suffixes=tuple(
            str(p)[1:] for p in raw["brand_handle_parts"] if str(p).startswith("$")
        ),
        person_ctx_re=re.compile(r"(?:^|\W)(?:" + person_ctx + r")[^\w@#]*$"),
        brand_ctx_re=re.compile(r"(?:^|\W)(?:" + brand_ctx + r")[^\w@#]*$"),
        shop_host_parts=frozenset(str(p) for p in raw.get("shop_host_parts", [])),
        shop_path_prefixes=tuple(str(p) for p in raw.get("shop_path_prefixes", [])),
        discount_path_prefixes=tuple(str(p) for p in raw.get("discount_path_prefixes", [])),
        discount_params=frozenset(str(p).casefold() for p in raw.get("discount_query_params", [])),
    )


@lru_cache(maxsize=4)
def load_lexicon(path: str | None = None) -> CueLexicon:
    """The compiled cue lexicon (``nlp/data/cues.yaml`` unless ``path`` is given)."""
    if path is None:
        text = resources.files("nlp.data").joinpath("cues.yaml").read_text(encoding="utf-8")
    else:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    return _build(yaml.safe_load(text))


# ---------------------------------------------------------------------------------------------
# Links
# ---------------------------------------------------------------------------------------------
_SCHEME_RE = re.compile(r"^(?:https?://)?(?:www\.)?", re.IGNORECASE)


def _host_path_query(url: str) -> tuple[str, str, str]:
    u = _SCHEME_RE.sub("", url)
    host, _, rest = u.partition("/") if "/" in u.split("?", 1)[0] else (u.split("?", 1)[0], "", "")
    host = host.split("?", 1)[0].split("#", 1)[0].split(":", 1)[0].lower()
    query = url.split("?", 1)[1] if "?" in url else ""
    path = rest.split("?", 1)[0]
    return host, path, query


def _domain_in(host: str, domains: frozenset[str]) -> str | None:
    if host in domains:
        return host
    parts = host.split(".")
    for i in range(1, len(parts) - 1):
        d = ".".join(parts[i:])
        if d in domains:
            return d
    return None


def classify_link(url: str, lex: CueLexicon | None = None) -> tuple[str, str] | None:
    """(label, detail) for a link that is a cue, else None."""
    lex = lex or load_lexicon()
    host, path, query = _host_path_query(url)
    d = _domain_in(host, lex.affiliate_domains)
    if d:
        return "affiliate_link", d
    if query:
        for k, v in parse_qsl(query, keep_blank_values=True):
            kf = k.casefold()
            if kf in lex.affiliate_params or f"{kf}={v.casefold()}" in lex.affiliate_params:
                if kf in ("ref", "ref_id") and not v:
                    continue
                return "affiliate_link", f"{host}?{k}="
    if re.match(r"^(?:[a-z]+\.)?amazon\.[a-z.]+$", host) and (
        path.startswith("shop/") or "/ref=" in f"/{path}" or "linkcode=" in query.casefold()
    ):
        return "affiliate_link", host
    d = _domain_in(host, lex.short_domains)
    if d:
        return "short_link", d
    d = _domain_in(host, lex.aggregators)
    if d:
        return "link_in_bio", f"link_aggregator:{d}"
    code = _link_code(path, query, lex)
    if code:
        return "discount_code", code
    if _is_shop(host, path, lex):
        return "shop_link", host
    return None


#: second-level labels under a country code (brand.co.uk: the name is "brand")
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "gouv"})
#: words ending in a shop word that are not shops ("workshop.org")
_NOT_SHOP_HOSTS = ("workshop", "bishop", "photoshop", "barbershop", "sweatshop", "restore")


def _link_code(path: str, query: str, lex: CueLexicon) -> str | None:
    """The code a checkout link applies: Shopify ``/discount/ANNA10``, ``?discount=ANNA10``."""
    low = path.casefold()
    for pre in lex.discount_path_prefixes:
        if low.startswith(pre):
            code = path[len(pre) :].split("/", 1)[0]
            if re.fullmatch(_CODE_BODY, code):
                return code
    for k, v in parse_qsl(query, keep_blank_values=False):
        if k.casefold() in lex.discount_params and re.fullmatch(_CODE_BODY, v):
            return v
    return None


def _is_shop(host: str, path: str, lex: CueLexicon) -> bool:
    """A shop's host (shop.brand.com, brandshop.com, brand.store, x.myshopify.com) or a
    product / collection page."""
    labels = host.split(".")
    if len(labels) >= 2:
        if host.endswith(".myshopify.com") or any(lb in lex.shop_host_parts for lb in labels):
            return True
        name = labels[-3] if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL else labels[-2]
        if not name.endswith(_NOT_SHOP_HOSTS):
            for part in lex.shop_host_parts:
                if (
                    len(part) >= 4
                    and len(name) > len(part)
                    and (name.startswith(part) or name.endswith(part))
                ):
                    return True
    low = "/" + path.casefold()
    return any(f"/{pre}" in low for pre in lex.shop_path_prefixes)


# ---------------------------------------------------------------------------------------------
# find_cues
# ---------------------------------------------------------------------------------------------
def _near_discount_word(fold: str, s: int, e: int) -> bool:
    """A discount word ("off", "code", "20%" ...) within 50 characters of fold[s:e]."""
    return _DISCOUNT_WORD_RE.search(fold[max(0, s - 50) : e + 50]) is not None


def _overlaps(s: int, e: int, ranges: list[tuple[int, int]]) -> bool:
    return any(s < re_ and rs < e for rs, re_ in ranges)


def _bare_handle(handle: str) -> str:
    """A handle without its dots and underscores (@kkw.beauty, @kkw_beauty -> kkwbeauty)."""
    return handle.replace(".", "").replace("_", "")


def _brand_guess(
    handle_fold: str,
    before_fold: str,
    hashtag_bodies: set[str],
    link_hosts: list[str],
    lex: CueLexicon,
    text_fold: str = "",
) -> str:
    if lex.person_ctx_re.search(before_fold):
        return "likely_person"
    if any(p in handle_fold for p in lex.brand_parts) or (
        len(handle_fold) > 4 and handle_fold.endswith(lex.brand_suffixes)
    ):
        return "likely_brand"
    if lex.brand_ctx_re.search(before_fold):
        return "likely_brand"
    bare = _bare_handle(handle_fold)
    if len(bare) >= 3 and (
        any(h.startswith(bare) for h in hashtag_bodies) or any(bare in h for h in link_hosts)
    ):
        return "likely_brand"
    # the handle's name also written as a word in the caption ("@gisou ... our new Gisou mask")
    if len(bare) >= 4 and _word_in(bare, text_fold):
        return "likely_brand"
    return "unknown"


def _word_in(word: str, text: str) -> bool:
    """``word`` stands alone in ``text`` (not inside a word, not an @handle); no regex is
    compiled per handle (the ``re`` module's cache thrashed on captions with many handles)."""
    i = text.find(word)
    while i >= 0:
        j = i + len(word)
        before = text[i - 1] if i else " "
        if not (before.isalnum() or before in "_@") and not (
            j < len(text) and (text[j].isalnum() or text[j] == "_")
        ):
            return True
        i = text.find(word, i + 1)
    return False


def _handle_core(handle_fold: str) -> str:
    bare = _bare_handle(handle_fold)
    for tail in _HANDLE_TAILS:
        if bare.endswith(tail) and len(bare) - len(tail) >= 4:
            return bare[: -len(tail)]
    return bare


def _brand_hashtags(
    norm: NormalizedText, hashtags: list[Span], cues: list[Span], creator: str | None
) -> list[Span]:
    """Hashtags that name a tagged brand handle (see ``brand_hashtag`` in the docstring)."""
    if not hashtags:
        return []
    fold = norm.fold
    own = _bare_handle(creator) if creator else None
    cores: list[tuple[str, str]] = []  # (core name, handle as written)
    for c in cues:
        if c.label != "brand_mention" or c.detail == "likely_person":
            continue
        i = norm.from_original(c.start)
        j = norm.from_original(c.end)
        handle = fold[i + 1 : j]
        if own is not None and _bare_handle(handle) == own:
            continue
        core = _handle_core(handle)
        if len(core) >= 4:
            cores.append((core, norm.text[i:j]))  # as written, invisible characters removed
    if not cores:
        return []
    taken = {(c.start, c.end) for c in cues if c.label == "brand_partner_hashtag"}
    out: list[Span] = []
    for sp in hashtags:
        if (sp.start, sp.end) in taken:
            continue
        body = fold[norm.from_original(sp.start) + 1 : norm.from_original(sp.end)].replace("_", "")
        for core, written in cores:
            if body.startswith(core) or (len(body) >= 5 and core.startswith(body)):
                out.append(sp.model_copy(update={"label": "brand_hashtag", "detail": written}))
                break
    return out


def find_cues(
    norm: NormalizedText,
    hashtags: list[Span],
    mentions: list[Span],
    links: list[Span],
    lexicon: CueLexicon | None = None,
    creator: str | None = None,
) -> list[Span]:
    """Commercial cues of a normalised text, sorted by position (see module docstring);
    ``creator`` is the poster's own handle (lower case, no ``@``), never a brand here."""
    lex = lexicon or load_lexicon()
    fold = norm.fold
    out: list[Span] = []
    link_ranges = [(sp.start, sp.end) for sp in links]
    mention_ranges = [(sp.start, sp.end) for sp in mentions]
    emails = [norm.to_original(*m.span()) for m in _EMAIL_RE.finditer(norm.fold)]
    blocked = link_ranges + mention_ranges + emails

    # links
    link_hosts: list[str] = []
    for sp in links:
        # classify the NORMALISED, folded link: "amz\u200bn.to" and Cyrillic "аmzn.to" are amzn.to
        url = norm.fold[norm.from_original(sp.start) : norm.from_original(sp.end)]
        link_hosts.append(_host_path_query(url)[0])
        got = classify_link(url, lex)
        if got and got[0] == "discount_code":  # the code as written, not case-folded
            plain = norm.text[norm.from_original(sp.start) : norm.from_original(sp.end)]
            got = (got[0], _link_code(*_host_path_query(plain)[1:], lex) or got[1])
        if got:
            out.append(Span(start=sp.start, end=sp.end, text=sp.text, label=got[0], detail=got[1]))

    # phrase lists: one scan; a weak word only where no strong phrase starts
    for m in lex.phrase_re.finditer(fold):
        group = m.lastgroup or ""
        label, detail = _PHRASE_AS.get(group[2:], (group[2:], None))
        sp = norm.span(m.start(), m.end(), label, detail="weak" if group[0] == "w" else detail)
        if not _overlaps(sp.start, sp.end, blocked):
            out.append(sp)

    # discount codes
    code_spans: list[tuple[int, int]] = []
    for m in lex.code_re.finditer(fold):
        code_s, code_e = m.span("code")
        code_fold = m.group("code")
        code_text = norm.text[code_s:code_e]
        trig = m.group("trig")
        if code_fold in lex.code_stopwords:
            continue
        s0, _ = norm.to_original(m.start(), m.end())
        if _overlaps(s0, norm.to_original(code_s, code_e)[1], link_ranges):
            continue
        bare = re.fullmatch(r"code|coupon", trig) is not None
        if bare:
            prev = re.search(r"(\w+)[\s-]*$", fold[: m.start()])
            if prev and prev.group(1) in _NOT_DISCOUNT_BEFORE:
                continue
        strong = (
            any(c.isdigit() for c in code_text)
            or (code_text.isupper() and len(code_text) >= 3)
            or not bare
            or fold[m.end("trig") : code_s].strip(" \t\"'«*") != ""  # "code: x", "code = x"
        )
        if not strong:
            continue
        out.append(norm.span(m.start(), code_e, "discount_code", detail=code_text))
        code_spans.append((m.start(), code_e))

    # a bare code ("20% off with LOUISE20"): NAME+digits next to a discount word
    for m in _BARE_CODE_RE.finditer(norm.text):
        s, e = m.span()
        if any(s < ce and cs < e for cs, ce in code_spans):
            continue
        if m.group().upper() in _NOT_CODES:
            continue
        if _near_discount_word(fold, s, e):
            o = norm.to_original(s, e)
            if not _overlaps(o[0], o[1], blocked):
                out.append(norm.span(s, e, "discount_code", detail=m.group()))

    # a quoted code after a handle ("@brand 'Simone10'") or near a discount word
    found = [(c.start, c.end) for c in out if c.label == "discount_code"]
    for m in _QUOTED_CODE_RE.finditer(norm.text):
        s, e = m.span("code")
        o = norm.to_original(s, e)
        if _overlaps(*o, found + blocked) or m.group("code").upper() in _NOT_CODES:
            continue
        handle_before = any(0 <= o[0] - me <= 40 for _, me in mention_ranges)
        if handle_before or _near_discount_word(fold, s, e):
            out.append(norm.span(s, e, "discount_code", detail=m.group("code")))

    # mentions: brand guesses and thanks
    hashtag_bodies = {
        fold[norm.from_original(h.start) + 1 : norm.from_original(h.end)] for h in hashtags
    }
    for sp in mentions:
        i = norm.from_original(sp.start)
        j = norm.from_original(sp.end)
        handle_fold = fold[i + 1 : j]
        before = fold[max(0, i - 40) : i]
        guess = _brand_guess(handle_fold, before, hashtag_bodies, link_hosts, lex, fold)
        t = lex.thanks_re.search(before)
        if t and guess == "unknown":
            guess = "likely_brand"
        out.append(sp.model_copy(update={"label": "brand_mention", "detail": guess}))
        if _bare_handle(handle_fold) in lex.affiliate_handles:
            # "popped it on my @liketoknow.it profile": a commission platform's own handle
            out.append(sp.model_copy(update={"label": "affiliate_link", "detail": "handle"}))
        if t:
            ts = max(0, i - 40) + t.start()
            # skip the non-word char the pattern may have consumed before the thanks
            while ts < i and not fold[ts].isalnum():
                ts += 1
            out.append(norm.span(ts, j, "thanks_brand", detail=norm.text[i:j]))

    # brand-partner hashtags
    for sp in hashtags:
        i = norm.from_original(sp.start)
        j = norm.from_original(sp.end)
        pm = lex.partner_re.match(fold[i:j])
        # "#cyleeandpartners": a firm's name (architects, lawyers), not a partnership
        firm = (
            pm is not None
            and pm.group("suffix") == "partners"
            and pm.group("brand").endswith("and")
        )
        if pm and pm.group("brand") not in lex.partner_generic and not firm:
            out.append(
                Span(
                    start=sp.start,
                    end=sp.end,
                    text=sp.text,
                    label="brand_partner_hashtag",
                    detail=pm.group("brand"),
                )
            )

    out.extend(_brand_hashtags(norm, hashtags, out, creator))

    out.sort(key=lambda c: (c.start, c.end, c.label))
    dedup: list[Span] = []
    seen: set[tuple[int, int, str]] = set()
    for c in out:
        key = (c.start, c.end, c.label)
        if key not in seen:
            seen.add(key)
            dedup.append(c)
    return dedup
