"""Trust score per creator: pure functions over ``PostAnalysis`` -> ``CreatorTrust``.

    score_creators(analyses, profile="compliance", weights=None, jurisdictions=None)

Score = 100 x the weighted mean of five components, each a value in [0, 1] (1 = most
trustworthy) equal to the posterior mean of a Beta distribution updated with per-post evidence
(priors and pseudo-counts in ``nlp/scoring/profiles.yaml``):

disclosure
    Over the creator's commercial posts: Beta(a0 + compliant * ca,
    b0 + inadequate * ib + undisclosed * ub + review * rb + suspected * sb). Undisclosed weighs
    most (2), inadequate less (1), a compliant ad raises it (+1 to a); "review": a post the rules
    could not decide (brand tags without a label, ...) counts a quarter; "suspected": a post
    judged not commercial whose comments ask "is this an ad?" counts a half. A creator with no
    commercial, undecided or suspected post gets the prior (2/3 by default), not a perfect 1.
sponsored_share
    Effective share s = (a0 + sum_i w(verdict_i)) / (a0 + b0 + n_posts) with w = 1 for an
    undisclosed ad, 0.6 inadequate / needs review, 0.25 compliant (<= the 30% threshold);
    value = 1 - clip((s - 0.30) / 0.70, 0, 1). The raw share of commercial posts is reported in
    ``detail`` and flagged above 30% (a known red flag), but a compliant ad only counts a quarter.
content_authenticity
    Per post badness b = 1 for scripted copy shared with other creators, else the model's
    machine-written probability: Beta(a0 + sum(1 - b), b0 + sum(b)) over the posts where it was
    measured.
audience_authenticity
    Per post badness from comments (spam share, duplicate share, generic comments) and
    engagement flags (outside the tier's 10th-99th percentiles, spikes on the creator's own
    timeline, comments-to-likes out of line), over the posts where it was measured.
tone_brand_safety
    Per post badness = the model's offensive probability (the comments' at half weight), 1 for a
    banned-category promotion; without a model only banned categories move it.

Why disclosing never lowers the score. Take any creator and add one compliant ad that carries
no worse authenticity or tone evidence than none at all. (1) disclosure: a only grows, so
a / (a + b) grows. (2) sponsored share: the numerator grows by w_c and the denominator by 1, so
s' = (X + w_c) / (N + 1) <= s exactly when s >= w_c; when s < w_c <= threshold, s' <= w_c <=
threshold and the penalty stays 0. Either way the value never drops. (3) the other components
get no evidence or evidence with b = 0, which only raises a Beta mean. Turning one of a
creator's undisclosed ads into a compliant one moves a pseudo-count from b to a and lowers its
share weight: again no component drops. The mirror argument covers adding an undisclosed ad
(w = 1 >= any share, b grows). ``tests/unit/test_trust_properties.py`` checks these with
hypothesis.

Which verdict counts: the worst disclosure verdict of the post across the requested
jurisdictions (undisclosed > inadequate > needs_review > compliant > not_commercial); all
jurisdictions the analyses hold when none is requested.

Bands: high >= 80, medium >= 60, low >= 40, critical below (profiles.yaml). The 80% interval is
the 10th-90th percentile of seeded Monte-Carlo draws from every component's Beta posterior
combined with the same weights: the same input always gives the same interval, and it narrows
as posts accumulate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nlp import CODE_VERSION
from nlp.analyzer import COMMERCIAL_VERDICTS, worst_verdict
from nlp.config import COMPONENT_NAMES, ClearpostConfig, default_config, validate_weights
from nlp.errors import ConfigError
from nlp.results import Component, CreatorTrust, PostAnalysis, Verdict, Versions

SCORER_NAME = "clearpost.TrustScore.v1"
MAX_EVIDENCE = 10
PROFILES: tuple[str, ...] = tuple(default_config().trust.profiles)


def profile_weights(
    profile: str = "compliance",
    weights: Mapping[str, float] | None = None,
    config: ClearpostConfig | None = None,
) -> dict[str, float]:
    """The profile's weights with ``weights`` overriding some of them, validated, normalised."""
    cfg = config or default_config()
    profiles = cfg.trust.profiles
    if profile not in profiles:
        raise ConfigError(f"unknown profile {profile!r}; known: {sorted(profiles)}", code="E504")
    merged = {k: 0.0 for k in COMPONENT_NAMES}
    merged.update(profiles[profile])
    if weights:
        merged.update(validate_weights(dict(weights), where="weights override", partial=True))
    validate_weights(merged, where=f"profile {profile!r} with overrides")
    total = sum(merged.values())
    return {k: merged[k] / total for k in COMPONENT_NAMES}


