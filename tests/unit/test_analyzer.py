"""Analyzer with fake parts (swappable), and once with the real rule parts (model=None)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd
import pytest

from nlp.analyzer import (
    Analyzer,
    analyses_from_frame,
    analyses_to_frame,
    analyze_batch_frame,
    worst_verdict,
)
from nlp.posts import Post
from nlp.results import Finding, Span, Verdict


@dataclass
class FakeNorm:
    text: str
    original: str
    removed: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class FakePre:
    post: Post
    norm: FakeNorm
    language: str = "en"
    cues: list[Span] = field(default_factory=list)
    fold_offset: int = 125
    first_line_end: int = 10
    hashtag_block_start: int | None = None


class FakePreprocessor:
    def __init__(self) -> None:
        self.calls = 0

    def pipe(self, posts):  # type: ignore[no-untyped-def]
        self.calls += 1
        for p in posts:
            cues = (
                [Span(start=0, end=1, text=p.text[:1], label="brand_mention")]
                if "@" in p.text
                else []
            )
            yield FakePre(
                p,
                FakeNorm(
                    p.text.replace("\u200b", ""),
                    p.text,
                    [(0, "ZERO WIDTH SPACE")] if "\u200b" in p.text else [],
                ),
                cues=cues,
            )


class FakeRegistry:
    def resolve(self, codes):  # type: ignore[no-untyped-def]
        from nlp.errors import UnknownJurisdictionError

        bad = [c for c in codes if c not in ("uk", "fr")]
        if bad:
            raise UnknownJurisdictionError(bad, ["fr", "uk"])
        return [type("P", (), {"id": c})() for c in codes]

    def versions(self) -> dict[str, str]:
        return {"uk": "2025.1", "fr": "2025.1"}


class FakeAuditor:
    """Verdict from the text: '#ad' compliant, '@' undisclosed, else not commercial."""

    def __init__(self) -> None:
        self.registry = FakeRegistry()
        self.hooks: list[tuple[float | None, float | None]] = []

    def audit(self, pre, jurisdictions, commercial_probability=None, disclosure_probability=None):  # type: ignore[no-untyped-def]
        self.hooks.append((commercial_probability, disclosure_probability))
        t = pre.norm.text
        v = (
            Verdict.compliant
            if "#ad" in t
            else Verdict.undisclosed
            if "@" in t
            else Verdict.not_commercial
        )
        return [
            Finding(
                post_id=pre.post.id,
                jurisdiction=j,
                verdict=(Verdict.inadequate if j == "fr" and v == Verdict.compliant else v),
                confidence=0.9,
                rule_pack=f"{j}@2025.1",
            )
            for j in jurisdictions
        ]


class FakeModel:
    info = {"id": "fake-e5", "version": "0", "sha256": "abc"}

    def __init__(self) -> None:
        self.calls: list[int] = []

    def predict(self, texts):  # type: ignore[no-untyped-def]
        self.calls.append(len(texts))
        return [
            {
                "commercial": 0.9 if "@" in t else 0.1,
                "disclosure": 0.8 if "#ad" in t else 0.05,
                "emotion": {"joy": 0.7, "anger": 0.1},
                "sentiment": {"negative": 0.1, "neutral": 0.2, "positive": 0.7},
                "offensive": 0.02,
                "spam": 0.9 if "follow" in t else 0.05,
                "machine": 0.3,
            }
            for t in texts
        ]


def _posts(n: int = 5) -> list[Post]:
    texts = [
        "Love my @brand shoes #ad",
        "Gift from @brand",
        "Sunday walk",
        "\u200bcoffee time",
        "@brand again",
    ]
    return [
        Post(
            id=f"p{i}",
            creator=f"c{i % 2}",
            text=texts[i % len(texts)],
            likes=100 + i,
            comments_count=3,
            followers=5000,
            comments=["follow me back", "nice pic"] if i % 2 == 0 else None,
        )
        for i in range(n)
    ]


@pytest.fixture()
def parts() -> tuple[FakePreprocessor, FakeAuditor, FakeModel]:
    return FakePreprocessor(), FakeAuditor(), FakeModel()


def test_analyzer_one_predict_per_batch_for_texts_and_comments(parts) -> None:  # type: ignore[no-untyped-def]
    pre, aud, model = parts
    an = Analyzer(preprocessor=pre, auditor=aud, model=model, jurisdictions=("uk",), batch_size=3)
    out = an.analyze(_posts(5))
    assert len(out) == 5
    # ONE call per batch (the encoder fills its fixed-shape batches from both):
    # batch 1: 3 texts + comments of p0, p2 (4); batch 2: 2 texts + comments of p4 (2)
    assert model.calls == [7, 4]
    assert pre.calls == 2


def test_analyzer_feeds_model_probabilities_into_the_rule_hook(parts) -> None:  # type: ignore[no-untyped-def]
    pre, aud, model = parts
    Analyzer(preprocessor=pre, auditor=aud, model=model).analyze(_posts(2))
    assert aud.hooks == [(0.9, 0.8), (0.9, 0.05)]


def test_analyzer_fills_every_section(parts) -> None:  # type: ignore[no-untyped-def]
    pre, aud, model = parts
    a = Analyzer(preprocessor=pre, auditor=aud, model=model, jurisdictions=("uk", "fr")).analyze(
        _posts(5)
    )
    first = a[0]
    assert first.commercial.is_commercial and first.commercial.probability == 0.9
    assert first.commercial.source == "cues+model"
    assert {f.jurisdiction: f.verdict for f in first.findings} == {
        "uk": Verdict.compliant,
        "fr": Verdict.inadequate,
    }
    assert (
        worst_verdict(first) == Verdict.inadequate
        and worst_verdict(first, ["uk"]) == Verdict.compliant
    )
    assert first.tone.sentiment_label == "positive" and first.tone.offensive == 0.02
    assert first.authenticity.machine_generated == 0.3
    assert first.authenticity.comments.spam_source == "model"
    assert first.authenticity.comments.spam_share == 0.5
    assert first.versions.model == FakeModel.info
    assert first.versions.rule_packs == {"uk": "uk@2025.1", "fr": "fr@2025.1"}
    assert first.content_sha256 == _posts(1)[0].content_sha256()
    assert a[3].normalisation_notes == ["removed ZERO WIDTH SPACE at offset 0"]
    assert first.metrics["likes"] == 100 and first.metrics["fold_offset"] == 125
    assert a[2].commercial.is_commercial is False


def test_analyzer_without_model_is_rules_only(parts) -> None:  # type: ignore[no-untyped-def]
    pre, aud, _ = parts
    a = Analyzer(preprocessor=pre, auditor=aud, model=None).analyze(_posts(3))
    assert a[0].versions.model is None and a[0].tone is None
    assert a[0].commercial.source == "cues" and a[0].commercial.probability is None
    assert a[0].authenticity.comments.spam_source == "heuristic"
    assert aud.hooks[0] == (None, None)


def test_analyzer_unknown_jurisdiction_fails_before_work(parts) -> None:  # type: ignore[no-untyped-def]
    from nlp.errors import UnknownJurisdictionError

    pre, aud, model = parts
    an = Analyzer(preprocessor=pre, auditor=aud, model=model)
    with pytest.raises(UnknownJurisdictionError):
        an.analyze(_posts(2), ["uk", "xx"])
    assert model.calls == []


def test_analyzer_batch_equals_one_by_one_apart_from_cross_post(parts) -> None:  # type: ignore[no-untyped-def]
    pre, aud, model = parts
    an = Analyzer(preprocessor=pre, auditor=aud, model=model, batch_size=2)
    batch = an.analyze(_posts(4), cross_post=False)
    single = [an.analyze_one(p) for p in _posts(4)]
    for b, s in zip(batch, single, strict=True):
        assert b.findings == s.findings and b.tone == s.tone and b.commercial == s.commercial


def test_analyzer_frame_round_trip(parts) -> None:  # type: ignore[no-untyped-def]
    pre, aud, model = parts
    an = Analyzer(preprocessor=pre, auditor=aud, model=model, jurisdictions=("uk", "fr"))
    df = pd.DataFrame([p.model_dump() for p in _posts(4)])
    frame = an.analyze_frame(df)
    assert list(frame["post_id"]) == ["p0", "p1", "p2", "p3"]
    assert {
        "verdict_uk",
        "verdict_fr",
        "commercial_probability",
        "sentiment_label",
        "flags",
        "analysis",
    } <= set(frame.columns)
    assert frame.loc[0, "verdict"] == "inadequate"
    assert json.loads(frame.loc[0, "flags"]) == ["spam_comments", "duplicate_comments"]
    back = analyses_from_frame(frame)
    assert [a.post_id for a in back] == ["p0", "p1", "p2", "p3"]
    assert analyses_to_frame(back, ["uk", "fr"]).equals(frame)
    out = analyze_batch_frame(df, {"analyzer": an, "jurisdictions": ["uk"]})
    assert "verdict_uk" in out.columns and "verdict_fr" not in out.columns


def test_analyzer_cross_post_signals_span_the_whole_call(parts) -> None:  # type: ignore[no-untyped-def]
    pre, aud, _ = parts
    brief = "Obsessed with the new GlowSkin serum, it brightens my skin in seven days, code GLOW20 @glowskin"
    posts = [
        Post(id=f"s{i}", creator=f"creator{i}", text=brief + " #ad" * (i % 2)) for i in range(3)
    ]
    an = Analyzer(preprocessor=pre, auditor=aud, model=None, batch_size=1)
    out = an.analyze(posts)
    assert {a.authenticity.scripted_cluster for a in out} != {None}
    assert out[0].authenticity.scripted_with == ["s0", "s1", "s2"]


def test_analyzer_real_rule_parts_without_model() -> None:
    an = Analyzer(model=None, jurisdictions=("uk", "fr"))
    posts = [
        Post(
            id="r1",
            creator="amy",
            text="#ad Loving my new @nike trainers, use code AMY20 for 20% off",
        ),
        Post(id="r2", creator="amy", text="Thanks @nike for the gifted trainers"),
        Post(id="r3", creator="ben", text="A quiet Sunday walk by the sea"),
    ]
    out = an.analyze(posts)
    v = {
        a.post_id: {f.jurisdiction: f.verdict for f in a.findings if f.kind == "disclosure"}
        for a in out
    }
    assert v["r1"]["uk"] == Verdict.compliant
    # a gift is the only tie the text shows: 'gifted' may be right, a person checks (UK 2026.2)
    assert v["r2"]["uk"] == Verdict.needs_review
    # French law: a gift for promotion needs the legal wording
    assert v["r2"]["fr"] in (Verdict.inadequate, Verdict.undisclosed)
    assert v["r3"]["uk"] == Verdict.not_commercial
    assert out[0].versions.rule_packs["uk"].startswith("uk@")
    assert out[0].versions.model is None
    assert out[0].language == "en"


class _CtaModel:
    """Scores a disclosure wherever "link in bio" or "paid by" appears (the bundled head's
    habit on call-to-action lines, and a real disclosure), and commerce everywhere."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def predict(self, texts: list[str]) -> list[dict[str, float]]:
        self.calls.append(list(texts))
        low = [t.lower() for t in texts]
        return [
            {
                "commercial": 0.9,
                "disclosure": 0.95 if ("link in bio" in t or "compensates me" in t) else 0.05,
            }
            for t in low
        ]

    @property
    def info(self) -> dict[str, str]:
        return {"id": "cta-fake", "version": "0"}


def test_a_call_to_action_alone_is_not_read_as_a_disclosure() -> None:
    """An unlabelled ad whose only "disclosure" is its call to action stays undisclosed; a
    disclosure the model sees elsewhere in the text still sends the post to review."""
    model = _CtaModel()
    an = Analyzer(model=model, jurisdictions=("uk",))
    ad, paid = an.analyze(
        [
            Post(id="a", creator="m", platform="instagram",
                 text="Obsessed with my new serum from @glowco, use code MAYA15 for 15% off, link in bio"),
            Post(id="b", creator="m", platform="instagram",
                 text="@glowco compensates me for this post, use code MAYA15, link in bio"),
        ]
    )  # fmt: skip
    assert [f.verdict for f in ad.findings] == [Verdict.undisclosed]
    assert "model_only_disclosure" not in ad.findings[0].reasons
    assert [f.verdict for f in paid.findings] == [Verdict.needs_review]
    assert "model_only_disclosure" in paid.findings[0].reasons
    # the second call scores both texts without their call-to-action spans
    assert len(model.calls) == 2 and all("link in bio" not in t.lower() for t in model.calls[1])
    assert all("MAYA15" not in t for t in model.calls[1])
