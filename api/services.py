"""The library objects the service uses, built ONCE at start-up (Presidio's habit: the REST
layer only translates). Tests hand ``create_app`` a factory returning fakes.

Everything here talks to ``nlp``; routes talk to ``Services`` only."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from api.settings import Settings
from nlp.errors import UnknownJurisdictionError
from nlp.posts import Post
from nlp.results import CreatorTrust, PostAnalysis, Verdict
from nlp.rules.registry import pack_summary

if TYPE_CHECKING:
    from api.schemas import CheckPublic, CheckRequest

SEVERITY = {
    "undisclosed": 4,
    "inadequate": 3,
    "needs_review": 2,
    "compliant": 1,
    "not_commercial": 0,
}

log = logging.getLogger("clearpost.services")


class AnalyzerLike(Protocol):
    def analyze(
        self, posts: Sequence[Post], jurisdictions: Sequence[str] | None = None
    ) -> list[PostAnalysis]: ...


@dataclass
class Services:
    """What the routes need. Only ``analyzer`` and ``jurisdictions`` are required."""

    analyzer: AnalyzerLike
    jurisdictions: list[str]
    default_jurisdictions: list[str]
    aliases: dict[str, str] = field(default_factory=dict)
    score_creators: Callable[..., list[CreatorTrust]] | None = None
    profiles: list[str] = field(default_factory=lambda: ["compliance"])
    sweep: Callable[..., Any] | None = None
    read_table: Callable[..., Any] | None = None
    rule_packs: Callable[[], list[dict[str, Any]]] = lambda: []
    model_cards: Callable[[], list[dict[str, Any]]] = lambda: []
    model_info: dict[str, str] | None = None
    #: api.batching.AnalyzeBatcher when micro-batching is on (settings.microbatch_max_posts)
    batcher: Any = None

    def precheck(self, req: CheckRequest, jurisdictions: list[str]) -> CheckPublic:
        """The caption pre-check: the analyzer's findings for a draft post, worst verdict first,
        each with its fix (the same findings ``clearpost check`` prints)."""
        post = Post(
            id="precheck",
            text=req.text,
            platform=req.platform,
            format=req.format,
            platform_paid_label=req.platform_paid_label,
        )
        analysis = self.analyzer.analyze([post], jurisdictions=jurisdictions)[0]
        findings = sorted(analysis.findings, key=lambda f: -SEVERITY.get(f.verdict.value, 0))
        worst = findings[0].verdict.value if findings else Verdict.not_commercial.value
        from api.schemas import CheckPublic

        return CheckPublic(
            verdict=worst,
            ok=worst in (Verdict.compliant.value, Verdict.not_commercial.value),
            findings=findings,
        )

    def resolve_jurisdictions(self, codes: Sequence[str] | None) -> list[str]:
        """Validate and normalise (aliases -> pack id), or the configured default when None."""
        if codes is None or len(codes) == 0:
            return list(self.default_jurisdictions)
        out: list[str] = []
        unknown: list[str] = []
        for c in codes:
            k = str(c).strip().lower()
            k = self.aliases.get(k, k)
            if k not in self.jurisdictions:
                unknown.append(str(c))
            elif k not in out:
                out.append(k)
        if unknown:
            raise UnknownJurisdictionError(unknown, self.jurisdictions)
        return out


def artifact_cards(artifacts_dir: Path) -> list[dict[str, Any]]:
    """Every bundled model artifact: its model_meta.json and MODEL_CARD.md."""
    out: list[dict[str, Any]] = []
    if not artifacts_dir.is_dir():
        return out
    for d in sorted(p for p in artifacts_dir.iterdir() if p.is_dir()):
        meta_p = d / "model_meta.json"
        if not meta_p.is_file():
            continue
        try:
            meta = json.loads(meta_p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("unreadable %s: %s", meta_p, exc)
            continue
        card_p = d / "MODEL_CARD.md"
        out.append(
            {
                "id": str(meta.get("id") or meta.get("name") or d.name),
                "version": str(meta.get("version", "")),
                "path": d.name,
                "metrics": meta.get("metrics") or {},
                "meta": meta,
                "card": card_p.read_text(encoding="utf-8") if card_p.is_file() else None,
            }
        )
    return out


def build_services(settings: Settings) -> Services:
    """The real thing: rule packs, the Analyzer (with the bundled model unless MODEL=none),
    trust scoring, cohort sweep and file ingest. Slow (loads models): called once, at start-up;
    a bad setting (unknown default jurisdiction) fails here, not half-way through a request."""
    from nlp.analyzer import Analyzer
    from nlp.ingest import read_table
    from nlp.rules.registry import RulePackRegistry
    from nlp.scoring import trust

    registry = RulePackRegistry.default()
    codes = registry.codes()
    aliases = {a.lower(): c for c in codes for a in getattr(registry.get(c), "aliases", [])}
    default = (
        [p.id for p in registry.resolve(settings.default_jurisdictions)]
        if settings.default_jurisdictions
        else codes
    )
    model: Any = None
    if settings.model == "default":
        from nlp.analyzer import load_model

        model = load_model(
            overrides={
                "quantization": settings.model_precision,
                "batch_invariant": settings.model_batch_invariant,
                "num_threads": settings.model_threads,
                "encoder_workers": settings.model_encoder_workers,
                "invariant_rows": settings.model_invariant_rows,
                "split_k": settings.model_split_k,
            }
        )
    analyzer = Analyzer(model=model, jurisdictions=tuple(default))
    analyzer.warm_up()  # language id loaded, loaded objects out of the collector's walk
    batcher = None
    if settings.microbatch_max_posts > 0:
        from api.batching import AnalyzeBatcher

        batcher = AnalyzeBatcher(
            analyzer,
            max_batch=settings.microbatch_max_posts,
            max_wait_ms=settings.microbatch_wait_ms,
        )
    services = Services(
        analyzer=analyzer,
        batcher=batcher,
        jurisdictions=codes,
        default_jurisdictions=list(default),
        aliases=aliases,
        score_creators=trust.score_creators,
        profiles=list(trust.PROFILES),
        read_table=read_table,
        rule_packs=lambda: [pack_summary(registry.get(c)) for c in codes],
        model_info=analyzer.model_info,
    )
    try:
        from nlp.scoring import sweep
    except ImportError as exc:
        if getattr(exc, "name", None) != "nlp.scoring.sweep" and "sweep" not in str(exc):
            raise
        log.warning("nlp.scoring.sweep is absent: /v1/sweeps answers 503")
    else:
        services.sweep = getattr(sweep, "cohort_metrics", None) or getattr(sweep, "sweep", None)
    artifacts = Path(__file__).resolve().parents[1] / "nlp" / "models" / "artifacts"
    services.model_cards = lambda: artifact_cards(artifacts)
    return services
