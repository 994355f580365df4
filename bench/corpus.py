"""The benchmark corpus: REAL captions and descriptions from ../shared/data, never synthetic
fixed-length strings, so that posts/s figures reflect real caption lengths (mostly short, a long
tail of YouTube descriptions).

Each source contributes a seeded sample of up to ``per_source`` non-empty rows, so the mix does not
depend on which file happens to be largest. Sources that are absent are skipped and listed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nlp.posts import Post


@dataclass(frozen=True)
class Source:
    name: str
    path: str  # relative to the data dir
    text: str
    id: str
    creator: str | None
    platform: str
    metrics: dict[str, str] = field(default_factory=dict)  # Post field -> column


SOURCES: tuple[Source, ...] = (
    Source(
        "dmi_instagram",
        "influencer_captions_dmi_sample/captions.csv",
        text="caption",
        id="post_url",
        creator="influencer",
        platform="instagram",
        metrics={"likes": "likes", "comments_count": "n_comments"},
    ),
    Source(
        "mdid_instagram",
        "mdid_instagram_intent/posts.csv",
        text="orig_caption",
        id="id",
        creator=None,
        platform="instagram",
        metrics={"likes": "likes"},
    ),
    Source(
        "instagram_india",
        "influencer_posts_small_sets/instagram_india_10_influencers_2025.csv",
        text="caption",
        id="id",
        creator="influencer_name",
        platform="instagram",
        metrics={"likes": "like_count", "comments_count": "comments_count"},
    ),
    Source(
        "kardashian_x",
        "influencer_posts_small_sets/kardashian_tweets_2016_2019.csv",
        text="text",
        id="tweet_id",
        creator="screen_name",
        platform="x",
    ),
    Source(
        "tiktok_trending",
        "influencer_posts_small_sets/tiktok_trending_2020.csv",
        text="text",
        id="video_id",
        creator="author_name",
        platform="tiktok",
        metrics={
            "likes": "digg_count",
            "comments_count": "comment_count",
            "views": "play_count",
            "shares": "share_count",
        },
    ),
    Source(
        "youtube_trending",
        "youtube_trending_descriptions/descriptions.csv",
        text="description",
        id="video_id",
        creator="channel_title",
        platform="youtube",
        metrics={"likes": "like_count", "comments_count": "comment_count", "views": "view_count"},
    ),
)


class CorpusMissing(RuntimeError):
    """No benchmark source could be read under the data dir."""


@dataclass
class Corpus:
    posts: list[Post]
    used: dict[str, int]
    missing: list[str]

    @property
    def texts(self) -> list[str]:
        return [p.text for p in self.posts]

    def describe(self) -> str:
        lens = sorted(len(t) for t in self.texts)
        if not lens:
            return "empty corpus"
        p50 = lens[len(lens) // 2]
        p90 = lens[int(len(lens) * 0.9)]
        mix = ", ".join(f"{k}={v}" for k, v in self.used.items())
        miss = f"; absent: {', '.join(self.missing)}" if self.missing else ""
        return (
            f"{len(lens)} real posts ({mix}); chars median {p50}, p90 {p90}, "
            f"max {lens[-1]}, mean {sum(lens) / len(lens):.0f}{miss}"
        )


def _int_or_none(v: object) -> int | None:
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if f != f or f < 0:  # NaN or negative
        return None
    return int(f)


def load_corpus(
    data_dir: str | Path,
    per_source: int = 200,
    seed: int = 0,
    sources: Sequence[Source] = SOURCES,
) -> Corpus:
    """Seeded sample of real posts from every source present under ``data_dir``."""
    import pandas as pd

    data_dir = Path(data_dir)
    rng = random.Random(seed)
    posts: list[Post] = []
    used: dict[str, int] = {}
    missing: list[str] = []
    for src in sources:
        path = data_dir / src.path
        if not path.is_file():
            missing.append(src.name)
            continue
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        df = df[df[src.text].str.strip().str.len() > 0]
        idx = list(range(len(df)))
        rng.shuffle(idx)
        n = 0
        for i in idx:
            if n >= per_source:
                break
            row = df.iloc[i]
            text = str(row[src.text])[:20_000]
            creator = str(row[src.creator]) if src.creator and row[src.creator] else "unknown"
            kwargs = {k: _int_or_none(row[c]) for k, c in src.metrics.items() if c in row}
            try:
                post = Post(
                    id=f"{src.name}:{row[src.id] or i}",
                    creator=creator[:256] or "unknown",
                    platform=src.platform,  # type: ignore[arg-type]
                    text=text,
                    **kwargs,  # type: ignore[arg-type]
                )
            except ValueError:
                continue
            posts.append(post)
            n += 1
        used[src.name] = n
    if not posts:
        raise CorpusMissing(
            f"no benchmark source found under {data_dir} (looked for "
            f"{', '.join(s.path for s in sources)}); pass --data-dir pointing at ../shared/data"
        )
    rng.shuffle(posts)  # file order would put all long YouTube texts together
    return Corpus(posts=posts, used=used, missing=missing)
