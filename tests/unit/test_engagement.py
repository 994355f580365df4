"""Engagement: rate and denominator per platform, tiers, benchmarks, robust z, ratio."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from nlp.config import default_config
from nlp.posts import Post
from nlp.signals.engagement import EngagementAnalyzer, engagement_rate, robust_z, tier_of


def _post(i: int, **kw) -> Post:  # type: ignore[no-untyped-def]
    base = {
        "id": f"p{i}",
        "text": "x",
        "creator": "amy",
        "posted_at": datetime(2025, 1, 1) + timedelta(days=i),
    }
    base.update(kw)
    return Post(**base)


@pytest.mark.parametrize(
    ("followers", "tier"),
    [
        (500, "nano"),
        (9_999, "nano"),
        (10_000, "micro"),
        (99_999, "micro"),
        (100_000, "mid"),
        (499_999, "mid"),
        (500_000, "macro"),
        (999_999, "macro"),
        (1_000_000, "mega"),
        (None, None),
    ],
)
def test_engagement_tiers(followers, tier) -> None:  # type: ignore[no-untyped-def]
    assert tier_of(followers) == tier


def test_engagement_denominator_per_platform() -> None:
    ig = _post(1, platform="instagram", likes=90, comments_count=10, followers=10_000, views=50_000)
    assert engagement_rate(ig) == (0.01, "followers")
    tt = _post(
        2, platform="tiktok", likes=80, comments_count=10, shares=10, followers=1_000, views=1_000
    )
    assert engagement_rate(tt) == (0.1, "views")
    yt_no_views = _post(3, platform="youtube", likes=10, followers=1_000)
    assert engagement_rate(yt_no_views) == (0.01, "followers")
    assert engagement_rate(_post(4, likes=10)) == (None, None)


def test_engagement_benchmarks_from_data_flag_tails_and_are_versioned() -> None:
    posts = [
        _post(i, creator=f"c{i % 7}", likes=200 + 5 * i, comments_count=10, followers=10_000 + i)
        for i in range(40)
    ]
    posts.append(_post(99, creator="bot", likes=9_000, comments_count=1, followers=10_500))
    posts.append(_post(98, creator="ghost", likes=1, comments_count=0, followers=90_000))
    out = EngagementAnalyzer(default_config().thresholds.engagement).compute(posts)
    assert out["p99"].benchmark_source == "data"
    assert "engagement_above_p99" in out["p99"].flags
    assert "engagement_below_p10" in out["p98"].flags
    assert out["p99"].benchmark_version.startswith("data-")
    again = EngagementAnalyzer().compute(list(reversed(posts)))
    assert again["p99"].benchmark_version == out["p99"].benchmark_version
    assert 0 <= out["p5"].percentile_in_tier <= 100


def test_engagement_small_groups_use_the_default_table() -> None:
    cfg = default_config()
    posts = [_post(1, likes=5, comments_count=0, followers=50_000)]  # 0.01% vs ~2% median
    out = EngagementAnalyzer(cfg.thresholds.engagement, cfg.benchmarks).compute(posts)
    sig = out["p1"]
    assert sig.benchmark_source == "default"
    assert sig.benchmark_version == f"default-{cfg.benchmarks.version}"
    assert "engagement_low_vs_default" in sig.flags
    assert cfg.benchmarks.sources and all(s.year for s in cfg.benchmarks.sources)


def test_engagement_robust_z_finds_a_spike_on_the_creators_own_timeline() -> None:
    likes = [1000, 1100, 950, 1050, 1020, 980, 60_000, 1010]
    posts = [_post(i, likes=v, comments_count=20) for i, v in enumerate(likes)]
    out = EngagementAnalyzer().compute(posts)
    assert "likes_spike" in out["p6"].flags
    assert out["p6"].likes_robust_z > 3.5
    assert not any("likes_spike" in out[f"p{i}"].flags for i in range(6))


def test_engagement_comments_to_likes_out_of_line() -> None:
    posts = [_post(i, creator=f"c{i}", likes=1000, comments_count=20 + i) for i in range(12)]
    posts.append(_post(50, creator="pod", likes=1000, comments_count=900))
    out = EngagementAnalyzer().compute(posts)
    assert "comments_to_likes_high" in out["p50"].flags
    assert out["p50"].comments_to_likes == 0.9


def test_engagement_robust_z_constant_series_is_none() -> None:
    assert robust_z([1.0, 1.0, 1.0]) is None
    z = robust_z([1.0, 2.0, 3.0, 4.0, 100.0])
    assert z is not None and z[-1] > 3.5
