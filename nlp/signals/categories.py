"""Banned/restricted categories (FR art. 4, US 16 CFR 465.8, ...) and extra labels
("Image retouchée"/"Image virtuelle"), as their own findings (kind="category"/"label").

A category keyword only matters when the post promotes something: nothing is reported for a
post the disclosure finding judged ``not_commercial``. Where it is commercial, a banned
category is ``inadequate`` (reason banned_category) -- the verdict set has no "prohibited", and
no label can cure it; a restricted one is ``inadequate`` when its required wording is missing
(missing_required_label), else ``needs_review`` (restricted_category). Where commerciality is
only suspected, both are ``needs_review``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nlp.results import Finding, Span, Verdict
from nlp.rules.matching import CompiledPack, TermMatch

if TYPE_CHECKING:
    from nlp.preprocess import Preprocessed
    from nlp.signals.disclosure import PackScan

_MAX_EVIDENCE = 8


def _spans(pre: Preprocessed, matches: list[TermMatch], label: str, detail: str) -> list[Span]:
    out = []
    for m in matches[:_MAX_EVIDENCE]:
        s, e = pre.norm.to_original(m.start, m.end)
        out.append(Span(start=s, end=e, text=pre.post.text[s:e], label=label, detail=detail))
    return out


def _commercial_level(disclosure: Finding) -> str:
    if disclosure.verdict == Verdict.not_commercial:
        return "no"
    if disclosure.verdict == Verdict.needs_review and (
        "commercial_cues_without_label" in disclosure.reasons
        or "model_commercial_no_cues" in disclosure.reasons
        or "model_only_disclosure" in disclosure.reasons
    ):
        return "maybe"
    return "yes"


def category_findings(
    pre: Preprocessed, cp: CompiledPack, scan: PackScan, disclosure: Finding
) -> list[Finding]:
    level = _commercial_level(disclosure)
    if level == "no" or not cp.categories:
        return []
    pack = cp.pack
    out: list[Finding] = []
    for cm in cp.categories:
        hits = cm.keywords.finditer(scan.folded, scan.index)
        if not hits:
            continue
        cat = pack.categories[cm.index]
        evidence = _spans(pre, hits, "category_keyword", cat.name)
        reasons: list[str]
        if cat.status == "banned":
            reasons = ["banned_category"]
            verdict = Verdict.inadequate if level == "yes" else Verdict.needs_review
            confidence = 0.7 if level == "yes" else 0.5
        else:
            required = cm.required.finditer(scan.folded, scan.index) if cm.required else []
            evidence += _spans(pre, required, "required_label", cat.name)
            if cat.required_labels and not required:
                reasons = ["restricted_category", "missing_required_label"]
                verdict = Verdict.inadequate if level == "yes" else Verdict.needs_review
                confidence = 0.65 if level == "yes" else 0.5
            else:
                reasons = ["restricted_category"]
                verdict = Verdict.needs_review
                confidence = 0.5
        if level == "maybe":
            reasons.append("commercial_uncertain")
        citation, url = pack.rule_citation(cat.rule)
        out.append(
            Finding(
                post_id=pre.post.id,
                jurisdiction=pack.id,
                kind="category",
                verdict=verdict,
                reasons=reasons,
                evidence=sorted(evidence, key=lambda s: s.start),
                rule_ids=[cat.rule],
                citation=citation,
                citation_url=url,
                confidence=confidence,
                fix=cat.fix,
                rule_pack=pack.ref,
            )
        )
    return out


def label_findings(
    pre: Preprocessed, cp: CompiledPack, scan: PackScan, disclosure: Finding
) -> list[Finding]:
    """Extra labels: reported when the label is present (compliant) or when trigger words
    suggest it is needed on a commercial post (needs_review: text cannot see the image)."""
    pack = cp.pack
    level = _commercial_level(disclosure)
    out: list[Finding] = []
    for (labels, triggers), x in zip(cp.extra_labels, pack.extra_labels, strict=True):
        present = labels.finditer(scan.folded, scan.index)
        trig = [] if present else triggers.finditer(scan.folded, scan.index)
        if present:
            verdict, reasons, conf = Verdict.compliant, ["extra_label_present"], 0.8
            evidence = _spans(pre, present, "extra_label", x.name)
            fix = None
        elif trig and level != "no":
            verdict, reasons, conf = Verdict.needs_review, ["extra_label_possibly_missing"], 0.4
            evidence = _spans(pre, trig, "extra_label_trigger", x.name)
            fix = x.fix
        else:
            continue
        citation, url = pack.rule_citation(x.rule)
        out.append(
            Finding(
                post_id=pre.post.id,
                jurisdiction=pack.id,
                kind="label",
                verdict=verdict,
                reasons=reasons,
                evidence=evidence,
                rule_ids=[x.rule],
                citation=citation,
                citation_url=url,
                confidence=conf,
                fix=fix,
                rule_pack=pack.ref,
            )
        )
    return out
