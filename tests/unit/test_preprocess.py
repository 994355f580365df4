"""nlp.preprocess: tokenizer rules, extraction, placement landmarks, language, batching."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.langid import clean_for_langid, detect_language
from nlp.posts import Post
from nlp.preprocess import FOLD_CHARS, Preprocessed, Preprocessor, blank_tokenizer


@pytest.fixture(scope="module")
def pre() -> Preprocessor:
    return Preprocessor()


def post(text: str, **kw: object) -> Post:
    return Post(id=str(kw.pop("id", "p")), text=text, **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------- tokenizer
@pytest.mark.parametrize("lang", ["en", "fr", "de", "nl"])
@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("Love it #ad, really", "#ad"),
        ("(#ad)", "#ad"),
        ("#ad#sponsored", "#sponsored"),
        ("thanks @brand.name.", "@brand.name"),
        ("go https://amzn.to/3xYz?tag=abc-20 now", "https://amzn.to/3xYz?tag=abc-20"),
        ("use LOUISE20.", "LOUISE20"),
        ("me \U0001f469\u200d\U0001f4bb!", "\U0001f469\u200d\U0001f4bb"),
        ("flag \U0001f1eb\U0001f1f7\U0001f1eb\U0001f1f7", "\U0001f1eb\U0001f1f7"),
        ("ok \U0001f44d\U0001f3fd", "\U0001f44d\U0001f3fd"),
        ("@glowco\U0001f60d", "@glowco"),
    ],
)
def test_tokenizer_single_tokens(lang: str, text: str, token: str) -> None:
    tokens = [t.text for t in blank_tokenizer(lang)(text)]
    assert token in tokens, tokens


def test_tokenizer_built_once() -> None:
    assert blank_tokenizer("en") is blank_tokenizer("en")


# ------------------------------------------------------------------------------ extraction
def test_process_extracts_hashtags_mentions_links(pre: Preprocessor) -> None:
    text = (
        "Merci @marque.paris pour le #cadeau! "
        "Mail: hello@brand.com https://shop.com/p#section bit.ly/xyz. #a\u200bd #1"
    )
    p = pre.process(post(text))
    assert [h.text for h in p.hashtags] == ["#cadeau", "#a\u200bd"]
    assert [m.text for m in p.mentions] == ["@marque.paris"]
    assert [lk.text for lk in p.links] == ["https://shop.com/p#section", "bit.ly/xyz"]
    for sp in p.hashtags + p.mentions + p.links + p.cues:
        assert text[sp.start : sp.end] == sp.text
    assert {c.label for c in p.cues} >= {"brand_mention", "thanks_brand", "short_link"}


def test_doc_tokens_map_back_to_original(pre: Preprocessor) -> None:
    text = "\ufb01ne #a\u200bd \uff03\uff41\uff44"
    p = pre.process(post(text))
    assert p.doc.text == p.norm.text
    spans = [p.norm.span(t.idx, t.idx + len(t), "tok") for t in p.doc]
    assert [s.text for s in spans] == ["\ufb01ne", "#a\u200bd", "\uff03\uff41\uff44"]


# ------------------------------------------------------------------------------ landmarks
def test_first_line_and_fold(pre: Preprocessor) -> None:
    first = "A" * 40
    text = f"\n{first}\n" + "b " * 100
    p = pre.process(post(text))
    assert p.first_line_end == 1 + 40
    assert p.fold_offset == 125  # instagram
    assert pre.process(post(text, platform="x")).fold_offset == len(text)
    assert pre.process(post(text, format="story")).fold_offset == len(text)
    assert pre.process(post(text, platform="tiktok")).fold_offset == FOLD_CHARS[("tiktok", "*")]
    assert pre.process(post("Ad | first\r\nsecond")).first_line_end == 10
    assert pre.process(post("Ad | first\u2028second")).first_line_end == 10
    short = pre.process(post("short caption"))
    assert short.fold_offset == len("short caption") and short.first_line_end == 13


def test_fold_counts_normalised_characters(pre: Preprocessor) -> None:
    text = "\u200b" * 10 + "x" * 200
    p = pre.process(post(text))
    assert p.fold_offset == 10 + 125  # invisible characters take no room on screen


@pytest.mark.parametrize(
    ("text", "block"),
    [
        ("Nice day\n\n#ad #fashion #style", "#ad #fashion #style"),
        ("Nice day \u2728 #a #b @c \U0001f495 #d.", "#a #b @c \U0001f495 #d."),
        ("Nice day\n.\n.\n#a\n#b\n#c", "#a\n#b\n#c"),
        ("Nice day #a #b", None),
        ("#a #b #c and then words", None),
        ("#a #b #c", "#a #b #c"),
        ("", None),
    ],
)
def test_hashtag_block_start(pre: Preprocessor, text: str, block: str | None) -> None:
    p = pre.process(post(text))
    if block is None:
        assert p.hashtag_block_start is None
    else:
        assert p.hashtag_block_start is not None
        assert text[p.hashtag_block_start :] == block


# ------------------------------------------------------------------------------- language
def test_language_given_detected_and_undetermined(pre: Preprocessor) -> None:
    fr = pre.process(post("Merci à tous pour vos messages, je suis tellement heureuse"))
    assert (fr.language, fr.language_source) == ("fr", "detected")
    assert fr.language_confidence > 0.8
    given_ = pre.process(post("whatever words", language="DE"))
    assert (given_.language, given_.language_source, given_.language_confidence) == (
        "de",
        "given",
        1.0,
    )
    und = pre.process(post("\U0001f60d\U0001f60d #ad @brand https://x.com"))
    assert (und.language, und.language_confidence, und.language_source) == ("und", 0.0, "fallback")
    assert und.tokenizer_language == "en"
    unsure = pre.process(post("Monday till Sunday"))
    if unsure.language_confidence < 0.5:  # the lite model is unsure on 3 words
        assert (unsure.language, unsure.language_source) == ("und", "low_confidence")
        assert unsure.language_guess
    other = pre.process(post("Dzisiaj pokazuję wam moje ulubione kosmetyki #ad", language="pl"))
    assert (other.language, other.tokenizer_language) == ("pl", "xx")
    assert "#ad" in [t.text for t in other.doc]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Werbung | Heute zeige ich euch meine neue Lieblingscreme für den Winter", "de"),
        ("Vandaag laat ik jullie mijn favoriete producten van deze maand zien", "nl"),
        ("Hoy os enseño mis productos favoritos de este mes, espero que os gusten", "es"),
        ("Oggi vi mostro i miei prodotti preferiti del mese, spero vi piacciano", "it"),
        ("Today I am showing you my favourite products of the month, hope you like them", "en"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    got, conf = detect_language(f"@brand {text} #ad \U0001f60d https://bit.ly/x")
    assert got == lang and conf > 0.5


def test_clean_for_langid() -> None:
    assert clean_for_langid("Hi @x.y #ad https://bit.ly/3 \U0001f60d 20%!") == "Hi"
    assert detect_language("") == ("und", 0.0)
    assert detect_language("ok \U0001f60d") == ("und", 0.0)


# ------------------------------------------------------------------------------- batching
def _summary(p: Preprocessed) -> tuple[object, ...]:
    return (
        p.post.id,
        p.norm.text,
        p.language,
        round(p.language_confidence, 6),
        [t.text for t in p.doc],
        p.hashtags,
        p.mentions,
        p.links,
        p.cues,
        p.first_line_end,
        p.fold_offset,
        p.hashtag_block_start,
    )


def test_pipe_equals_process_in_order(pre: Preprocessor) -> None:
    texts = [
        "Use my code LOUISE20 #ad",
        "Merci @sephora pour ce cadeau, je l'adore vraiment beaucoup",
        "Werbung: neue Creme von @nivea, jetzt erhältlich bei dm",
        "",
        "\U0001f60d\U0001f60d",
        "Link in bio \u2728 #a #b #c",
    ]
    posts = [post(t, id=str(i)) for i, t in enumerate(texts)]
    one = [_summary(pre.process(p)) for p in posts]
    batched = [_summary(p) for p in pre.pipe(posts)]
    assert batched == one


def test_full_doc_is_lazy_and_cached() -> None:
    pp = Preprocessor(languages=("en",))
    p = pp.process(post("Thanks to @glowco for the lovely gift, I wore it in London yesterday."))
    assert not p.doc.has_annotation("DEP")
    assert pp._full == {}
    doc = pp.full_doc(p)
    assert doc.has_annotation("DEP")
    assert pp.full_doc(p) is doc
    assert "@glowco" in [t.text for t in doc]
    # a language without a configured full pipeline gets the token-only doc
    nl = pp.process(post("Vandaag laat ik jullie mijn favoriete producten zien", language="nl"))
    assert pp.full_doc(nl) is nl.doc


@pytest.mark.shared_data
def test_preprocess_dmi_captions(pre: Preprocessor, dmi_captions: Path) -> None:
    from nlp.ingest import read_posts

    posts = read_posts(dmi_captions)
    out = list(pre.pipe(posts))
    assert len(out) == len(posts)
    for p in out:
        for sp in p.hashtags + p.mentions + p.links + p.cues:
            assert p.post.text[sp.start : sp.end] == sp.text
        assert 0 <= p.first_line_end <= len(p.post.text)
        assert 0 <= p.fold_offset <= len(p.post.text)
    ad = [p for p in out if any(h.text.lower() == "#ad" for h in p.hashtags)]
    assert len(ad) >= 9
    assert sum(1 for p in out if p.cues_by_label("brand_mention")) >= 20


_bits = st.sampled_from(
    ["#ad", "@brand", "\u200b", "\u00ad", "word", "\n", " ", "\U0001f60d", "\ufb01", "LOUISE20",
     "link in bio", "bit.ly/x", "\u0430", "#\u0430d", "Caf\u00e9", "\u2728 #tag"]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(_bits, max_size=15).map("".join))
def test_property_all_spans_slice_original(text: str) -> None:
    p = Preprocessor().process(post(text, language="en"))
    for sp in p.hashtags + p.mentions + p.links + p.cues:
        assert 0 <= sp.start <= sp.end <= len(text)
        assert text[sp.start : sp.end] == sp.text
    assert 0 <= p.first_line_end <= len(text)
    assert 0 <= p.fold_offset <= len(text)
    if p.hashtag_block_start is not None:
        assert p.hashtag_block_start in {h.start for h in p.hashtags + p.mentions}


def test_tokenizers_are_built_on_the_first_doc_read_not_at_warm_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import nlp.preprocess as pp
    from nlp.analyzer import Analyzer

    cache: dict[str, object] = {}
    monkeypatch.setattr(pp, "_BLANK_CACHE", cache)
    analyzer = Analyzer(model=None, jurisdictions=("fr",))
    analyzer.warm_up()
    post = Post(id="1", text="Publicité : ma routine avec @marque, code MARQUE10")
    (analysis,) = analyzer.analyze([post])
    assert analysis.findings  # a whole analysis reads no tokens ...
    assert cache == {}
    pre = Preprocessor().process(post)
    assert pre.tokenizer_language == "fr" and pre._doc is None
    assert [t.text for t in pre.doc][:2] == ["Publicité", ":"]  # ... a doc read builds one
    fr = cache["fr"]
    again = Preprocessor().process(post)
    assert [t.text for t in again.doc][:2] == ["Publicité", ":"]
    assert cache["fr"] is fr and set(cache) == {"fr"}  # reused, not rebuilt


def test_warm_up_moves_what_is_loaded_out_of_the_collectors_reach() -> None:
    import gc

    from nlp.analyzer import Analyzer

    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        Analyzer(model=None, jurisdictions=("uk",)).warm_up()
        # the loaded objects (rule packs, tokenizers, ...) sit in the permanent generation
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_glued_tags_are_each_a_hashtag_but_not_after_a_plain_word() -> None:
    text = "Sun @brand.uk#spon#ad and #beach#day! Play C#m, item#3, #sale#1 see x.com/p#ad"
    p = Preprocessor().process(post(text, language="en"))
    assert [h.text for h in p.hashtags] == ["#spon", "#ad", "#beach", "#day", "#sale"]
    assert [m.text for m in p.mentions] == ["@brand.uk"]
    for h in p.hashtags:
        assert text[h.start : h.end] == h.text
