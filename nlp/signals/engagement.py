"""Engagement signals: rate, tier, benchmarks, spikes and the comments-to-likes ratio.

- Rate. Followers denominator on Instagram, Facebook, X and other platforms:
  ``(likes + comments) / followers`` (HypeAuditor's definition). Views denominator on TikTok and
  YouTube when views are given: ``(likes + comments + shares) / views``; without views they fall
  back to followers. No rate without a denominator.
- Tier by followers: nano < 10K (accounts under 1K are counted as nano), micro 10-100K,
  mid 100-500K, macro 500K-1M, mega 1M+ (bounds in thresholds.yaml).
- Benchmarks: where the collection holds at least ``min_group`` rates for a platform x tier x
  denominator group, its own 10th / 50th / 99th percentiles (``benchmark_source="data"``, versioned
  by a hash of the inputs); otherwise the shipped default table (approximate industry medians,
  ``benchmark_source="default"``), with softer multiplicative bounds. Flags below the 10th / above
  the 99th percentile.
- Robust z-scores (modified z, median/MAD, Iglewicz & Hoaglin) of log(1+likes) and
  log(1+comments) along each creator's own posts: spikes above ``robust_z``.
- Comments-to-likes: robust z of log(comments/likes) across the platform's posts of the
  collection; out of line both ways (bought likes without comments, comment pods).

Everything here is cross-post: ``EngagementAnalyzer.compute(posts)`` takes the collection.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import numpy as np

from nlp.config import BenchmarkTable, EngagementSettings
from nlp.posts import Post
from nlp.results import EngagementSignals

NAME = "clearpost.Engagement.v1"
VIEW_PLATFORMS = frozenset({"tiktok", "youtube"})


def _platform(post: Post) -> str:
    return str(getattr(post.platform, "value", post.platform))


def tier_of(followers: int | None, settings: EngagementSettings | None = None) -> str | None:
    if followers is None:
        return None
    tiers = (settings or EngagementSettings()).tiers
    name = "nano"
    for t, lower in tiers.items():
        if followers >= lower:
            name = t
    return name


def engagement_rate(post: Post) -> tuple[float | None, str | None]:
    """(rate, denominator) for one post, or (None, None) when it cannot be computed."""
    likes = post.likes
    comments = post.comments_count
    if likes is None and comments is None:
        return None, None
    if _platform(post) in VIEW_PLATFORMS and post.views:
        inter = (likes or 0) + (comments or 0) + (post.shares or 0)
        return inter / post.views, "views"
    if post.followers:
        return ((likes or 0) + (comments or 0)) / post.followers, "followers"
    return None, None


def robust_z(values: Sequence[float]) -> list[float] | None:
    """Modified z-scores 0.6745 (x - median) / MAD; mean absolute deviation (x 1.2533) when the
    MAD is 0; None when every value is the same."""
    x = np.asarray(values, dtype=float)
    med = float(np.median(x))
    mad = float(np.median(np.abs(x - med)))
    if mad > 0:
        return [float(v) for v in 0.6745 * (x - med) / mad]
    meanad = float(np.mean(np.abs(x - med)))
    if meanad > 0:
        return [float(v) for v in (x - med) / (1.2533 * meanad)]
    return None


class EngagementAnalyzer:
    name = NAME

    def __init__(
        self, settings: EngagementSettings | None = None, table: BenchmarkTable | None = None
    ) -> None:
        self.s = settings or EngagementSettings()
        self.table = table

    def compute(self, posts: Sequence[Post]) -> dict[str, EngagementSignals]:
        s = self.s
        out: dict[str, EngagementSignals] = {}
        rates: dict[str, tuple[float, str]] = {}
        groups: dict[tuple[str, str, str], list[tuple[str, float]]] = {}
        for p in posts:
            rate, denom = engagement_rate(p)
            tier = tier_of(p.followers, s)
            sig = EngagementSignals(engagement_rate=rate, denominator=denom, tier=tier)  # type: ignore[arg-type]
            if p.likes and p.comments_count is not None:
                sig.comments_to_likes = p.comments_count / p.likes
            out[p.id] = sig
            if rate is not None and denom is not None and tier is not None:
                rates[p.id] = (rate, denom)
                groups.setdefault((_platform(p), tier, denom), []).append((p.id, rate))
        self._benchmarks(groups, out)
        self._timelines(posts, out)
        self._ratios(posts, out)
        return out

    # ------------------------------------------------------------------ benchmarks
    def _benchmarks(
        self,
        groups: dict[tuple[str, str, str], list[tuple[str, float]]],
        out: dict[str, EngagementSignals],
    ) -> None:
        s = self.s
        for (platform, tier, denom), members in groups.items():
            vals = np.array([r for _, r in members], dtype=float)
            if len(members) >= s.min_group:
                p_lo, p50, p_hi = (
                    float(v) for v in np.percentile(vals, [s.low_percentile, 50, s.high_percentile])
                )
                h = hashlib.sha256()
                for pid, r in sorted(members):
                    h.update(f"{platform}|{tier}|{denom}|{pid}|{r!r}\n".encode())
                version = f"data-{h.hexdigest()[:12]}"
                sorted_vals = np.sort(vals)
                for pid, r in members:
                    sig = out[pid]
                    sig.benchmark_source = "data"
                    sig.benchmark_version = version
                    sig.benchmark = {
                        f"p{s.low_percentile:g}": p_lo,
                        "p50": p50,
                        f"p{s.high_percentile:g}": p_hi,
                        "n": float(len(members)),
                    }
                    sig.percentile_in_tier = round(
                        100.0 * float(np.searchsorted(sorted_vals, r, side="right")) / len(vals), 2
                    )
                    if r < p_lo:
                        sig.flags.append(f"engagement_below_p{s.low_percentile:g}")
                    elif r > p_hi:
                        sig.flags.append(f"engagement_above_p{s.high_percentile:g}")
                continue
            ref = self._default(platform, tier, denom)
            if ref is None:
                continue
            dversion = f"default-{self.table.version}" if self.table else None
            for pid, r in members:
                sig = out[pid]
                sig.benchmark_source = "default"
                sig.benchmark_version = dversion
                sig.benchmark = {"median": ref}
                if r < ref * s.default_low_factor:
                    sig.flags.append("engagement_low_vs_default")
                elif r > ref * s.default_high_factor:
                    sig.flags.append("engagement_high_vs_default")

    def _default(self, platform: str, tier: str, denom: str) -> float | None:
        if self.table is None:
            return None
        pb = self.table.platforms.get(platform)
        if pb is None or pb.denominator != denom or tier not in pb.tiers:
            return None
        return pb.tiers[tier].median

    # ------------------------------------------------------------------ timelines
    def _timelines(self, posts: Sequence[Post], out: dict[str, EngagementSignals]) -> None:
        s = self.s
        by_creator: dict[tuple[str, str], list[Post]] = {}
        for p in posts:
            by_creator.setdefault((_platform(p), p.creator), []).append(p)
        for series in by_creator.values():
            for attr, field, flag in (
                ("likes", "likes_robust_z", "likes_spike"),
                ("comments_count", "comments_robust_z", "comments_spike"),
            ):
                pts = [(p.id, getattr(p, attr)) for p in series if getattr(p, attr) is not None]
                if len(pts) < s.min_timeline:
                    continue
                z = robust_z([math.log1p(v) for _, v in pts])
                if z is None:
                    continue
                for (pid, _), zi in zip(pts, z, strict=True):
                    setattr(out[pid], field, round(zi, 3))
                    if zi > s.robust_z:
                        out[pid].flags.append(flag)

    # ------------------------------------------------------------------ ratio
    def _ratios(self, posts: Sequence[Post], out: dict[str, EngagementSignals]) -> None:
        s = self.s
        by_platform: dict[str, list[tuple[str, float]]] = {}
        for p in posts:
            c2l = out[p.id].comments_to_likes
            if c2l is not None:
                by_platform.setdefault(_platform(p), []).append((p.id, c2l))
        for pts in by_platform.values():
            if len(pts) < s.min_ratio_group:
                continue
            # one comment per 10,000 likes is the floor of the log scale (0 comments happens)
            z = robust_z([math.log(max(v, 1e-4)) for _, v in pts])
            if z is None:
                continue
            for (pid, _), zi in zip(pts, z, strict=True):
                if zi > s.comments_to_likes_z:
                    out[pid].flags.append("comments_to_likes_high")
                elif zi < -s.comments_to_likes_z:
                    out[pid].flags.append("comments_to_likes_low")
