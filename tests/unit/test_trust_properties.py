"""Hypothesis property tests of the trust score's promises (nlp/scoring/trust.py docstring)."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.results import PostAnalysis, Verdict
from nlp.scoring.trust import score_creators
from tests.fixtures.scoring import make_analysis

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROFILES = st.sampled_from(["compliance", "vetting"])
WEIGHTS = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(
            [
                "disclosure",
                "sponsored_share",
                "content_authenticity",
                "audience_authenticity",
                "tone_brand_safety",
            ]
        ),
        st.floats(min_value=0.01, max_value=5.0),
        max_size=5,
    ),
)
prob = st.floats(min_value=0.0, max_value=1.0)


@st.composite
def post_specs(draw: st.DrawFn) -> dict:
    """Any post: any verdict, any mix of measured / unmeasured authenticity and tone signals."""
    return {
        "verdict": draw(st.sampled_from(list(Verdict))),
        "machine": draw(st.one_of(st.none(), prob)),
        "scripted": draw(st.booleans()),
        "scripted_checked": draw(st.booleans()),
        "spam_share": draw(st.one_of(st.none(), prob)),
        "duplicate_share": draw(st.one_of(st.none(), prob)),
        "engagement_flags": draw(
            st.one_of(
                st.none(),
                st.lists(st.sampled_from(["likes_spike", "engagement_below_p10"]), max_size=2),
            )
        ),
        "engagement_measured": draw(st.booleans()),
        "offensive": draw(st.one_of(st.none(), prob)),
        "crowd_suspicion": draw(st.booleans()),
    }


def build(specs: list[dict], creator: str = "alice", prefix: str = "p") -> list[PostAnalysis]:
    return [
        make_analysis(
            f"{prefix}{i:03d}", creator, posted_at=f"2025-01-{(i % 28) + 1:02d}T00:00:00", **s
        )
        for i, s in enumerate(specs)
    ]


def one(analyses: list[PostAnalysis], profile: str = "compliance", weights=None):  # type: ignore[no-untyped-def]
    out = score_creators(analyses, profile=profile, weights=weights)
    assert len(out) == 1
    return out[0]


# The added post carries no worse authenticity / tone evidence than none at all: either the
# signal is not measured, or it is measured clean (compliant ad) / bad (undisclosed ad).
@st.composite
def clean_or_unmeasured(draw: st.DrawFn) -> dict:
    measured = draw(st.booleans())
    if not measured:
        return {}
    return {
        "machine": 0.0,
        "scripted_checked": True,
        "spam_share": 0.0,
        "duplicate_share": 0.0,
        "engagement_measured": True,
        "offensive": 0.0,
    }


@st.composite
def bad_or_unmeasured(draw: st.DrawFn) -> dict:
    measured = draw(st.booleans())
    if not measured:
        return {}
    return {
        "machine": 1.0,
        "scripted": True,
        "spam_share": 1.0,
        "duplicate_share": 1.0,
        "engagement_flags": ["likes_spike"],
        "offensive": 1.0,
    }


@SETTINGS
@given(st.lists(post_specs(), min_size=1, max_size=14), clean_or_unmeasured(), PROFILES, WEIGHTS)
def test_trust_adding_compliant_ad_never_lowers_score(specs, extra, profile, weights) -> None:
    base = build(specs)
    added = base + [make_analysis("zzz-new", "alice", Verdict.compliant, **extra)]
    before = one(base, profile, weights)
    after = one(added, profile, weights)
    assert after.score >= before.score - 1e-9
    # component by component, too: disclosing never lowers any part of the score
    for b, a in zip(before.components, after.components, strict=True):
        assert a.value >= b.value - 1e-9, (b.name, b.value, a.value)


@SETTINGS
@given(st.lists(post_specs(), min_size=1, max_size=14), bad_or_unmeasured(), PROFILES, WEIGHTS)
def test_trust_adding_undisclosed_ad_never_raises_score(specs, extra, profile, weights) -> None:
    base = build(specs)
    added = base + [make_analysis("zzz-new", "alice", Verdict.undisclosed, **extra)]
    assert one(added, profile, weights).score <= one(base, profile, weights).score + 1e-9


@SETTINGS
@given(st.lists(post_specs(), min_size=1, max_size=14), st.data(), PROFILES, WEIGHTS)
def test_trust_disclosing_an_existing_ad_never_lowers_score(specs, data, profile, weights) -> None:
    """The same post, all its other signals unchanged, undisclosed -> inadequate -> compliant."""
    i = data.draw(st.integers(min_value=0, max_value=len(specs) - 1))
    scores = []
    for v in (Verdict.undisclosed, Verdict.inadequate, Verdict.compliant):
        s = [dict(x) for x in specs]
        s[i]["verdict"] = v
        scores.append(one(build(s), profile, weights).score)
    assert scores[0] <= scores[1] + 1e-9 <= scores[2] + 2e-9


@SETTINGS
@given(st.lists(post_specs(), min_size=1, max_size=20), st.randoms(use_true_random=False))
def test_trust_post_order_does_not_matter(specs, rnd: random.Random) -> None:
    base = build(specs, "alice") + build(specs[: len(specs) // 2], "bob", prefix="b")
    shuffled = list(base)
    rnd.shuffle(shuffled)
    a = [t.model_dump() for t in score_creators(base)]
    b = [t.model_dump() for t in score_creators(shuffled)]
    assert a == b


@SETTINGS
@given(st.lists(post_specs(), min_size=1, max_size=8))
def test_trust_more_posts_of_the_same_kind_narrow_the_interval(specs) -> None:
    small = one(build(specs))
    large = one(build(specs * 4))
    w_small = small.interval[1] - small.interval[0]
    w_large = large.interval[1] - large.interval[0]
    # Monte-Carlo draws are seeded per creator and component; 0.5 points of tolerance covers
    # the sampling noise of components whose posterior barely moves.
    assert w_large <= w_small + 0.5
    assert large.interval[0] <= large.score <= large.interval[1]


def test_trust_interval_narrows_strictly_for_a_typical_creator() -> None:
    specs = [
        {"verdict": Verdict.compliant, "machine": 0.1, "spam_share": 0.1, "offensive": 0.05},
        {"verdict": Verdict.undisclosed, "machine": 0.3, "spam_share": 0.2, "offensive": 0.1},
        {"verdict": Verdict.not_commercial, "machine": 0.2, "spam_share": 0.0, "offensive": 0.0},
    ]
    widths = []
    for k in (1, 4, 16):
        t = one(build(specs * k))
        widths.append(t.interval[1] - t.interval[0])
    assert widths[0] > widths[1] > widths[2]


@SETTINGS
@given(
    st.lists(post_specs(), min_size=1, max_size=12),
    PROFILES,
)
def test_trust_no_commercial_posts_gets_the_prior_on_disclosure(specs, profile) -> None:
    for s in specs:  # any signals, but no commercial (or undecided, or suspected) post
        s["verdict"] = Verdict.not_commercial
        s["crowd_suspicion"] = False
    t = one(build(specs), profile)
    d = next(c for c in t.components if c.name == "disclosure")
    assert (
        abs(d.value - 2 / 3) < 1e-4
    )  # Beta(2, 1) prior mean (values are rounded to 4 places): neither perfect nor a penalty
    assert d.detail["prior_only"] is True
    assert d.value < 1.0