# ---------------------------------------------------------------------- per-post evidence
@dataclass
class _Beta:
    alpha: float
    beta: float
    evidence: list[tuple[float, str]] = field(default_factory=list)  # (badness, post id)
    n: int = 0

    def add(self, badness: float, post_id: str) -> None:
        b = min(1.0, max(0.0, float(badness)))
        self.alpha += 1.0 - b
        self.beta += b
        self.n += 1
        if b > 0:
            self.evidence.append((b, post_id))

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)


def _top(evidence: list[tuple[float, str]]) -> list[str]:
    return [pid for _, pid in sorted(evidence, key=lambda x: (-x[0], x[1]))[:MAX_EVIDENCE]]


def _content_badness(a: PostAnalysis) -> float | None:
    au = a.authenticity
    measured = (
        au.scripted_checked or au.scripted_cluster is not None or au.machine_generated is not None
    )
    if not measured:
        return None
    b = 1.0 if au.scripted_cluster else 0.0
    if au.machine_generated is not None:
        b = max(b, au.machine_generated)
    return b


_ENG_BAD = 0.5  # one engagement anomaly on a post


def _audience_badness(a: PostAnalysis) -> float | None:
    au = a.authenticity
    parts: list[float] = []
    measured = False
    c = au.comments
    if c is not None and c.n_comments:
        measured = True
        spam = c.spam_share or 0.0
        if c.spam_source == "heuristic":
            spam *= 0.5  # the pattern fallback is coarser than the model: half weight
        parts += [spam, c.duplicate_share or 0.0]
        if "generic_comments" in au.flags:
            parts.append(0.5 * (c.generic_share or 0.0))
    e = au.engagement
    if e is not None and (
        e.engagement_rate is not None
        or e.likes_robust_z is not None
        or e.comments_robust_z is not None
        or e.comments_to_likes is not None
    ):
        measured = True
        if e.flags:
            parts.append(_ENG_BAD)
    if not measured:
        return None
    return max(parts, default=0.0)


def _tone_badness(a: PostAnalysis, jurisdictions: Sequence[str] | None) -> float | None:
    parts: list[float] = []
    if a.tone is not None and a.tone.offensive is not None:
        parts.append(a.tone.offensive)
    c = a.authenticity.comments
    if c is not None and c.tone is not None and c.tone.offensive is not None:
        parts.append(0.5 * c.tone.offensive)
    wanted = {j.lower() for j in jurisdictions} if jurisdictions else None
    for f in a.findings:
        if f.kind != "category" or (wanted is not None and f.jurisdiction.lower() not in wanted):
            continue
        if "banned_category" in f.reasons:
            parts.append(1.0)
    return max(parts) if parts else None


# ---------------------------------------------------------------------- scoring
def _seed(base: int, creator: str, component: str) -> int:
    h = hashlib.sha256(f"{base}|{creator}|{component}".encode()).digest()
    return int.from_bytes(h[:8], "little")


def _band(score: float, cfg: ClearpostConfig) -> str:
    for b in cfg.trust.bands:
        if score >= b.min:
            return b.name
    return cfg.trust.bands[-1].name


