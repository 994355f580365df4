"""The token-indexed matcher finds exactly what a plain regex scan of every term finds."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from nlp.rules import RulePackRegistry
from nlp.rules.matching import TermSet, deaccent, fold_term

REGISTRY = RulePackRegistry.default()
SETS: list[TermSet] = []
for _code in REGISTRY.codes():
    _cp = REGISTRY.compiled(_code)
    SETS += [_cp.accepted, _cp.flagged, _cp.foreign, _cp.negations]
    SETS += [c.keywords for c in _cp.categories] + [
        c.required for c in _cp.categories if c.required
    ]
    SETS += [s for pair in _cp.extra_labels for s in pair]

WORDS = sorted(
    {
        w
        for ts in SETS
        for t in ts.terms
        for w in fold_term(t.term).replace("{brand}", "glowco").replace("*", "mania").split()
    }
)


def _naive(ts: TermSet, text: str) -> list[tuple[int, int, str]]:
    cands = [
        (m.start(), m.end(), i)
        for i, p in enumerate(ts.patterns)
        for m in p.finditer(text)
        if m.end() > m.start()
    ]
    cands.sort(key=lambda c: (c[0], c[0] - c[1], c[2]))
    out, last = [], -1
    for s, e, i in cands:
        if s >= last:
            out.append((s, e, ts.terms[i].term))
            last = e
    return out


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(WORDS),
            st.sampled_from(WORDS).map(lambda w: "#" + w),
            st.sampled_from(["#", "@", " ", "  ", "\n", ".", ",", "-", "'", "é", "glowco", "18"]),
            st.text(alphabet="ab#@ ", max_size=4),
        ),
        max_size=16,
    ).map(lambda parts: deaccent(" ".join(parts).casefold()))
)
@example("#ai-generated")
@example("e-liquide -18 #sponsoredbyglowco l'abus d'alcool")
def test_rules_matching_index_equals_plain_regex_scan(text: str) -> None:
    for ts in SETS:
        got = [(m.start, m.end, m.term.term) for m in ts.finditer(text)]
        assert got == _naive(ts, text), (text, got)


def test_rules_matching_examples() -> None:
    uk = REGISTRY.compiled("uk")
    assert [m.term.term for m in uk.accepted.finditer("#ad love it")] == ["ad"]
    assert uk.accepted.finditer("#adidas #ads made @ad") == []
    assert [m.term.term for m in uk.flagged.finditer("#nikepartner yay")] == ["#{brand}partner"]
    fr = REGISTRY.compiled("fr")
    hits = fr.categories[4].keywords.finditer("achetez des cryptomonnaies")
    assert [h.term.term for h in hits] == ["crypto*"]
