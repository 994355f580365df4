"""Comment signals and the authenticity pass (per post + cross post)."""

from __future__ import annotations

import pytest

from nlp.posts import Post
from nlp.results import AuthenticityResult
from nlp.signals.authenticity import AuthenticitySignal
from nlp.signals.comments import CommentAnalyzer, duplicate_shares


@pytest.fixture(scope="module")
def comments() -> CommentAnalyzer:
    from nlp.config import default_config

    return CommentAnalyzer(default_config().thresholds.comments)


@pytest.mark.parametrize(
    "text",
    [
        "🔥🔥🔥",
        "😍",
        "!!!",
        "nice pic 🔥",
        "Nice pic!!",
        "wow",
        "so cute",
        "Trop beau 😍",
        "wat mooi",
        "Qué lindo",
        "bellissima",
        "Schön!",
        "love it ❤️",
    ],
)
def test_authenticity_generic_comments(comments: CommentAnalyzer, text: str) -> None:
    assert comments.is_generic(text)


@pytest.mark.parametrize(
    "text",
    [
        "Where did you buy that jacket? I've been looking for one like it",
        "This recipe worked for me, I added more garlic though",
    ],
)
def test_authenticity_specific_comments_are_not_generic(
    comments: CommentAnalyzer, text: str
) -> None:
    assert not comments.is_generic(text)


@pytest.mark.parametrize(
    "text",
    [
        "is this an ad?",
        "Is this sponsored??",
        "#ad?",
        "sponsored?",
        "c'est sponso ?",
        "C’est une pub ?",
        "werbung?",
        "Ist das Werbung",
        "pub ?",
        "is dit reclame?",
        "paid partnership?",
        "¿es publicidad?",
    ],
)
def test_authenticity_crowd_suspicion_multilingual(comments: CommentAnalyzer, text: str) -> None:
    assert comments.is_suspicion(text)


@pytest.mark.parametrize(
    "text", ["I love this ad campaign", "pubs are great", "adorable", "#adidas"]
)
def test_authenticity_not_suspicion(comments: CommentAnalyzer, text: str) -> None:
    assert not comments.is_suspicion(text)


def test_authenticity_spam_falls_back_to_a_flagged_heuristic(comments: CommentAnalyzer) -> None:
    texts = ["check my page for free followers", "dm me for collab", "great shot", "so pretty"]
    sig = comments.analyze(texts, None)
    assert sig.spam_source == "heuristic"
    assert sig.spam_share == 0.5 and sig.spam_evidence == texts[:2]
    assert "spam_comments_heuristic" in comments.flags(sig)


def test_authenticity_spam_uses_the_model_head_when_present(comments: CommentAnalyzer) -> None:
    texts = ["a", "b", "c", "d"]
    outs = [{"spam": 0.9, "sentiment": {"negative": 0.1, "neutral": 0.1, "positive": 0.8}}] + [
        {
            "spam": 0.1,
            "sentiment": {"negative": 0.7, "neutral": 0.2, "positive": 0.1},
            "offensive": 0.5,
        }
    ] * 3
    sig = comments.analyze(texts, outs)
    assert sig.spam_source == "model" and sig.spam_share == 0.25
    assert sig.tone is not None and sig.tone.sentiment_label == "negative"
    assert sig.tone.offensive == pytest.approx(0.5)


def test_authenticity_duplicate_comments_across_posts() -> None:
    shared = "Amazing giveaway, tagging my friends now!!"
    out = duplicate_shares(
        {
            "p1": [shared, "first!"],
            "p2": [shared.upper(), "wow"],
            "p3": ["lovely colours in this one"],
        },
        min_chars=12,
    )
    assert out["p1"] == (0.5, [shared])
    assert out["p2"][0] == 0.5
    assert out["p3"] == (0.0, [])
    # short generic texts repeated everywhere are not called copies
    assert duplicate_shares({"a": ["wow"], "b": ["wow"]}, min_chars=12)["a"][0] == 0.0


def test_authenticity_cross_post_fills_and_flags() -> None:
    sig = AuthenticitySignal()
    brief = "Obsessed with the new GlowSkin serum, it brightens my skin in seven days, code GLOW20"
    posts = [
        Post(
            id="a1",
            creator="amy",
            text=brief,
            comments=["is this an ad?", "Amazing giveaway tagging friends"],
        ),
        Post(
            id="b1",
            creator="ben",
            text=brief + " #ad",
            comments=["Amazing giveaway tagging friends"],
        ),
        Post(
            id="c1",
            creator="cleo",
            text="A long walk by the sea this morning with my sister and the dogs",
        ),
    ]
    results = {
        p.id: sig.per_post(p, {"machine": 0.95} if p.id == "c1" else None, None) for p in posts
    }
    assert isinstance(results["a1"], AuthenticityResult)
    sig.cross_post(posts, results)
    assert results["a1"].scripted_cluster == results["b1"].scripted_cluster is not None
    assert results["a1"].scripted_creators == ["amy", "ben"]
    assert "scripted_copy" in results["a1"].flags and results["a1"].scripted_checked
    assert "crowd_suspects_ad" in results["a1"].flags
    assert results["a1"].comments.suspicion_evidence == ["is this an ad?"]
    assert (
        results["b1"].comments.duplicate_share == 1.0
        and "duplicate_comments" in results["b1"].flags
    )
    assert results["c1"].flags == ["machine_written"] and results["c1"].scripted_cluster is None
