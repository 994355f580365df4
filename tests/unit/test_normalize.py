"""nlp.normalize: NFKC, invisible characters, homoglyph folding, offsets to the original."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.normalize import fold_text, normalize

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u2063"]


@pytest.mark.parametrize(
    ("original", "text", "fold"),
    [
        ("plain #ad", "plain #ad", "plain #ad"),
        ("#a\u200bd", "#ad", "#ad"),
        ("#\u00adad", "#ad", "#ad"),
        ("#a\u2060d\ufeff", "#ad", "#ad"),
        ("#\u0430d", "#\u0430d", "#ad"),  # Cyrillic a: kept in text, folded for matching
        ("#\u0410D", "#\u0410D", "#ad"),  # Cyrillic A
        ("#Sp\u03bfnsored", "#Sp\u03bfnsored", "#sponsored"),  # Greek omicron
        ("\uff03\uff21\uff24", "#AD", "#ad"),  # fullwidth
        ("\U0001d41a\U0001d41d", "ad", "ad"),  # mathematical bold
        ("\u1d00\u1d05", "\u1d00\u1d05", "ad"),  # small capitals
        ("\ufb01ne", "fine", "fine"),  # ligature: NFKC changes the length
        ("Cafe\u0301", "Caf\u00e9", "caf\u00e9"),  # composed; accents kept
        ("Publicit\u00e9", "Publicit\u00e9", "publicit\u00e9"),
        ("I\u2019m", "I\u2019m", "i'm"),
        ("Stra\u00dfe", "Stra\u00dfe", "stra\u00dfe"),  # length kept (no "ss")
        ("\u0130stanbul", "\u0130stanbul", "istanbul"),
        ("x\ufe0fy", "xy", "xy"),  # a variation selector after a letter is a trick
        ("\U0001f170\U0001f173", "\U0001f170\U0001f173", "ad"),  # negative squared A D
        ("\U0001f170\ufe0f\U0001f173\ufe0f", "\U0001f170\U0001f173", "ad"),  # + VS16
        ("\U0001f150\U0001f155", "\U0001f150\U0001f155", "af"),  # negative circled
    ],
)
def test_normalize_text_and_fold(original: str, text: str, fold: str) -> None:
    n = normalize(original)
    assert n.text == text
    assert n.fold == fold
    assert len(n.fold) == len(n.text)
    assert len(n.offsets) == len(n.text) + 1
    assert n.offsets[-1] == len(original)


@pytest.mark.parametrize(
    "emoji",
    [
        "\U0001f469\u200d\U0001f4bb",  # woman technologist (ZWJ)
        "\u2764\ufe0f",  # red heart + VS16
        "#\ufe0f\u20e3",  # keycap #
        "\U0001f44d\U0001f3fd",  # skin tone
        "\U0001f1eb\U0001f1f7",  # flag
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # England
        "\U0001f469\u200d\u2764\ufe0f\u200d\U0001f48b\u200d\U0001f468",
    ],
)
def test_normalize_keeps_emoji(emoji: str) -> None:
    n = normalize(f"hi {emoji} there")
    assert emoji in n.text
    assert n.removed == []


def test_normalize_reports_removed_characters() -> None:
    n = normalize("#a\u200bd and \u202eevil")
    assert n.removed == [(2, "ZERO WIDTH SPACE"), (9, "RIGHT-TO-LEFT OVERRIDE")]
    assert n.notes() == [
        "removed ZERO WIDTH SPACE at offset 2",
        "removed RIGHT-TO-LEFT OVERRIDE at offset 9",
    ]


def test_normalize_span_slices_original_to_matched_words() -> None:
    original = "Love it \u2728 #a\u200bd \uff03\uff41\uff44 #\u0430d"
    n = normalize(original)
    hits = []
    start = 0
    while (i := n.fold.find("#ad", start)) >= 0:
        hits.append(n.span(i, i + 3, "disclosure"))
        start = i + 1
    assert [h.text for h in hits] == ["#a\u200bd", "\uff03\uff41\uff44", "#\u0430d"]
    for h in hits:
        assert original[h.start : h.end] == h.text


def test_normalize_span_never_takes_trailing_invisible_chars() -> None:
    n = normalize("#ad\u200b\u200b next")
    sp = n.span(0, 3, "x")
    assert (sp.start, sp.end, sp.text) == (0, 3, "#ad")


def test_normalize_ligature_span_widens_to_cluster() -> None:
    n = normalize("\ufb01ne")
    assert n.text == "fine"
    assert n.to_original(0, 1) == (0, 1)
    assert n.to_original(1, 4) == (0, 3)
    assert n.span(0, 4, "x").text == "\ufb01ne"


def test_normalize_empty_and_errors() -> None:
    n = normalize("")
    assert (n.text, n.fold, n.offsets, n.removed) == ("", "", [0], [])
    assert n.to_original(0, 0) == (0, 0)
    with pytest.raises(ValueError):
        n.to_original(0, 1)


def test_normalize_ascii_fast_path_is_identity() -> None:
    s = "Use code ABC20 for 20% off! #AD"
    n = normalize(s)
    assert n.text == s
    assert n.fold == s.lower()
    assert n.offsets == list(range(len(s) + 1))


def test_fold_text_same_length() -> None:
    for s in ["\u00df\u0130\ufb01", "\u0041\u030a", "\u1e9e", "\u0149"]:
        assert len(fold_text(s)) == len(s)


# --------------------------------------------------------------------------------- properties
_text = st.text(
    alphabet=st.characters(
        exclude_categories=["Cs"],
        min_codepoint=0x20,
        max_codepoint=0x1FAFF,
    ),
    max_size=60,
)
_words = st.lists(
    st.sampled_from(
        ["#ad", "Werbung", "pub", "caf\u00e9", "\ufb01ne", "\U0001f60d", "@brand", "code", "X"]
    ),
    min_size=1,
    max_size=8,
).map(" ".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=_words, data=st.data())
def test_property_zero_width_insertion_only_removes(base: str, data: st.DataObject) -> None:
    """Inserting zero-width characters anywhere never changes ``text`` beyond their removal,
    and a match in ``fold`` always maps to a slice of the original with the same letters."""
    positions = data.draw(st.lists(st.integers(0, len(base)), max_size=6), label="positions")
    chars = data.draw(
        st.lists(st.sampled_from(ZERO_WIDTH), min_size=len(positions), max_size=len(positions)),
        label="chars",
    )
    s = base
    for pos, ch in sorted(zip(positions, chars, strict=True), reverse=True):
        s = s[:pos] + ch + s[pos:]
    clean, dirty = normalize(base), normalize(s)
    assert dirty.text == clean.text
    assert dirty.fold == clean.fold
    for o, name in dirty.removed:
        assert unicodedata.name(s[o]) == name
    for word in ("#ad", "werbung", "café", "@brand"):
        start = 0
        while (i := dirty.fold.find(word, start)) >= 0:
            sp = dirty.span(i, i + len(word), "x")
            assert s[sp.start : sp.end] == sp.text
            stripped = "".join(c for c in sp.text if c not in ZERO_WIDTH)
            assert normalize(stripped).fold == word
            start = i + 1


@settings(max_examples=300, deadline=None)
@given(s=_text)
def test_property_offsets_monotonic_and_consistent(s: str) -> None:
    n = normalize(s)
    assert len(n.fold) == len(n.text)
    assert len(n.offsets) == len(n.text) + 1
    assert n.offsets[-1] == len(s)
    assert all(a <= b for a, b in zip(n.offsets, n.offsets[1:], strict=False))
    assert all(0 <= o < len(s) for o in n.offsets[:-1])
    removed = {o for o, _ in n.removed}
    assert not removed & set(n.offsets[:-1])
    # text is NFKC of the original minus the removed characters
    kept = "".join(c for i, c in enumerate(s) if i not in removed)
    assert n.text == unicodedata.normalize("NFKC", kept)
    for i in range(len(n.text)):
        a, b = n.to_original(i, i + 1)
        assert 0 <= a < b <= len(s)
        sp = n.span(i, i + 1, "c")
        assert sp.text == s[sp.start : sp.end]