def _score_one(
    creator: str,
    posts: list[PostAnalysis],
    weights: dict[str, float],
    profile: str,
    jurisdictions: Sequence[str] | None,
    cfg: ClearpostConfig,
) -> CreatorTrust:
    comp_cfg = cfg.trust.components
    dcfg, scfg = comp_cfg.disclosure, comp_cfg.sponsored_share
    n = len(posts)

    # -- disclosure and sponsored share
    d_alpha, d_beta = dcfg.prior_alpha, dcfg.prior_beta
    counts = {v.value: 0 for v in Verdict}
    by_verdict: dict[str, list[str]] = {v.value: [] for v in Verdict}
    suspected: list[str] = []
    share_x = 0.0
    n_commercial = 0
    for a in posts:
        v = worst_verdict(a, jurisdictions)
        if v is None:
            v = Verdict.needs_review if a.commercial.is_commercial else Verdict.not_commercial
        commercial = v in COMMERCIAL_VERDICTS or (
            v == Verdict.needs_review and a.commercial.is_commercial
        )
        counts[v.value] += 1
        by_verdict[v.value].append(a.post_id)
        if v == Verdict.compliant:
            d_alpha += dcfg.compliant_alpha
        elif v == Verdict.inadequate:
            d_beta += dcfg.inadequate_beta
        elif v == Verdict.undisclosed:
            d_beta += dcfg.undisclosed_beta
        elif v == Verdict.needs_review:
            d_beta += dcfg.needs_review_beta  # suspected, undecided: a small weight
        if not commercial and "crowd_suspects_ad" in a.authenticity.flags:
            d_beta += dcfg.crowd_suspicion_beta
            suspected.append(a.post_id)
        if commercial:
            n_commercial += 1
            share_x += scfg.weights[v.value]
    s_alpha = scfg.prior_alpha + share_x
    s_beta = scfg.prior_beta + (n - share_x)
    eff_share = s_alpha / (s_alpha + s_beta)
    t = scfg.threshold

    def share_value(s: Any) -> Any:
        return 1.0 - np.clip((s - t) / (1.0 - t), 0.0, 1.0)

    # -- per-post evidence components
    content = _Beta(
        comp_cfg.content_authenticity.prior_alpha, comp_cfg.content_authenticity.prior_beta
    )
    audience = _Beta(
        comp_cfg.audience_authenticity.prior_alpha, comp_cfg.audience_authenticity.prior_beta
    )
    tone = _Beta(comp_cfg.tone_brand_safety.prior_alpha, comp_cfg.tone_brand_safety.prior_beta)
    for a in posts:
        for comp, bad in (
            (content, _content_badness(a)),
            (audience, _audience_badness(a)),
            (tone, _tone_badness(a, jurisdictions)),
        ):
            if bad is not None:
                comp.add(bad, a.post_id)

    # -- values, draws
    icfg = cfg.trust.interval
    S = icfg.samples

    def draws(name: str, alpha: float, beta: float) -> np.ndarray:
        rng = np.random.default_rng(_seed(icfg.seed, creator, name))
        return rng.beta(alpha, beta, size=S)

    d_val = d_alpha / (d_alpha + d_beta)
    values = {
        "disclosure": (d_val, draws("disclosure", d_alpha, d_beta)),
        "sponsored_share": (
            float(share_value(eff_share)),
            share_value(draws("sponsored_share", s_alpha, s_beta)),
        ),
        "content_authenticity": (
            content.mean,
            draws("content_authenticity", content.alpha, content.beta),
        ),
        "audience_authenticity": (
            audience.mean,
            draws("audience_authenticity", audience.alpha, audience.beta),
        ),
        "tone_brand_safety": (tone.mean, draws("tone_brand_safety", tone.alpha, tone.beta)),
    }
    lo_q, hi_q = 100 * (1 - icfg.level) / 2, 100 * (1 + icfg.level) / 2
    score = 100.0 * sum(weights[k] * values[k][0] for k in COMPONENT_NAMES)
    total_draws = 100.0 * sum(weights[k] * values[k][1] for k in COMPONENT_NAMES)
    lo, hi = (float(x) for x in np.percentile(total_draws, [lo_q, hi_q]))
    score = float(min(100.0, max(0.0, score)))
    interval = (round(min(lo, score), 2), round(max(hi, score), 2))

    raw_share = n_commercial / n if n else 0.0
    evidence = {
        "disclosure": (by_verdict["undisclosed"] + by_verdict["inadequate"] + suspected)[
            :MAX_EVIDENCE
        ]
        or by_verdict["compliant"][:MAX_EVIDENCE],
        "sponsored_share": (
            by_verdict["undisclosed"]
            + by_verdict["inadequate"]
            + by_verdict["needs_review"]
            + by_verdict["compliant"]
        )[:MAX_EVIDENCE]
        if n_commercial
        else [],
        "content_authenticity": _top(content.evidence),
        "audience_authenticity": _top(audience.evidence),
        "tone_brand_safety": _top(tone.evidence),
    }
    details: dict[str, dict[str, Any]] = {
        "disclosure": {
            "alpha": round(d_alpha, 4),
            "beta": round(d_beta, 4),
            "n_commercial": n_commercial,
            "compliant": counts["compliant"],
            "inadequate": counts["inadequate"],
            "undisclosed": counts["undisclosed"],
            "needs_review": counts["needs_review"],
            "crowd_suspected": len(suspected),
            "prior_only": n_commercial == 0 and not suspected and not counts["needs_review"],
        },
        "sponsored_share": {
            "share_commercial": round(raw_share, 4),
            "effective_share": round(eff_share, 4),
            "threshold": t,
            "n_commercial": n_commercial,
            "n_posts": n,
        },
        "content_authenticity": {
            "n_measured": content.n,
            "scripted_posts": sum(1 for a in posts if a.authenticity.scripted_cluster),
            "prior_only": content.n == 0,
        },
        "audience_authenticity": {"n_measured": audience.n, "prior_only": audience.n == 0},
        "tone_brand_safety": {"n_measured": tone.n, "prior_only": tone.n == 0},
    }
    components: list[Component] = []
    for k in COMPONENT_NAMES:
        val, dr = values[k]
        clo, chi = (float(x) for x in np.percentile(dr, [lo_q, hi_q]))
        components.append(
            Component(
                name=k,
                value=round(float(val), 4),
                weight=round(weights[k], 4),
                contribution=round(100.0 * weights[k] * float(val), 2),
                interval=(round(min(clo, val), 4), round(max(chi, val), 4)),
                evidence=evidence[k],
                detail=details[k],
            )
        )

    flags: list[str] = []
    if counts["undisclosed"]:
        flags.append("undisclosed_ads")
    if raw_share > t:
        flags.append(f"sponsored_share_over_{int(round(t * 100))}pct")
    if any(a.authenticity.scripted_cluster for a in posts):
        flags.append("scripted_copy")
    if suspected or any("crowd_suspects_ad" in a.authenticity.flags for a in posts):
        flags.append("crowd_suspects_ad")
    if all(a.versions.model is None for a in posts):
        flags.append("rules_only")
    if n < 10:
        flags.append("few_posts")

    dates = sorted(a.posted_at for a in posts if a.posted_at)
    platforms = {a.platform for a in posts}
    rule_packs: dict[str, str] = {}
    model = None
    for a in posts:
        rule_packs.update(a.versions.rule_packs)
        model = model or a.versions.model
    return CreatorTrust(
        creator=creator,
        platform=platforms.pop() if len(platforms) == 1 else None,
        score=round(score, 2),
        band=_band(score, cfg),
        interval=interval,
        n_posts=n,
        period=(dates[0] if dates else None, dates[-1] if dates else None),
        profile=profile,
        components=components,
        flags=flags,
        versions=Versions(
            code=f"{CODE_VERSION}+{SCORER_NAME}@{cfg.trust.version}+{cfg.digest}",
            rule_packs=rule_packs,
            model=model,
        ),
    )


