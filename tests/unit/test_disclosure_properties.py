"""Property tests (hypothesis) of the disclosure audit, over every rule pack:

- the pack's accepted label first makes a commercial caption compliant;
- the same label moved behind the fold, after a hashtag block, makes it inadequate;
- zero-width characters inside a label never change the verdict;
- evidence spans always slice the original text (whatever the Unicode tricks).
"""

from __future__ import annotations

from functools import lru_cache

from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.posts import Post
from nlp.preprocess import Preprocessor
from nlp.results import Finding
from nlp.rules import RulePackRegistry
from nlp.signals.disclosure import DisclosureAuditor

REGISTRY = RulePackRegistry.default()
CODES = REGISTRY.codes()
BRAND = "glowco"
# neutral words: no label, negation, flagged wording or category keyword in any pack
VOCAB = [
    "love",
    "this",
    "new",
    "serum",
    "morning",
    "routine",
    "glow",
    "summer",
    "look",
    "jacket",
    "friends",
    "today",
    "bright",
    "soft",
    "city",
    "walk",
    "happy",
    "ready",
    "weekend",
    "colour",
]
ZW = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
SETTINGS = settings(max_examples=30, deadline=None, derandomize=True)


@lru_cache(maxsize=1)
def _tools() -> tuple[Preprocessor, DisclosureAuditor]:
    return Preprocessor(), DisclosureAuditor(REGISTRY)


def _audit(text: str, codes: list[str], **kw: object) -> list[Finding]:
    pre, auditor = _tools()
    return auditor.audit(pre.process(Post(id="p", text=text, **kw)), codes)  # type: ignore[arg-type]


def _disclosure(text: str, code: str) -> Finding:
    (f,) = [f for f in _audit(text, [code]) if f.kind == "disclosure"]
    return f


def _labels(code: str, form: str) -> list[str]:
    """The pack's accepted wording written in one form (plain words or a hashtag)."""
    out = []
    for t in REGISTRY.get(code).disclosure.accepted_terms():
        term = t.term
        forms = ["hashtag"] if term.startswith("#") else list(t.forms)
        if form not in forms:
            continue
        if form == "hashtag":
            out.append("#" + term.lstrip("#").replace("{brand}", BRAND).replace(" ", ""))
        else:
            out.append(term.replace("{brand}", "@" + BRAND))
    return out


@st.composite
def labelled(draw: st.DrawFn, form: str | None = None) -> tuple[str, str]:
    code = draw(st.sampled_from(CODES))
    f = form or draw(st.sampled_from(["plain", "hashtag"]))
    labels = _labels(code, f) or _labels(code, "hashtag" if f == "plain" else "plain")
    label = draw(st.sampled_from(labels))
    case = draw(st.sampled_from(["as_is", "upper", "capitalize"]))
    if case == "upper":
        label = label.upper()
    elif case == "capitalize":
        label = label.capitalize()
    return code, label


words = st.lists(st.sampled_from(VOCAB), min_size=3, max_size=12).map(" ".join)


def _body(w: str) -> str:
    return f"{w} @{BRAND} code SAM10"


@SETTINGS
@given(labelled(), words)
def test_disclosure_property_label_first_is_compliant(cl: tuple[str, str], w: str) -> None:
    code, label = cl
    f = _disclosure(f"{label} {_body(w)}", code)
    assert f.verdict.value == "compliant", (code, label, f.reasons)


def _buried(w: str, label: str) -> str:
    return f"{_body(w)} {w}\n.\n.\n#{VOCAB[0]} #{VOCAB[5]} #{VOCAB[9]} {label}"


@SETTINGS
@given(labelled(form="hashtag"), words)
def test_disclosure_property_label_behind_fold_after_hashtags_is_inadequate(
    cl: tuple[str, str], w: str
) -> None:
    code, label = cl
    f = _disclosure(_buried(w, label), code)
    assert f.verdict.value == "inadequate", (code, label, f.reasons)
    assert {"buried_in_hashtags", "below_fold"} & set(f.reasons)


@SETTINGS
@given(labelled(), words, st.data())
def test_disclosure_property_zero_width_inside_label_never_changes_verdict(
    cl: tuple[str, str], w: str, data: st.DataObject
) -> None:
    code, label = cl
    positions = data.draw(st.lists(st.integers(1, len(label) - 1), min_size=1, max_size=4))
    chars = data.draw(
        st.lists(st.sampled_from(ZW), min_size=len(positions), max_size=len(positions))
    )
    tricked = label
    for pos, ch in sorted(zip(positions, chars, strict=True), reverse=True):
        tricked = tricked[:pos] + ch + tricked[pos:]
    makers = [lambda lab: f"{lab} {_body(w)}"]
    if label.startswith("#"):  # the buried form is only written with hashtags
        makers.append(lambda lab: _buried(w, lab))
    for make in makers:
        clean = _disclosure(make(label), code)
        dirty = _disclosure(make(tricked), code)
        assert (dirty.verdict, dirty.reasons) == (clean.verdict, clean.reasons), (
            code,
            repr(tricked),
        )


FRAGMENTS = [
    "#ad",
    "#a\u200bd",
    "＃ａｄ",
    "#\u0430d",
    "Ad |",
    "Publicité",
    "publicite\u0301",
    "Werbung",
    "not sponsored",
    "pas sponsorisé",
    "#sp",
    "code LOUISE20",
    "@glowco",
    "@zara",
    "ﬁne",
    "™",
    "e\u0301",
    "👩\u200d👩\u200d👧",
    "🇫🇷",
    "❤️",
    "\n",
    "\n\n",
    "  ",
    "#tag",
    "amzn.to/x1",
    "bit.ly/abc",
    "link in bio",
    "gifted",
    "Image retouchée",
    "puff",
    "crypto",
    "\u202e",
    "\ufeff",
    "ß",
    "İ",
]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=14).map(" ".join),
    st.sampled_from(["post", "story"]),
    st.booleans(),
)
def test_disclosure_property_evidence_slices_original(text: str, fmt: str, paid: bool) -> None:
    findings = _audit(text, CODES, format=fmt, platform_paid_label=paid)
    assert {f.jurisdiction for f in findings if f.kind == "disclosure"} == set(CODES)
    for f in findings:
        assert 0.0 <= f.confidence <= 1.0
        for e in f.evidence:
            assert 0 <= e.start <= e.end <= len(text)
            assert text[e.start : e.end] == e.text, (f.jurisdiction, e)
