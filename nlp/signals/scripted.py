"""Scripted copy: the same brand brief pasted into captions of DIFFERENT creators.

Captions are normalised (folded to lower case without accents, links / mentions / hashtags
and punctuation dropped), cut into word shingles and hashed into MinHash signatures
(datasketch). LSH proposes candidate pairs; a pair is kept when its estimated Jaccard
similarity reaches the threshold AND its two posts belong to different creators. Clusters are
the connected components of the kept pairs, so a creator's own repeated captions never form a
cluster on their own (they join one only through another creator's near-copy).

Cross-post by nature: it needs the whole collection. ``Analyzer.analyze`` runs it over the posts
of the call; a service recomputes it over stored posts.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from datasketch import MinHash, MinHashLSH

from nlp.config import ScriptedSettings

NAME = "clearpost.ScriptedCopy.v1"

_LINK = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_TAGS = re.compile(r"[@#][\w.]+", re.UNICODE)
_NONWORD = re.compile(r"[^\w\s]+", re.UNICODE)


def normalise_words(text: str) -> list[str]:
    """Folded word tokens of a caption, without links, @mentions, #hashtags or punctuation."""
    if text.isascii():  # most captions: nothing to decompose
        t = text.casefold()
    else:
        t = unicodedata.normalize("NFKD", text)
        t = "".join(ch for ch in t if not unicodedata.combining(ch)).casefold()
    t = _LINK.sub(" ", t)
    t = _TAGS.sub(" ", t)
    t = _NONWORD.sub(" ", t.replace("_", " "))
    return t.split()


def shingles(words: Sequence[str], k: int) -> set[str]:
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


@dataclass
class ScriptedCluster:
    cluster_id: str
    members: list[str]  # post ids, sorted
    creators: list[str]  # sorted
    similarity: float  # the highest estimated Jaccard among the kept pairs


@dataclass
class ScriptedReport:
    clusters: list[ScriptedCluster] = field(default_factory=list)
    by_post: dict[str, ScriptedCluster] = field(default_factory=dict)
    checked: set[str] = field(default_factory=set)  # post ids compared against other creators


class ScriptedCopyDetector:
    """``detect([(post_id, creator, text), ...]) -> ScriptedReport``; deterministic (fixed seed)."""

    name = NAME

    def __init__(self, settings: ScriptedSettings | None = None) -> None:
        self.settings = settings or ScriptedSettings()
        # the permutations depend on (num_perm, seed) only: drawn once, not for every text
        template = MinHash(num_perm=self.settings.num_perm, seed=self.settings.seed)
        self._permutations = template.permutations
        self._scheme = template.scheme
        # the LSH bands depend on (threshold, num_perm) only: datasketch integrates for them
        # (~25 ms) on every MinHashLSH it builds, i.e. on every batch
        probe = MinHashLSH(
            threshold=self.settings.jaccard_threshold, num_perm=self.settings.num_perm
        )
        self._lsh_params = (probe.b, probe.r)

    def signature(self, text: str) -> MinHash | None:
        s = self.settings
        words = normalise_words(text)
        if len(words) < s.min_words:
            return None
        m = MinHash(
            num_perm=s.num_perm, seed=s.seed, permutations=self._permutations, scheme=self._scheme
        )
        # one vectorised update per text (the same hash values as one update per shingle)
        m.update_batch([sh.encode("utf-8") for sh in sorted(shingles(words, s.shingle_words))])
        return m

    def detect(self, items: Sequence[tuple[str, str, str]]) -> ScriptedReport:
        s = self.settings
        report = ScriptedReport()
        sigs: dict[str, MinHash] = {}
        owner: dict[str, str] = {}
        for post_id, creator, text in items:
            if post_id in sigs:
                continue  # the same post twice in one call: keep the first
            m = self.signature(text)
            if m is not None:
                sigs[post_id] = m
                owner[post_id] = creator
        if len(set(owner.values())) >= 2:
            # every long-enough caption was compared against at least one other creator's
            report.checked = set(sigs)
        if len(sigs) < 2:
            return report
        lsh = MinHashLSH(
            threshold=s.jaccard_threshold, num_perm=s.num_perm, params=self._lsh_params
        )
        for pid in sorted(sigs):
            lsh.insert(pid, sigs[pid])
        parent = {pid: pid for pid in sigs}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        best: dict[tuple[str, str], float] = {}
        for pid in sorted(sigs):
            for other in lsh.query(sigs[pid]):
                if other <= pid or owner[other] == owner[pid]:
                    continue
                sim = float(sigs[pid].jaccard(sigs[other]))
                if sim >= s.jaccard_threshold:
                    best[(pid, other)] = sim
                    ra, rb = find(pid), find(other)
                    if ra != rb:
                        parent[max(ra, rb)] = min(ra, rb)
        groups: dict[str, list[str]] = {}
        for a, b in best:
            for x in (a, b):
                groups.setdefault(find(x), [])
        for pid in sigs:
            r = find(pid)
            if r in groups:
                groups[r].append(pid)
        for members in groups.values():
            members = sorted(set(members))
            creators = sorted({owner[m] for m in members})
            if len(creators) < 2:
                continue
            sim = max(v for (a, b), v in best.items() if a in members)
            cid = "sc-" + hashlib.sha256("\n".join(members).encode()).hexdigest()[:12]
            cluster = ScriptedCluster(cid, members, creators, round(sim, 3))
            report.clusters.append(cluster)
            for m in members:
                report.by_post[m] = cluster
        report.clusters.sort(key=lambda c: c.cluster_id)
        return report
