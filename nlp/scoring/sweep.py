"""Cohort metrics as the European Commission's 2024 influencer sweep reports them (576
influencers: 97% posted commercial content, 20% systematically disclosed it, 34% visibly
without "read more", 38% used non-standard wording such as "collaboration" 16%, "partnership"
15%, thanks to a brand 11%), computed per jurisdiction from ``PostAnalysis`` records.

A post counts as commercial under a jurisdiction when that jurisdiction's disclosure finding
says compliant / inadequate / undisclosed, or needs_review on a post the Analyzer judged
commercial. Creator-level definitions (denominators in brackets):

- ``share_commercial``: creators with at least one commercial post [all creators];
- ``share_systematically_disclosed``: every commercial post carries a disclosure (a disclosure
  or ambiguous-disclosure span, or the platform's paid-partnership label), compliant or not
  [creators posting commercial content]; ``share_always_compliant``: every one is compliant;
- ``share_disclosed_before_fold``: every disclosed commercial post shows it before the "more"
  fold (span start < the post's fold offset, or the platform label) [creators with at least
  one disclosed commercial post];
- ``share_nonstandard_wording``: at least one commercial post disclosed ONLY with wording the
  jurisdiction flags as ambiguous [creators posting commercial content]; the ``collaboration``,
  ``partnership`` and ``thanks`` shares split that by the words used;
- ``share_platform_label``: used the platform label on at least one commercial post.
The counts behind every share are returned with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, Field

from nlp.analyzer import COMMERCIAL_VERDICTS, disclosure_verdicts
from nlp.errors import ConfigError
from nlp.results import Finding, PostAnalysis, Verdict

SWEEP_NAME = "clearpost.Sweep.v1"
_COLLAB = re.compile(
    r"collab|samenwerking|zusammenarbeit|kooperation|samarbete|colaboraci|collaborazione", re.I
)
_PARTNER = re.compile(r"partner|partenariat", re.I)
_THANKS = re.compile(r"thank|merci|bedankt|danke|gracias|grazie|dank", re.I)


class SweepMetrics(BaseModel):
    jurisdiction: str
    n_creators: int = 0
    n_posts: int = 0
    n_commercial_posts: int = 0
    creators_commercial: int = 0
    creators_systematically_disclosed: int = 0
    creators_always_compliant: int = 0
    creators_with_disclosure: int = 0
    creators_disclosed_before_fold: int = 0
    creators_nonstandard_wording: int = 0
    creators_collaboration_wording: int = 0
    creators_partnership_wording: int = 0
    creators_thanks_wording: int = 0
    creators_platform_label: int = 0
    share_commercial: float | None = None
    share_systematically_disclosed: float | None = None
    share_always_compliant: float | None = None
    share_disclosed_before_fold: float | None = None
    share_nonstandard_wording: float | None = None
    share_collaboration_wording: float | None = None
    share_partnership_wording: float | None = None
    share_thanks_wording: float | None = None
    share_platform_label: float | None = None
    verdict_counts: dict[str, int] = Field(default_factory=dict)
    version: str = SWEEP_NAME


def _share(k: int, n: int) -> float | None:
    return round(k / n, 4) if n else None


def _finding(a: PostAnalysis, j: str) -> Finding | None:
    for f in a.findings:
        if f.kind == "disclosure" and f.jurisdiction.lower() == j:
            return f
    return None


def _post_facts(a: PostAnalysis, f: Finding | None) -> dict[str, bool]:
    spans = f.evidence if f else []
    clear = [s for s in spans if s.label == "disclosure"]
    ambiguous = [s for s in spans if s.label == "ambiguous_disclosure"]
    thanks = [s for s in spans if s.label == "thanks_brand"]
    label = bool(a.metrics.get("platform_paid_label"))
    fold = a.metrics.get("fold_offset")
    shown = clear + ambiguous
    before = label or any(fold is None or s.start < int(fold) for s in shown)
    amb_text = " ".join(s.text for s in ambiguous)
    only_ambiguous = bool(ambiguous) and not clear and not label
    return {
        "disclosed": bool(shown) or label,
        "before_fold": before,
        "only_ambiguous": only_ambiguous,
        "collaboration": only_ambiguous and bool(_COLLAB.search(amb_text)),
        "partnership": only_ambiguous and bool(_PARTNER.search(amb_text)),
        "thanks": (only_ambiguous and bool(_THANKS.search(amb_text)))
        or (bool(thanks) and not clear and not label),
        "platform_label": label,
    }


def cohort_metrics(analyses: Iterable[PostAnalysis], jurisdiction: str) -> SweepMetrics:
    """The sweep metrics of a cohort under one jurisdiction's disclosure findings."""
    j = jurisdiction.strip().lower()
    items = list(analyses)
    held = {k.lower() for a in items for k in disclosure_verdicts(a)}
    if items and j not in held:
        raise ConfigError(
            f"the analyses hold no findings for {j!r} (they cover {sorted(held)}): "
            "re-run `clearpost analyze` with --jurisdiction",
            code="E505",
        )
    m = SweepMetrics(jurisdiction=j, n_posts=len(items))
    by_creator: dict[str, list[tuple[PostAnalysis, Finding | None]]] = {}
    counts = {v.value: 0 for v in Verdict}
    for a in items:
        f = _finding(a, j)
        by_creator.setdefault(a.creator, []).append((a, f))
        if f is not None:
            counts[f.verdict.value] += 1
    m.verdict_counts = counts
    m.n_creators = len(by_creator)
    for posts in by_creator.values():
        commercial = [
            (a, f)
            for a, f in posts
            if f is not None
            and (
                f.verdict in COMMERCIAL_VERDICTS
                or (f.verdict == Verdict.needs_review and a.commercial.is_commercial)
            )
        ]
        if not commercial:
            continue
        m.n_commercial_posts += len(commercial)
        m.creators_commercial += 1
        facts = [_post_facts(a, f) for a, f in commercial]
        disclosed = [x for x in facts if x["disclosed"]]
        if all(x["disclosed"] for x in facts):
            m.creators_systematically_disclosed += 1
        if all(f is not None and f.verdict == Verdict.compliant for _, f in commercial):
            m.creators_always_compliant += 1
        if disclosed:
            m.creators_with_disclosure += 1
            if all(x["before_fold"] for x in disclosed):
                m.creators_disclosed_before_fold += 1
        for key, attr in (
            ("only_ambiguous", "creators_nonstandard_wording"),
            ("collaboration", "creators_collaboration_wording"),
            ("partnership", "creators_partnership_wording"),
            ("thanks", "creators_thanks_wording"),
            ("platform_label", "creators_platform_label"),
        ):
            if any(x[key] for x in facts):
                setattr(m, attr, getattr(m, attr) + 1)
    c = m.creators_commercial
    m.share_commercial = _share(c, m.n_creators)
    m.share_systematically_disclosed = _share(m.creators_systematically_disclosed, c)
    m.share_always_compliant = _share(m.creators_always_compliant, c)
    m.share_disclosed_before_fold = _share(
        m.creators_disclosed_before_fold, m.creators_with_disclosure
    )
    m.share_nonstandard_wording = _share(m.creators_nonstandard_wording, c)
    m.share_collaboration_wording = _share(m.creators_collaboration_wording, c)
    m.share_partnership_wording = _share(m.creators_partnership_wording, c)
    m.share_thanks_wording = _share(m.creators_thanks_wording, c)
    m.share_platform_label = _share(m.creators_platform_label, c)
    return m


def sweep(
    analyses: Iterable[PostAnalysis], jurisdictions: Sequence[str] | None = None
) -> list[SweepMetrics]:
    """:func:`cohort_metrics` for each jurisdiction (all the analyses hold when None)."""
    items = list(analyses)
    if not jurisdictions:
        seen: dict[str, None] = {}
        for a in items:
            for k in disclosure_verdicts(a):
                seen.setdefault(k.lower(), None)
        jurisdictions = list(seen)
    return [cohort_metrics(items, j) for j in jurisdictions]
