"""The rule-pack schema: what a jurisdiction's YAML file may say, validated by pydantic at load.

A pack is data, not code: accepted wording per language, wording to flag (with the reason and
how severe), placement, the platform label, commercial thresholds, banned/restricted
categories and extra labels. Every rule has a stable id (``uk.placement.upfront``) that points
at a source (title, citation, url). Cross-references (rule -> source, term -> rule) are checked
here so a broken pack fails at start-up, never half-way through a request.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from nlp.cues import CUE_LABELS as _CUE_LABELS

RULE_ID = re.compile(r"^[a-z]{2}(\.[a-z0-9_]+)+$")
LANG = re.compile(r"^[a-z]{2}$")

#: Cue labels the preprocessor emits (nlp/cues.py); a pack may only name these.
CUE_LABELS = frozenset(_CUE_LABELS)

Form = Literal["hashtag", "plain"]
Severity = Literal["inadequate", "needs_review"]
_BOTH_FORMS: tuple[Form, ...] = ("hashtag", "plain")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    title: str = Field(min_length=3)
    citation: str = Field(min_length=3)
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")


class Rule(_Strict):
    title: str = Field(min_length=3)
    source: str = Field(description="key into the pack's sources")
    pinpoint: str | None = Field(default=None, description="article/section within the source")
    summary: str | None = None


class Term(_Strict):
    """One wording. ``{brand}`` is a placeholder for any brand name or @handle.

    ``forms``: ``hashtag`` matches ``#term`` (spaces removed), ``plain`` matches the words.
    ``not_before``: words that, when they follow, make it another word (``ad hoc``);
    ``not_after``: words that, right before the plain form, make it prose (``an ad``).
    """

    term: str = Field(min_length=1)
    lang: str = Field(pattern=LANG.pattern)
    forms: list[Form] = Field(default_factory=lambda: list(_BOTH_FORMS), min_length=1)
    reason: str = Field(default="ambiguous_wording", pattern=r"^[a-z][a-z0-9_]*$")
    severity: Severity = "inadequate"
    rule: str | None = Field(default=None, description="rule id; the section's rule by default")
    not_before: list[str] = Field(default_factory=list)
    not_after: list[str] = Field(
        default_factory=list,
        description="words that, right before it, make it ordinary prose ('an ad for')",
    )
    implies_commercial: bool = Field(
        default=True,
        description="the wording itself signals a commercial tie (#spon, #collab); False for "
        "everyday words ('thanks to') that only matter when the post is commercial",
    )
    note: str | None = None


class Disclosure(_Strict):
    rule: str = Field(description="rule id that defines the accepted wording")
    accepted: dict[str, list[str | Term]] = Field(
        description="language -> sufficient labels (strings, or Term objects for special forms)"
    )
    flagged: list[Term] = Field(default_factory=list, description="insufficient or ambiguous")
    flagged_rule: str | None = None
    foreign_label_severity: Severity = Field(
        default="needs_review",
        description="a label from another language's list (common.yaml) that the pack neither "
        "accepts nor flags: reason wrong_language with this severity",
    )
    platform_label: Literal["sufficient", "insufficient", "review"]
    platform_label_rule: str
    accent_sensitive: bool = Field(
        default=False, description="False: 'publicite' matches 'Publicité' (hashtags drop accents)"
    )

    def accepted_terms(self) -> list[Term]:
        out: list[Term] = []
        for lang, items in self.accepted.items():
            for it in items:
                if isinstance(it, str):
                    out.append(Term(term=it, lang=lang, reason="accepted", rule=self.rule))
                else:
                    out.append(it.model_copy(update={"rule": it.rule or self.rule}))
        return out


class Placement(_Strict):
    rule: str
    position: Literal["start", "first_line", "before_fold", "anywhere"]
    start_max_words: int = Field(default=3, ge=0, le=20)
    before_fold: bool = True
    not_in_trailing_hashtags: bool = True
    buried_min_other_tags: int = Field(default=2, ge=1)
    every_story_frame: bool = False
    repeat_in_live: bool = False
    story_rule: str | None = None


class Commercial(_Strict):
    rule: str = Field(description="rule id saying what makes a post commercial (the trigger)")
    strong_cues: list[str]
    weak_cues: list[str]
    strong_with_brand: list[str] = Field(
        default_factory=list,
        description="cues that are strong only next to a brand @mention or a shop/affiliate "
        "link, weak otherwise ('cadeau', 'win' and 'available at' are everyday words too)",
    )
    model_threshold: float = Field(default=0.5, ge=0, le=1)
    model_high: float = Field(default=0.85, ge=0, le=1)
    weak_cues_dismiss_below: float = Field(default=0.1, ge=0, le=1)
    disclosure_model_threshold: float = Field(default=0.9, ge=0, le=1)
    ignore_person_mentions: bool = Field(
        default=True,
        description="an @mention the preprocessor marks likely_person is not a commercial cue",
    )

    @field_validator("strong_cues", "weak_cues", "strong_with_brand")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        bad = sorted(set(v) - CUE_LABELS)
        if bad:
            raise ValueError(f"unknown cue label(s) {bad}; known: {sorted(CUE_LABELS)}")
        return v


class Category(_Strict):
    rule: str
    name: str
    status: Literal["banned", "restricted"]
    keywords: dict[str, list[str]] = Field(min_length=1)
    required_labels: list[str] = Field(
        default_factory=list,
        description="wording that must appear (e.g. 'interdit aux moins de 18 ans')",
    )
    fix: str


class ExtraLabel(_Strict):
    rule: str
    name: str
    labels: list[str] = Field(min_length=1)
    triggers: dict[str, list[str]] = Field(
        min_length=1, description="words suggesting the label is needed (retouch, AI, filter...)"
    )
    fix: str


class RulePack(_Strict):
    id: str = Field(pattern=r"^[a-z]{2}$")
    name: str
    version: str = Field(pattern=r"^\d{4}\.\d+$")
    effective_date: dt.date
    authority: str
    aliases: list[str] = Field(default_factory=list)
    scope: str
    audience_languages: list[str] = Field(min_length=1)
    notes: list[str] = Field(default_factory=list)
    sources: dict[str, Source] = Field(min_length=1)
    rules: dict[str, Rule] = Field(min_length=1)
    commercial: Commercial
    disclosure: Disclosure
    placement: Placement
    fixes: dict[str, str] = Field(description="reason -> concrete fix; 'default' required")
    categories: list[Category] = Field(default_factory=list)
    extra_labels: list[ExtraLabel] = Field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @model_validator(mode="after")
    def _cross_refs(self) -> RulePack:
        for rid, rule in self.rules.items():
            if not RULE_ID.match(rid) or not rid.startswith(self.id + "."):
                raise ValueError(f"rules.{rid}: rule ids look like '{self.id}.label.wording'")
            if rule.source not in self.sources:
                raise ValueError(
                    f"rules.{rid}.source: unknown source {rule.source!r}; "
                    f"known: {sorted(self.sources)}"
                )
        refs: list[tuple[str, str | None]] = [
            ("commercial.rule", self.commercial.rule),
            ("disclosure.rule", self.disclosure.rule),
            ("disclosure.flagged_rule", self.disclosure.flagged_rule),
            ("disclosure.platform_label_rule", self.disclosure.platform_label_rule),
            ("placement.rule", self.placement.rule),
            ("placement.story_rule", self.placement.story_rule),
        ]
        refs += [
            (f"disclosure.flagged[{i}].rule", t.rule) for i, t in enumerate(self.disclosure.flagged)
        ]
        refs += [(f"categories[{i}].rule", c.rule) for i, c in enumerate(self.categories)]
        refs += [(f"extra_labels[{i}].rule", c.rule) for i, c in enumerate(self.extra_labels)]
        for fld, ref in refs:
            if ref is not None and ref not in self.rules:
                raise ValueError(f"{fld}: unknown rule id {ref!r}")
        if not self.disclosure.flagged_rule and any(
            t.rule is None for t in self.disclosure.flagged
        ):
            raise ValueError("disclosure.flagged_rule: required when a flagged term has no rule")
        if "default" not in self.fixes:
            raise ValueError("fixes.default: required")
        for lang in self.audience_languages:
            if not LANG.match(lang):
                raise ValueError(f"audience_languages: {lang!r} is not an ISO 639-1 code")
        return self

    def rule_citation(self, rule_id: str) -> tuple[str, str | None]:
        rule = self.rules[rule_id]
        src = self.sources[rule.source]
        pin = rule.pinpoint
        # a source cited at one provision already names it ("UWG §5a(4) ..."): not twice
        if pin and pin.casefold() not in src.citation.casefold():
            return f"{src.citation}, {pin}", src.url
        return src.citation, src.url


class CommonLexicon(_Strict):
    """Shared across packs (common.yaml): negations and every language's advertising labels."""

    version: str = Field(pattern=r"^\d{4}\.\d+$")
    negations: dict[str, list[str]] = Field(min_length=1)
    labels_by_language: dict[str, list[str]] = Field(min_length=1)
    fold_lines: dict[str, int] = Field(
        default_factory=dict,
        description="platform -> lines shown before 'more' in the feed (posts, not stories)",
    )
