"""Authenticity signals of a post, each with its evidence, in two passes:

1. per post (``AuthenticitySignal.per_post``): machine-written probability (model head), the
   post's comment signals (spam / generic / crowd suspicion / tone);
2. across the collection (``AuthenticitySignal.cross_post``): scripted copy across creators,
   the same comment text under several posts, engagement benchmarks, timelines and ratios.

``flags`` is rebuilt after the second pass so it always agrees with the numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nlp.config import ClearpostConfig, default_config
from nlp.posts import Post
from nlp.results import AuthenticityResult
from nlp.signals.comments import CommentAnalyzer, duplicate_shares
from nlp.signals.engagement import EngagementAnalyzer
from nlp.signals.scripted import ScriptedCopyDetector

NAME = "clearpost.Authenticity.v1"


class AuthenticitySignal:
    name = NAME

    def __init__(self, config: ClearpostConfig | None = None) -> None:
        self.config = config or default_config()
        t = self.config.thresholds
        self.comments = CommentAnalyzer(t.comments)
        self.scripted = ScriptedCopyDetector(t.scripted)
        self.engagement = EngagementAnalyzer(t.engagement, self.config.benchmarks)

    def versions(self) -> dict[str, str]:
        return {
            "authenticity": NAME,
            "scripted": self.scripted.name,
            "comments": self.comments.name,
            "engagement": self.engagement.name,
            "config": self.config.digest,
        }

    def per_post(
        self,
        post: Post,
        text_output: Mapping[str, Any] | None,
        comment_outputs: Sequence[Mapping[str, Any]] | None,
    ) -> AuthenticityResult:
        res = AuthenticityResult()
        if text_output and text_output.get("machine") is not None:
            res.machine_generated = float(text_output["machine"])
        if post.comments:
            res.comments = self.comments.analyze(post.comments, comment_outputs)
        self._flags(res)
        return res

    def cross_post(self, posts: Sequence[Post], results: Mapping[str, AuthenticityResult]) -> None:
        """Fill the collection-level signals of ``results`` (post id -> result) in place."""
        report = self.scripted.detect([(p.id, p.creator, p.text) for p in posts])
        for p in posts:
            r = results[p.id]
            r.scripted_checked = p.id in report.checked
            cl = report.by_post.get(p.id)
            if cl is not None:
                r.scripted_cluster = cl.cluster_id
                r.scripted_with = list(cl.members)
                r.scripted_creators = list(cl.creators)
                r.scripted_similarity = cl.similarity
            else:
                r.scripted_cluster = None
                r.scripted_with = []
                r.scripted_creators = []
                r.scripted_similarity = None
        with_comments = {p.id: p.comments for p in posts if p.comments}
        dups = duplicate_shares(with_comments, self.config.thresholds.comments.duplicate_min_chars)
        for pid, (share, examples) in dups.items():
            c = results[pid].comments
            if c is not None:
                c.duplicate_share = share
                c.duplicate_evidence = examples
        eng = self.engagement.compute(posts)
        for pid, sig in eng.items():
            results[pid].engagement = sig
        for r in results.values():
            self._flags(r)

    def _flags(self, r: AuthenticityResult) -> None:
        flags: list[str] = []
        if r.scripted_cluster:
            flags.append("scripted_copy")
        thr = self.config.thresholds.analysis.machine_flag_threshold
        if r.machine_generated is not None and r.machine_generated >= thr:
            flags.append("machine_written")
        if r.comments is not None:
            flags.extend(self.comments.flags(r.comments))
        if r.engagement is not None:
            flags.extend(r.engagement.flags)
        r.flags = list(dict.fromkeys(flags))