def score_creators(
    analyses: Iterable[PostAnalysis],
    profile: str = "compliance",
    weights: Mapping[str, float] | None = None,
    jurisdictions: Sequence[str] | None = None,
    config: ClearpostConfig | None = None,
) -> list[CreatorTrust]:
    """One ``CreatorTrust`` per creator, sorted by creator. Order of ``analyses`` is irrelevant.

    ``weights`` overrides some of the profile's weights (unknown names -> ConfigError E501).
    ``jurisdictions``: whose disclosure verdicts count (the worst across them); None -> all.
    """
    cfg = config or default_config()
    w = profile_weights(profile, weights, cfg)
    items = sorted(
        analyses, key=lambda a: (a.creator, a.posted_at or "", a.post_id, a.content_sha256)
    )
    if jurisdictions:
        wanted = {j.lower() for j in jurisdictions}
        held = {f.jurisdiction.lower() for a in items for f in a.findings if f.kind == "disclosure"}
        if items and held and not (wanted & held):
            raise ConfigError(
                f"the analyses hold no findings for {sorted(wanted)} (they cover {sorted(held)}): "
                "re-run `clearpost analyze` with --jurisdiction",
                code="E505",
            )
    by_creator: dict[str, list[PostAnalysis]] = {}
    for a in items:
        by_creator.setdefault(a.creator, []).append(a)
    return [
        _score_one(c, ps, w, profile, jurisdictions, cfg) for c, ps in sorted(by_creator.items())
    ]


def trust_to_public(t: CreatorTrust) -> dict[str, Any]:
    """The JSON form the CLI writes: creator, score, band, interval [low, high], n_posts,
    components (name, value, weight, contribution, evidence), plus period, profile, flags."""
    return {
        "creator": t.creator,
        "score": t.score,
        "band": t.band,
        "interval": [t.interval[0], t.interval[1]],
        "n_posts": t.n_posts,
        "period": [t.period[0], t.period[1]],
        "profile": t.profile,
        "flags": list(t.flags),
        "components": [
            {
                "name": c.name,
                "value": c.value,
                "weight": c.weight,
                "contribution": c.contribution,
                "interval": list(c.interval) if c.interval else None,
                "evidence": list(c.evidence),
                "detail": c.detail,
            }
            for c in t.components
        ],
        "versions": t.versions.model_dump(mode="json"),
    }
