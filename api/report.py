"""The audit report: what a compliance officer hands a regulator or a client.

Pure functions from result objects (``PostAnalysis``, ``CreatorTrust``) to HTML, PDF (reportlab,
pure Python: no system libraries), CSV and JSON. Nothing here touches the database or HTTP: the
routes and the CLI load the objects and call these, and the tests call them on fixtures.

The same helpers (evidence highlighting, SVG charts, disclosure record) feed the dashboard, so the
report and the screen always say the same thing.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from nlp import CODE_VERSION
from nlp.results import CreatorTrust, Finding, PostAnalysis, Span, Verdict

REPORT_FORMAT_VERSION = "1"
TEMPLATES_DIR = Path(__file__).resolve().parent / "web" / "templates"

# Where a platform's feed cuts a caption behind "more", used only when nlp.preprocess is not
# importable (characters; an approximation: the real cut also depends on line breaks and the
# device). A Span labelled "fold" or ``metrics["fold_offset"]`` in the analysis wins over both.
DEFAULT_FOLD_CHARS: dict[str, int] = {
    "instagram": 125,
    "tiktok": 100,
    "facebook": 125,
    "youtube": 100,
    "x": 280,
    "other": 125,
}

# worst first: a post's overall verdict is the worst of its jurisdictions' verdicts
VERDICT_ORDER: tuple[str, ...] = (
    Verdict.undisclosed.value,
    Verdict.inadequate.value,
    Verdict.needs_review.value,
    Verdict.compliant.value,
    Verdict.not_commercial.value,
)
VERDICT_TEXT: dict[str, str] = {
    "undisclosed": "Undisclosed ad",
    "inadequate": "Inadequate disclosure",
    "needs_review": "Needs review",
    "compliant": "Compliant",
    "not_commercial": "Not commercial",
}
VERDICT_COLOURS: dict[str, str] = {  # background, text: contrast >= 4.5:1 on both
    "undisclosed": "#b42318",
    "inadequate": "#a15c07",
    "needs_review": "#175cd3",
    "compliant": "#067647",
    "not_commercial": "#475467",
}
LABEL_TEXT: dict[str, str] = {
    "disclosure": "disclosure",
    "ambiguous_disclosure": "ambiguous disclosure",
    "brand_mention": "brand",
    "discount_code": "discount code",
    "affiliate_link": "affiliate link",
    "brand_hashtag": "brand's campaign hashtag",
    "brand_role": "role for a brand (campaign, face, ambassador, sponsor of the video)",
    "link": "link",
    "fold": "fold",
}
SWEEP_METRIC_TEXT: dict[str, str] = {  # nlp.scoring.sweep.SweepMetrics, in plain words
    "n_creators": "Creators in the cohort",
    "n_posts": "Posts analysed",
    "n_commercial_posts": "Commercial posts",
    "share_commercial": "Creators who posted commercial content",
    "share_systematically_disclosed": "Creators who disclosed every commercial post",
    "share_always_compliant": "Creators compliant on every commercial post",
    "share_disclosed_before_fold": "Disclosure visible without 'more' (of creators who disclosed)",
    "share_nonstandard_wording": "Creators who used only non-standard wording",
    "share_collaboration_wording": "Wrote 'collaboration' instead of an accepted label",
    "share_partnership_wording": "Wrote 'partnership' instead of an accepted label",
    "share_thanks_wording": "Thanked the brand instead of disclosing",
    "share_platform_label": "Used the platform's paid-partnership label",
    "commercial_share": "Share of posts that are commercial",
}
SWEEP_SKIP = {"jurisdiction", "version", "verdict_counts", "verdicts"}


# --------------------------------------------------------------------------------------------
# Evidence highlighting
# --------------------------------------------------------------------------------------------


def label_class(label: str) -> str:
    """CSS class family for an evidence label: found disclosure, weak disclosure, or a cue."""
    if label == "disclosure":
        return "found"
    if label.startswith("ambiguous") or label.endswith("_disclosure"):
        return "weak"
    if label in {"missing_disclosure", "missing"}:
        return "missing"
    return "cue"


def flag_text(flag: str) -> str:
    return flag.replace("_", " ")


def label_text(label: str) -> str:
    return LABEL_TEXT.get(label, label.replace("_", " "))


def fold_offset(analysis: PostAnalysis, text: str | None) -> int | None:
    """Where the caption is cut behind "more": the analyzer's offset, else the platform default.

    ``None`` when the whole caption is visible (shorter than the cut) or the text is unknown.
    """
    if text is None:
        return None
    for f in analysis.findings:
        for s in f.evidence:
            if s.label in {"fold", "more_fold"}:
                return s.start if s.start < len(text) else None
    raw = analysis.metrics.get("fold_offset")
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if 0 <= raw < len(text) else None
    try:  # the preprocessor's own landmark (normalised offsets mapped back to the original)
        from nlp.normalize import normalize
        from nlp.preprocess import fold_offset_for

        off = fold_offset_for(normalize(text), analysis.platform, analysis.format)
        return off if 0 < off < len(text) else None
    except (ImportError, AttributeError, TypeError, ValueError, IndexError):
        cut = DEFAULT_FOLD_CHARS.get(analysis.platform, DEFAULT_FOLD_CHARS["other"])
        return cut if len(text) > cut else None


def evidence_spans(analysis: PostAnalysis, text: str | None) -> list[Span]:
    """Every distinct evidence span of a post (findings + commercial cues) valid for ``text``."""
    seen: set[tuple[int, int, str]] = set()
    out: list[Span] = []
    candidates = [s for f in analysis.findings for s in f.evidence] + list(analysis.commercial.cues)
    for s in candidates:
        if s.label in {"fold", "more_fold"}:
            continue
        key = (s.start, s.end, s.label)
        if key in seen or s.end <= s.start:
            continue
        if text is not None and text[s.start : s.end] != s.text:
            continue  # offsets from another version of the text: never highlight the wrong words
        seen.add(key)
        out.append(s)
    return sorted(out, key=lambda s: (s.start, -s.end, s.label))


def disclosure_missing(analysis: PostAnalysis) -> bool:
    """An undisclosed verdict and no disclosure, not even a weak one, anywhere in the caption."""
    if not any(f.verdict == Verdict.undisclosed for f in analysis.findings):
        return False
    spans = [s for f in analysis.findings for s in f.evidence] + list(analysis.commercial.cues)
    return not any(label_class(s.label) in {"found", "weak"} for s in spans)


@dataclass(frozen=True)
class Segment:
    """A run of caption text with the evidence labels covering it, or a marker (no text)."""

    text: str = ""
    labels: tuple[str, ...] = ()
    details: tuple[str, ...] = ()
    ends: tuple[str, ...] = ()  # labels of spans that end with this segment (show their tag)
    marker: str | None = None  # "fold" or "missing"
    before_fold: bool = True

    @property
    def css(self) -> str:
        classes = {label_class(x) for x in self.labels}
        for c in ("missing", "weak", "found", "cue"):  # the cautious colour wins
            if c in classes:
                return c
        return "cue"


def highlight_segments(
    text: str, spans: Sequence[Span], fold: int | None, *, missing: bool = False
) -> list[Segment]:
    """Split ``text`` at every span boundary (spans may overlap) and at the fold."""
    bounds = {0, len(text)}
    for s in spans:
        bounds.update((max(0, s.start), min(len(text), s.end)))
    if fold is not None and 0 < fold < len(text):
        bounds.add(fold)
    cuts = sorted(bounds)
    segs: list[Segment] = []
    if missing:
        segs.append(Segment(marker="missing"))
    for a, b in zip(cuts, cuts[1:], strict=False):
        if fold is not None and a == fold:
            segs.append(Segment(marker="fold", before_fold=False))
        covering = [s for s in spans if s.start <= a and s.end >= b]
        ends = tuple(label_text(s.label) for s in covering if s.end == b)
        segs.append(
            Segment(
                text=text[a:b],
                labels=tuple(s.label for s in covering),
                details=tuple(s.detail or "" for s in covering if s.detail),
                ends=ends,
                before_fold=fold is None or a < fold,
            )
        )
    return segs


def highlight_html(
    text: str, spans: Sequence[Span], fold: int | None, *, missing: bool = False
) -> Markup:
    """The caption as HTML with ``<mark>`` around evidence, its label after it, the fold marker."""
    parts: list[str] = []
    for seg in highlight_segments(text, spans, fold, missing=missing):
        if seg.marker == "missing":
            parts.append(
                '<span class="ev-missing" role="note">'
                "No disclosure found: it should appear here, before the fold</span>"
            )
            continue
        if seg.marker == "fold":
            parts.append(
                '<span class="fold" role="separator" aria-label="more fold: the text after this '
                'is hidden behind more">&#8943; more</span>'
            )
            continue
        t = html.escape(seg.text)
        if seg.labels:
            names = ", ".join(dict.fromkeys(label_text(x) for x in seg.labels))
            title = names + (": " + "; ".join(seg.details) if seg.details else "")
            parts.append(
                f'<mark class="ev ev-{seg.css}" data-labels="{html.escape(" ".join(seg.labels))}"'
                f' title="{html.escape(title)}">{t}</mark>'
            )
            for lab in dict.fromkeys(seg.ends):
                parts.append(f'<span class="ev-tag ev-tag-{seg.css}">{html.escape(lab)}</span>')
        else:
            parts.append(t)
    return Markup("".join(parts))


# --------------------------------------------------------------------------------------------
# Derived views
# --------------------------------------------------------------------------------------------


def worst_verdict(findings: Iterable[Finding]) -> str | None:
    vs = {f.verdict.value for f in findings if f.kind == "disclosure"} or {
        f.verdict.value for f in findings
    }
    for v in VERDICT_ORDER:
        if v in vs:
            return v
    return None


def is_flagged(a: PostAnalysis) -> bool:
    return worst_verdict(a.findings) in {"undisclosed", "inadequate", "needs_review"} or bool(
        a.authenticity.flags
    )


@dataclass
class DisclosureRecord:
    commercial: int = 0
    compliant: int = 0
    inadequate: int = 0
    undisclosed: int = 0
    needs_review: int = 0

    @property
    def text(self) -> str:
        if not self.commercial:
            return "no commercial posts"
        return f"{self.compliant}/{self.commercial} disclosed correctly"

    @property
    def share(self) -> float | None:
        return self.compliant / self.commercial if self.commercial else None


def disclosure_record(analyses: Iterable[PostAnalysis]) -> DisclosureRecord:
    """Per commercial post, its worst verdict across the jurisdictions checked."""
    rec = DisclosureRecord()
    for a in analyses:
        w = worst_verdict(a.findings)
        if w is None or w == "not_commercial":
            if a.commercial.is_commercial and w is None:
                rec.commercial += 1
                rec.needs_review += 1
            continue
        rec.commercial += 1
        setattr(rec, w, getattr(rec, w) + 1)
    return rec


def band_colour(score: float) -> str:
    """Colour for a 0..100 value, on the trust profiles' band edges (high >= 80, medium >= 60)."""
    return "#067647" if score >= 80 else "#a15c07" if score >= 60 else "#b42318"


def _parse_time(s: str | None) -> datetime | None:
    if not s:
        return None
    try:
        d = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def tone_points(analyses: Iterable[PostAnalysis]) -> list[tuple[datetime, float, str]]:
    """(time, positive - negative in [-1, 1], post id) for posts with a date and a sentiment."""
    pts = []
    for a in analyses:
        t = _parse_time(a.posted_at)
        if t is None or a.tone is None or not a.tone.sentiment:
            continue
        s = a.tone.sentiment
        pts.append((t, float(s.get("positive", 0.0)) - float(s.get("negative", 0.0)), a.post_id))
    return sorted(pts)


def engagement_points(
    analyses: Iterable[PostAnalysis],
) -> list[tuple[datetime | None, float, str, str | None]]:
    """(time, percentile in tier 0..100, post id, tier) for posts with an engagement signal."""
    pts = []
    for a in analyses:
        e = a.authenticity.engagement
        if e is None or e.percentile_in_tier is None:
            continue
        p = float(e.percentile_in_tier)
        pts.append((_parse_time(a.posted_at), p * 100 if p <= 1.0 else p, a.post_id, e.tier))
    return sorted(pts, key=lambda x: (x[0] is None, x[0] or datetime.min.replace(tzinfo=UTC)))


def versions_summary(analyses: Iterable[PostAnalysis], trust: CreatorTrust | None = None) -> dict:
    code: set[str] = set()
    packs: dict[str, set[str]] = {}
    models: dict[str, set[str]] = {}
    schema: set[str] = set()
    objs = [a.versions for a in analyses] + ([trust.versions] if trust else [])
    for v in objs:
        code.add(v.code)
        schema.add(v.result_schema)
        for k, val in v.rule_packs.items():
            packs.setdefault(k, set()).add(val)
        for k, val in (v.model or {}).items():
            models.setdefault(k, set()).add(str(val))
    return {
        "code": sorted(code),
        "result_schema": sorted(schema),
        "rule_packs": {k: sorted(v) for k, v in sorted(packs.items())},
        "model": {k: sorted(v) for k, v in sorted(models.items())},
    }


# --------------------------------------------------------------------------------------------
# Exports
# --------------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "post_id",
    "creator",
    "platform",
    "posted_at",
    "jurisdiction",
    "kind",
    "verdict",
    "confidence",
    "rule_ids",
    "citation",
    "citation_url",
    "reasons",
    "evidence",
    "fix",
    "rule_pack",
    "content_sha256",
    "code_version",
    "model",
)


def findings_rows(analyses: Iterable[PostAnalysis]) -> list[dict[str, Any]]:
    rows = []
    for a in analyses:
        model = ";".join(f"{k}={v}" for k, v in sorted((a.versions.model or {}).items()))
        for f in a.findings:
            rows.append(
                {
                    "post_id": a.post_id,
                    "creator": a.creator,
                    "platform": a.platform,
                    "posted_at": a.posted_at,
                    "jurisdiction": f.jurisdiction,
                    "kind": f.kind,
                    "verdict": f.verdict.value,
                    "confidence": f.confidence,
                    "rule_ids": list(f.rule_ids),
                    "citation": f.citation,
                    "citation_url": f.citation_url,
                    "reasons": list(f.reasons),
                    "evidence": [s.model_dump(mode="json") for s in f.evidence],
                    "fix": f.fix,
                    "rule_pack": f.rule_pack,
                    "content_sha256": a.content_sha256,
                    "code_version": a.versions.code,
                    "model": model or None,
                }
            )
    return rows


def _csv_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        if v and isinstance(v[0], dict):
            v = " | ".join(f'{d["label"]}[{d["start"]}:{d["end"]}]="{d["text"]}"' for d in v)
        else:
            v = "; ".join(str(x) for x in v)
    s = str(v)
    # a spreadsheet must never run a cell as a formula (CSV injection)
    return "'" + s if s[:1] in {"=", "+", "-", "@", "\t", "\r"} else s


def findings_csv(analyses: Iterable[PostAnalysis]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(EXPORT_COLUMNS)
    for r in findings_rows(analyses):
        w.writerow([_csv_cell(r[c]) for c in EXPORT_COLUMNS])
    return buf.getvalue()


def findings_json(analyses: Iterable[PostAnalysis], *, generated_at: datetime | None = None) -> str:
    rows = findings_rows(analyses)
    doc = {
        "data": rows,
        "count": len(rows),
        "generated_at": (generated_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "report_format": REPORT_FORMAT_VERSION,
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


# --------------------------------------------------------------------------------------------
# SVG charts (inline, accessible: role=img + title + desc; the numbers are in a table next to them)
# --------------------------------------------------------------------------------------------


DASH3 = 'stroke-dasharray="3 3"'
DASH4 = 'stroke-dasharray="4 3"'


def _e(s: object) -> str:
    return html.escape(str(s), quote=True)


def component_chart_svg(trust: CreatorTrust, *, width: int = 560) -> Markup:
    comps = trust.components
    row, label_w, pad = 30, 170, 8
    h = row * max(1, len(comps)) + 34
    bar_w = width - label_w - 70
    desc = "; ".join(f"{c.name} {c.value * 100:.0f} of 100" for c in comps)
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {h}" width="100%" role="img" '
        f'aria-labelledby="cc-t cc-d" xmlns="http://www.w3.org/2000/svg">',
        '<title id="cc-t">Trust score components (0 to 100, higher is more trustworthy)</title>',
        f'<desc id="cc-d">{_e(desc)}</desc>',
    ]
    for tick in (0, 25, 50, 75, 100):
        x = label_w + bar_w * tick / 100
        out.append(
            f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{h - 24}" stroke="#d0d5dd" '
            f'stroke-width="1"/><text x="{x:.1f}" y="{h - 8}" font-size="11" fill="#475467" '
            f'text-anchor="middle">{tick}</text>'
        )
    for i, c in enumerate(comps):
        y = pad + i * row
        v = max(0.0, min(1.0, c.value)) * 100
        w = bar_w * v / 100
        out.append(
            f'<text x="{label_w - 8}" y="{y + 15}" font-size="13" fill="#101828" '
            f'text-anchor="end">{_e(c.name.replace("_", " "))}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="18" rx="2" '
            f'fill="{band_colour(v)}"/>'
        )
        if c.interval:
            lo, hi = (max(0.0, min(1.0, x)) * 100 for x in c.interval)
            x1, x2 = label_w + bar_w * lo / 100, label_w + bar_w * hi / 100
            out.append(
                f'<line x1="{x1:.1f}" y1="{y + 11}" x2="{x2:.1f}" y2="{y + 11}" '
                f'stroke="#101828" stroke-width="1.5"/>'
                f'<line x1="{x1:.1f}" y1="{y + 6}" x2="{x1:.1f}" y2="{y + 16}" stroke="#101828"/>'
                f'<line x1="{x2:.1f}" y1="{y + 6}" x2="{x2:.1f}" y2="{y + 16}" stroke="#101828"/>'
            )
        out.append(
            f'<text x="{label_w + bar_w + 8}" y="{y + 15}" font-size="13" fill="#101828">'
            f"{v:.0f}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))


def _time_axis(ts: Sequence[datetime], x0: float, x1: float):
    lo, hi = min(ts), max(ts)
    span = (hi - lo).total_seconds() or 1.0

    def fx(t: datetime) -> float:
        if lo == hi:
            return (x0 + x1) / 2
        return x0 + (x1 - x0) * (t - lo).total_seconds() / span

    return fx, lo, hi


def tone_chart_svg(
    analyses: Sequence[PostAnalysis], *, width: int = 560, height: int = 180
) -> Markup:
    pts = tone_points(analyses)
    if not pts:
        if analyses and all(a.tone is None for a in analyses):
            return Markup(
                '<p class="muted">No tone results: these posts were analysed without the tone '
                "model (rules only).</p>"
            )
        return Markup('<p class="muted">No dated posts with a tone result.</p>')
    x0, x1, y0, y1 = 44.0, width - 12.0, 12.0, height - 28.0
    fx, lo, hi = _time_axis([p[0] for p in pts], x0, x1)

    def fy(v: float) -> float:
        return y0 + (y1 - y0) * (1 - (v + 1) / 2)

    path = " ".join(
        f"{'M' if i == 0 else 'L'}{fx(t):.1f},{fy(v):.1f}" for i, (t, v, _) in enumerate(pts)
    )
    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="tc-t tc-d" xmlns="http://www.w3.org/2000/svg">',
        '<title id="tc-t">Tone over time: positive minus negative sentiment per post</title>',
        f'<desc id="tc-d">{len(pts)} posts from {lo:%Y-%m-%d} to {hi:%Y-%m-%d}; mean '
        f"{sum(p[1] for p in pts) / len(pts):+.2f} on a scale from -1 (negative) to +1 "
        "(positive)</desc>",
    ]
    for lv, name in ((1.0, "+1"), (0.0, "0"), (-1.0, "-1")):
        out.append(
            f'<line x1="{x0}" y1="{fy(lv):.1f}" x2="{x1}" y2="{fy(lv):.1f}" stroke="#d0d5dd" '
            f"{'' if lv == 0 else DASH3}/>"
            f'<text x="{x0 - 4}" y="{fy(lv) + 4:.1f}" font-size="10" fill="#475467" '
            f'text-anchor="end">{name}</text>'
        )
    out.append(f'<path d="{path}" fill="none" stroke="#175cd3" stroke-width="1.5"/>')
    for t, v, pid in pts:
        out.append(
            f'<circle cx="{fx(t):.1f}" cy="{fy(v):.1f}" r="3" fill="#175cd3">'
            f"<title>{_e(pid)} {t:%Y-%m-%d}: {v:+.2f}</title></circle>"
        )
    out.append(
        f'<text x="{x0}" y="{height - 8}" font-size="11" fill="#475467">{lo:%Y-%m-%d}</text>'
        f'<text x="{x1}" y="{height - 8}" font-size="11" fill="#475467" '
        f'text-anchor="end">{hi:%Y-%m-%d}</text></svg>'
    )
    return Markup("".join(out))


def engagement_chart_svg(
    analyses: Sequence[PostAnalysis], *, width: int = 560, height: int = 180
) -> Markup:
    pts = engagement_points(analyses)
    if not pts:
        return Markup(
            '<p class="muted">No engagement benchmark: the posts carry no follower or view '
            "counts to compare with the tier.</p>"
        )
    x0, x1, y0, y1 = 44.0, width - 12.0, 12.0, height - 28.0
    n = len(pts)
    step = (x1 - x0) / n
    tiers = sorted({p[3] for p in pts if p[3]})

    def fy(p: float) -> float:
        return y0 + (y1 - y0) * (1 - p / 100)

    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="ec-t ec-d" xmlns="http://www.w3.org/2000/svg">',
        '<title id="ec-t">Engagement against the tier benchmark: each post\'s percentile '
        "among creators of the same tier (50 = the tier median)</title>",
        f'<desc id="ec-d">{n} posts; median percentile '
        f"{sorted(p[1] for p in pts)[n // 2]:.0f}; tier {_e(', '.join(tiers) or 'unknown')}</desc>",
    ]
    for v in (0, 50, 100):
        out.append(
            f'<line x1="{x0}" y1="{fy(v):.1f}" x2="{x1}" y2="{fy(v):.1f}" '
            f'stroke="{"#101828" if v == 50 else "#d0d5dd"}" '
            f"{DASH4 if v == 50 else ''}/>"
            f'<text x="{x0 - 4}" y="{fy(v) + 4:.1f}" font-size="10" fill="#475467" '
            f'text-anchor="end">{v}</text>'
        )
    for i, (t, p, pid, _tier) in enumerate(pts):
        x = x0 + i * step + step * 0.15
        colour = "#b42318" if p >= 99 or p <= 1 else "#175cd3"
        out.append(
            f'<rect x="{x:.1f}" y="{fy(p):.1f}" width="{max(1.0, step * 0.7):.1f}" '
            f'height="{y1 - fy(p):.1f}" fill="{colour}"><title>{_e(pid)}'
            f"{' ' + format(t, '%Y-%m-%d') if t else ''}: percentile {p:.0f}</title></rect>"
        )
    out.append(
        f'<text x="{x1}" y="{fy(50) - 4:.1f}" font-size="10" fill="#101828" '
        f'text-anchor="end">tier median</text></svg>'
    )
    return Markup("".join(out))


# --------------------------------------------------------------------------------------------
# Report model
# --------------------------------------------------------------------------------------------

METHOD_TEXT = (
    "Each post was read once by clearpost's analyzer. It looks for signs that the post is "
    "commercial (brand tags, discount codes, affiliate links, gifted products, the platform's "
    "paid-partnership label) and for a disclosure (for example #ad, 'Publicité' or 'Werbung'), "
    "then checks the disclosure against each jurisdiction's rule pack: the accepted words, "
    "where they must appear (before the 'more' fold, at the start) and what does not count. "
    "Every verdict names the rules applied, the legal text they come from, and the exact words "
    "in the caption that support it; a verdict the analyzer is unsure of is marked 'needs "
    "review' for a person to decide. The trust score (0 to 100) is a weighted combination of "
    "components (disclosure record, authenticity of text, comments and engagement, and others "
    "listed below), each between 0 and 1; the interval shows how much the score could move "
    "with the number of posts available, so a score from few posts is less certain. The score "
    "is an aid to prioritise review, not a legal finding. Each post is identified by the "
    "SHA-256 hash of its content, so anyone can check that the report describes exactly the "
    "text that was analysed, and the rule-pack and model versions below let the analysis be "
    "reproduced."
)


@dataclass
class PostView:
    analysis: PostAnalysis
    text: str | None
    verdict: str | None
    flagged: bool
    fold: int | None
    spans: list[Span]
    missing: bool

    @property
    def caption_html(self) -> Markup:
        if self.text is None:
            return Markup('<span class="muted">(caption not stored)</span>')
        return highlight_html(self.text, self.spans, self.fold, missing=self.missing)

    @property
    def fixes(self) -> list[str]:
        return list(dict.fromkeys(f.fix for f in self.analysis.findings if f.fix))


def post_view(a: PostAnalysis, text: str | None) -> PostView:
    return PostView(
        analysis=a,
        text=text,
        verdict=worst_verdict(a.findings),
        flagged=is_flagged(a),
        fold=fold_offset(a, text),
        spans=evidence_spans(a, text),
        missing=disclosure_missing(a),
    )


@dataclass
class CreatorReport:
    trust: CreatorTrust
    posts: list[PostView]
    generated_at: datetime
    record: DisclosureRecord
    versions: dict
    verdict_counts: dict[str, Counter] = field(default_factory=dict)
    title: str = ""

    @property
    def report_id(self) -> str:
        """Fingerprint of what the report is about: the content hashes and the versions."""
        h = hashlib.sha256()
        h.update(self.trust.creator.encode())
        for p in sorted(self.posts, key=lambda p: p.analysis.post_id):
            h.update(p.analysis.content_sha256.encode())
        h.update(json.dumps(self.versions, sort_keys=True).encode())
        return h.hexdigest()[:16]

    @property
    def flagged(self) -> list[PostView]:
        return [p for p in self.posts if p.flagged]

    @property
    def with_findings(self) -> list[PostView]:
        return [p for p in self.posts if p.analysis.findings]


def text_for(texts: Mapping[str, str], a: PostAnalysis) -> str | None:
    """The caption of ``a``: keyed ``platform:post_id`` (unique) or plain ``post_id``."""
    return texts.get(f"{a.platform}:{a.post_id}", texts.get(a.post_id))


def verdict_counts(analyses: Iterable[PostAnalysis]) -> dict[str, Counter]:
    out: dict[str, Counter] = {}
    for a in analyses:
        for f in a.findings:
            out.setdefault(f.jurisdiction, Counter())[f.verdict.value] += 1
    return dict(sorted(out.items()))


def _sort_posts(analyses: Iterable[PostAnalysis]) -> list[PostAnalysis]:
    return sorted(analyses, key=lambda a: (a.posted_at or "", a.post_id), reverse=True)


def build_creator_report(
    trust: CreatorTrust,
    analyses: Sequence[PostAnalysis],
    texts: Mapping[str, str] | None = None,
    *,
    generated_at: datetime | None = None,
) -> CreatorReport:
    texts = texts or {}
    mine = [a for a in analyses if a.creator == trust.creator] or list(analyses)
    return CreatorReport(
        trust=trust,
        posts=[post_view(a, text_for(texts, a)) for a in _sort_posts(mine)],
        generated_at=generated_at or datetime.now(UTC),
        record=disclosure_record(mine),
        versions=versions_summary(mine, trust),
        verdict_counts=verdict_counts(mine),
        title=f"Influencer compliance audit: @{trust.creator}",
    )


@dataclass
class CohortRow:
    trust: CreatorTrust
    record: DisclosureRecord
    n_flagged: int


@dataclass
class CohortReport:
    name: str
    rows: list[CohortRow]
    posts: list[PostView]
    sweep: dict[str, Any]
    generated_at: datetime
    versions: dict
    verdict_counts: dict[str, Counter]

    @property
    def title(self) -> str:
        return f"Cohort compliance audit: {self.name}"

    @property
    def flagged(self) -> list[PostView]:
        return [p for p in self.posts if p.flagged]

    @property
    def report_id(self) -> str:
        h = hashlib.sha256(self.name.encode())
        for p in sorted(self.posts, key=lambda p: p.analysis.post_id):
            h.update(p.analysis.content_sha256.encode())
        h.update(json.dumps(self.versions, sort_keys=True).encode())
        return h.hexdigest()[:16]


def _sweep_dict(sweep: Any) -> dict[str, Any]:
    if hasattr(sweep, "model_dump"):
        sweep = sweep.model_dump(mode="json")
    return dict(sweep) if isinstance(sweep, Mapping) else {}


def _sweep_value(m: Mapping[str, Any], k: str) -> str:
    v = m.get(k)
    if v is None:
        return "n/a"
    if k.startswith("share") or k.endswith("_share"):
        count = m.get("creators_" + k.removeprefix("share_")) if k.startswith("share_") else None
        pct = f"{float(v) * 100:.0f}%"
        return f"{pct} ({count})" if isinstance(count, int) else pct
    return f"{v:.2f}" if isinstance(v, float) else str(v)


def sweep_items(sweep: Mapping[str, Any] | Any | None) -> list[tuple[str, str, str]]:
    """(key, plain label, formatted value) for one set of sweep metrics (flat)."""
    m = _sweep_dict(sweep)
    keys = [k for k in m if k not in SWEEP_SKIP and not k.startswith("creators_")]
    keys = [k for k in keys if not isinstance(m[k], dict | list)]
    return [
        (k, SWEEP_METRIC_TEXT.get(k, k.replace("_", " ").capitalize()), _sweep_value(m, k))
        for k in keys
    ]


def sweep_table(
    sweeps: Mapping[str, Any] | None,
) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Per-jurisdiction sweep metrics as (jurisdictions, [(label, value per jurisdiction)]).

    Accepts ``{jurisdiction: metrics}`` or one flat metrics mapping (one unnamed column)."""
    if not sweeps:
        return [], []
    d = _sweep_dict(sweeps)
    if d and all(isinstance(v, Mapping) or hasattr(v, "model_dump") for v in d.values()):
        cols = {str(k): _sweep_dict(v) for k, v in d.items()}
    else:
        cols = {"": d}
    keys: list[str] = []
    for m in cols.values():
        for k, _label, _v in sweep_items(m):
            if k not in keys:
                keys.append(k)
    rows = [
        (
            SWEEP_METRIC_TEXT.get(k, k.replace("_", " ").capitalize()),
            [_sweep_value(m, k) for m in cols.values()],
        )
        for k in keys
    ]
    return list(cols), rows


def build_cohort_report(
    trusts: Sequence[CreatorTrust],
    analyses: Sequence[PostAnalysis],
    texts: Mapping[str, str] | None = None,
    *,
    name: str = "all creators",
    sweep: Mapping[str, Any] | Any | None = None,
    generated_at: datetime | None = None,
) -> CohortReport:
    texts = texts or {}
    by_creator: dict[str, list[PostAnalysis]] = {}
    for a in analyses:
        by_creator.setdefault(a.creator, []).append(a)
    rows = [
        CohortRow(
            trust=t,
            record=disclosure_record(by_creator.get(t.creator, [])),
            n_flagged=sum(is_flagged(a) for a in by_creator.get(t.creator, [])),
        )
        for t in sorted(trusts, key=lambda t: (t.score, t.creator))
    ]
    return CohortReport(
        name=name,
        rows=rows,
        posts=[post_view(a, text_for(texts, a)) for a in _sort_posts(analyses)],
        sweep=_sweep_dict(sweep) if sweep is not None else {},
        generated_at=generated_at or datetime.now(UTC),
        versions=versions_summary(analyses),
        verdict_counts=verdict_counts(analyses),
    )


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def template_env():  # -> jinja2.Environment (jinja2 imported lazily: the CLI may not need it)
    import jinja2

    env = jinja2.Environment(
        # the static folder too, so a standalone report can inline the dashboard's stylesheet
        loader=jinja2.FileSystemLoader([str(TEMPLATES_DIR), str(TEMPLATES_DIR.parent / "static")]),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        VERDICT_TEXT=VERDICT_TEXT,
        VERDICT_COLOURS=VERDICT_COLOURS,
        VERDICT_ORDER=VERDICT_ORDER,
        METHOD_TEXT=METHOD_TEXT,
        band_colour=band_colour,
        label_text=label_text,
        flag_text=flag_text,
        worst_first=worst_first,
        component_chart_svg=component_chart_svg,
        tone_chart_svg=tone_chart_svg,
        engagement_chart_svg=engagement_chart_svg,
        sweep_items=sweep_items,
        sweep_table=sweep_table,
    )
    return env


def render_creator_html(report: CreatorReport) -> str:
    return template_env().get_template("report/creator.html").render(r=report)


def render_cohort_html(report: CohortReport) -> str:
    return template_env().get_template("report/cohort.html").render(r=report)


# --------------------------------------------------------------------------------------------
# PDF (reportlab)
# --------------------------------------------------------------------------------------------

_FONT_CANDIDATES = (
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
)


@lru_cache(maxsize=1)
def _pdf_fonts() -> tuple[str, str, frozenset[int] | None]:
    """(regular, bold, covered code points): DejaVu when the system has it, else reportlab's
    bundled Vera; ``None`` coverage means the standard Helvetica (Latin-1 only)."""
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    rl_fonts = Path(reportlab.__file__).parent / "fonts"
    for reg, bold in (
        *_FONT_CANDIDATES,
        (str(rl_fonts / "Vera.ttf"), str(rl_fonts / "VeraBd.ttf")),
    ):
        if Path(reg).is_file() and Path(bold).is_file():
            try:
                f = TTFont("CPSans", reg)
                pdfmetrics.registerFont(f)
                pdfmetrics.registerFont(TTFont("CPSans-Bold", bold))
                from reportlab.lib.fonts import addMapping

                addMapping("CPSans", 0, 0, "CPSans")
                addMapping("CPSans", 1, 0, "CPSans-Bold")
                addMapping("CPSans", 0, 1, "CPSans")
                addMapping("CPSans", 1, 1, "CPSans-Bold")
                return "CPSans", "CPSans-Bold", frozenset(f.face.charToGlyph.keys())
            except Exception:  # a broken font file: try the next one
                continue
    return "Helvetica", "Helvetica-Bold", None


# joiners, variation selectors and skin-tone modifiers: parts of an emoji, not characters to name
_EMOJI_GLUE = frozenset([0x200D, 0xFE0E, 0xFE0F, *range(0x1F3FB, 0x1F400)])


def pdf_safe(text: str) -> str:
    """Characters the PDF font cannot draw: an emoji or symbol becomes its Unicode name in
    brackets ('😍' -> '[smiling face with heart-shaped eyes]', so a reader of the report still
    sees what the caption said), glue characters inside emoji sequences are dropped, anything
    else becomes U+25A1 '□' (or '?')."""
    import unicodedata

    _, _, cov = _pdf_fonts()
    box = "\u25a1" if cov is not None and 0x25A1 in cov else "?"
    out: list[str] = []
    for c in text:
        o = ord(c)
        if c in "\n\t" or (o in cov if cov is not None else o < 256):
            out.append(c)
        elif o in _EMOJI_GLUE:
            continue
        elif unicodedata.category(c) == "So" and (name := unicodedata.name(c, None)):
            out.append(f"[{name.lower()}]")
        else:
            out.append(box)
    return "".join(out)


def _x(text: object) -> str:
    """Escape for reportlab's paragraph mini-markup, after making the text drawable."""
    return html.escape(pdf_safe(str(text)), quote=False).replace("\n", "<br/>")


_PDF_MARK = {"found": "#c9f0d7", "weak": "#fde7b0", "cue": "#dbe7fe", "missing": "#fcd4d0"}


def highlight_pdf_markup(view: PostView) -> str:
    if view.text is None:
        return "<i>(caption not stored)</i>"
    parts = []
    for seg in highlight_segments(view.text, view.spans, view.fold, missing=view.missing):
        if seg.marker == "missing":
            parts.append(
                f'<font backColor="{_PDF_MARK["missing"]}"><b>[no disclosure found: it should '
                "appear here, before the fold]</b></font> "
            )
        elif seg.marker == "fold":
            parts.append('<font color="#b42318"><b> [... more fold] </b></font>')
        elif seg.labels:
            parts.append(f'<font backColor="{_PDF_MARK[seg.css]}">{_x(seg.text)}</font>')
            for lab in dict.fromkeys(seg.ends):
                parts.append(f'<font size="7" color="#344054"><sup>[{_x(lab)}]</sup></font>')
        else:
            parts.append(_x(seg.text))
    return "".join(parts)


def _pdf_styles():
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

    reg, bold, _ = _pdf_fonts()
    ss = getSampleStyleSheet()
    base = ParagraphStyle("cp", parent=ss["Normal"], fontName=reg, fontSize=9, leading=12)
    return {
        "title": ParagraphStyle(
            "cpt", parent=base, fontName=bold, fontSize=17, leading=21, spaceAfter=4
        ),
        "h2": ParagraphStyle(
            "cph2",
            parent=base,
            fontName=bold,
            fontSize=12,
            leading=15,
            spaceBefore=10,
            spaceAfter=4,
        ),
        "h3": ParagraphStyle(
            "cph3", parent=base, fontName=bold, fontSize=10, leading=13, spaceBefore=6, spaceAfter=2
        ),
        "body": base,
        "small": ParagraphStyle("cps", parent=base, fontSize=7.5, leading=9.5),
        "mono": ParagraphStyle("cpm", parent=base, fontName="Courier", fontSize=7, leading=9),
        "cell": ParagraphStyle("cpc", parent=base, fontSize=8, leading=10),
        "cellb": ParagraphStyle("cpcb", parent=base, fontName=bold, fontSize=8, leading=10),
        "score": ParagraphStyle("cpsc", parent=base, fontName=bold, fontSize=13, leading=17),
    }


def _table(rows: list[list[Any]], widths: list[float], st: dict, header: bool = True):
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    data = [
        [
            c
            if not isinstance(c, str)
            else Paragraph(c, st["cellb" if header and i == 0 else "cell"])
            for c in r
        ]
        for i, r in enumerate(rows)
    ]
    t = Table(data, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d5dd")),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f4f7")))
    t.setStyle(TableStyle(style))
    return t


def _component_drawing(trust: CreatorTrust, width: float):
    from reportlab.graphics.shapes import Drawing, Line, Rect, String
    from reportlab.lib import colors

    reg, _, _ = _pdf_fonts()
    row, label_w = 18, 130
    n = max(1, len(trust.components))
    h = row * n + 20
    bar_w = width - label_w - 40
    d = Drawing(width, h)
    for tick in (0, 25, 50, 75, 100):
        x = label_w + bar_w * tick / 100
        d.add(Line(x, 14, x, h, strokeColor=colors.HexColor("#d0d5dd"), strokeWidth=0.5))
        d.add(String(x, 3, str(tick), fontName=reg, fontSize=7, textAnchor="middle"))
    for i, c in enumerate(trust.components):
        y = h - (i + 1) * row
        v = max(0.0, min(1.0, c.value)) * 100
        d.add(
            String(
                label_w - 5,
                y + 5,
                pdf_safe(c.name.replace("_", " ")),
                fontName=reg,
                fontSize=8,
                textAnchor="end",
            )
        )
        d.add(
            Rect(
                label_w,
                y + 2,
                bar_w * v / 100,
                12,
                fillColor=colors.HexColor(band_colour(v)),
                strokeColor=None,
            )
        )
        if c.interval:
            lo, hi = (max(0.0, min(1.0, x)) * 100 for x in c.interval)
            d.add(
                Line(
                    label_w + bar_w * lo / 100,
                    y + 8,
                    label_w + bar_w * hi / 100,
                    y + 8,
                    strokeWidth=1,
                )
            )
        d.add(String(label_w + bar_w + 4, y + 5, f"{v:.0f}", fontName=reg, fontSize=8))
    return d


def _fmt_interval(iv: tuple[float, float] | None, scale: float = 1.0, digits: int = 1) -> str:
    if not iv:
        return "n/a"
    return f"{iv[0] * scale:.{digits}f} to {iv[1] * scale:.{digits}f}"


def _pdf_build(story: list, title: str, generated_at: datetime, report_id: str) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    reg, _, _ = _pdf_fonts()
    buf = io.BytesIO()

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(reg, 7)
        canvas.setFillColor(colors.HexColor("#475467"))
        canvas.drawString(
            15 * mm,
            9 * mm,
            pdf_safe(f"{title} | generated {generated_at:%Y-%m-%d %H:%M} UTC | report {report_id}"),
        )
        canvas.drawRightString(A4[0] - 15 * mm, 9 * mm, f"page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=16 * mm,
        title=pdf_safe(title),
        author="clearpost",
        subject="Influencer disclosure and trust audit",
        creator=f"clearpost {CODE_VERSION}",
        invariant=1,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def _pdf_versions(versions: dict, st: dict, width: float) -> list:
    from reportlab.platypus import Paragraph

    rows = [["What", "Version"]]
    rows.append(["clearpost code", _x(", ".join(versions["code"]))])
    rows.append(["result schema", _x(", ".join(versions["result_schema"]))])
    for k, v in versions["rule_packs"].items():
        rows.append([_x(f"rule pack {k}"), _x(", ".join(v))])
    for k, v in versions["model"].items():
        rows.append([_x(f"model {k}"), _x(", ".join(v))])
    if not versions["model"]:
        rows.append(["model", "none recorded (rule-based analysis)"])
    return [Paragraph("Versions", st["h2"]), _table(rows, [width * 0.35, width * 0.65], st)]


def _pdf_hashes(posts: Sequence[PostView], st: dict, width: float) -> list:
    from reportlab.platypus import Paragraph

    rows = [["Post", "Content SHA-256"]]
    for p in sorted(posts, key=lambda p: p.analysis.post_id):
        rows.append(
            [
                _x(p.analysis.post_id),
                f'<font name="Courier" size="7">{p.analysis.content_sha256}</font>',
            ]
        )
    return [
        Paragraph("Content hashes", st["h2"]),
        Paragraph(
            "The SHA-256 of each post's content as analysed (caption, metrics, comments). "
            "Re-hashing the same post gives the same value; any change to the content changes it.",
            st["small"],
        ),
        _table(rows, [width * 0.3, width * 0.7], st),
    ]


def worst_first(posts: Sequence[PostView]) -> list[PostView]:
    """Flagged posts in the order a reviewer wants them: worst verdict, then newest."""
    rank = {v: i for i, v in enumerate(VERDICT_ORDER)}
    by_date = sorted(posts, key=lambda p: p.analysis.posted_at or "", reverse=True)
    return sorted(by_date, key=lambda p: rank.get(p.verdict or "", len(rank)))


def _pdf_finding_details(
    posts: Sequence[PostView], st: dict, width: float, *, cohort: bool = False
) -> list:
    from reportlab.platypus import KeepTogether, Paragraph, Spacer

    out: list = [Paragraph("Findings in detail", st["h2"])]
    if not posts:
        out.append(Paragraph("No findings.", st["body"]))
    for p in posts:
        a = p.analysis
        block = [
            Paragraph(
                _x(f"Post {a.post_id}")
                + (_x(f" @{a.creator}") if cohort else "")
                + _x(f"  ({a.platform}, {(a.posted_at or 'date unknown')[:16].replace('T', ' ')})")
                + (
                    f' <font color="{VERDICT_COLOURS[p.verdict]}"><b>{_x(VERDICT_TEXT[p.verdict])}</b></font>'
                    if p.verdict
                    else ""
                ),
                st["h3"],
            ),
            Paragraph(highlight_pdf_markup(p), st["body"]),
        ]
        rows = [["Jurisdiction", "Verdict", "Evidence", "Rule and citation", "Suggested fix"]]
        for f in a.findings:
            ev = (
                "<br/>".join(
                    f'<font backColor="{_PDF_MARK[label_class(s.label)]}">{_x(s.text)}</font> '
                    f"({_x(label_text(s.label))}, chars {s.start}-{s.end})"
                    for s in f.evidence
                )
                or "none in the caption"
            )
            reasons = "<br/>".join(_x(r.replace("_", " ")) for r in f.reasons)
            cite = _x(", ".join(f.rule_ids)) + "<br/>" + _x(f.citation)
            if f.citation_url:
                cite += f'<br/><font size="6.5">{_x(f.citation_url)}</font>'
            cite += f'<br/><font size="6.5" color="#475467">{_x(f.rule_pack)}</font>'
            rows.append(
                [
                    _x(f.jurisdiction.upper()),
                    f'<font color="{VERDICT_COLOURS[f.verdict.value]}"><b>{_x(VERDICT_TEXT[f.verdict.value])}</b></font>'
                    f"<br/>confidence {f.confidence:.2f}" + (f"<br/>{reasons}" if reasons else ""),
                    ev,
                    cite,
                    _x(f.fix or ""),
                ]
            )
        block.append(
            _table(rows, [width * 0.12, width * 0.2, width * 0.21, width * 0.26, width * 0.21], st)
        )
        if a.authenticity.flags:
            block.append(
                Paragraph("Authenticity flags: " + _x(", ".join(a.authenticity.flags)), st["small"])
            )
        block.append(Spacer(1, 6))
        out.append(KeepTogether(block[:2]))
        out.extend(block[2:])
    return out


def render_creator_pdf(report: CreatorReport) -> bytes:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    st = _pdf_styles()
    width = 180 * mm
    t = report.trust
    story: list = [
        Paragraph(_x(report.title), st["title"]),
        Paragraph(
            _x(
                f"Creator @{t.creator}"
                + (f" on {t.platform}" if t.platform else "")
                + f" | generated {report.generated_at:%Y-%m-%d %H:%M} UTC"
            ),
            st["body"],
        ),
        Spacer(1, 6),
    ]
    meta = [
        ["Creator", _x(f"@{t.creator}")],
        ["Platform", _x(t.platform or "various")],
        ["Period", _x(f"{(t.period[0] or '?')[:10]} to {(t.period[1] or '?')[:10]}")],
        ["Posts analysed", str(t.n_posts)],
        ["Scoring profile", _x(t.profile)],
        ["Disclosure record", _x(report.record.text)],
        ["Date of report", f"{report.generated_at:%Y-%m-%d %H:%M} UTC"],
        ["Report fingerprint", report.report_id],
    ]
    story.append(_table(meta, [width * 0.3, width * 0.7], st, header=False))
    story.append(Spacer(1, 8))
    story.append(
        Paragraph(
            f'Trust score <font color="{band_colour(t.score)}">{t.score:.1f} / 100</font>, '
            f"band {_x(t.band)}, interval {_fmt_interval(t.interval)}",
            st["score"],
        )
    )
    if t.flags:
        story.append(
            Paragraph("Flags: " + _x(", ".join(flag_text(x) for x in t.flags)), st["body"])
        )
    story.append(Paragraph("Score components", st["h2"]))
    story.append(_component_drawing(t, width))
    rows = [["Component", "Value (0-1)", "Weight", "Points", "Interval", "Evidence posts"]]
    for c in t.components:
        rows.append(
            [
                _x(c.name.replace("_", " ")),
                f"{c.value:.2f}",
                f"{c.weight:.2f}",
                f"{c.contribution:.1f}",
                _fmt_interval(c.interval, digits=2),
                _x(
                    ", ".join(c.evidence[:8])
                    + (f" (+{len(c.evidence) - 8})" if len(c.evidence) > 8 else "")
                ),
            ]
        )
    story.append(
        _table(
            rows,
            [width * 0.22, width * 0.11, width * 0.09, width * 0.09, width * 0.15, width * 0.34],
            st,
        )
    )

    story.append(Paragraph("Findings", st["h2"]))
    if report.verdict_counts:
        rows = [["Jurisdiction", *[VERDICT_TEXT[v] for v in VERDICT_ORDER]]]
        for j, counts in report.verdict_counts.items():
            rows.append([_x(j.upper()), *[str(counts.get(v, 0)) for v in VERDICT_ORDER]])
        story.append(_table(rows, [width * 0.2] + [width * 0.16] * 5, st))
        story.append(Spacer(1, 6))
    rows = [["Post", "Date", "Jurisdiction", "Verdict", "Rules", "Conf."]]
    listed = [
        (p, f)
        for p in report.with_findings
        for f in p.analysis.findings
        if f.verdict != Verdict.not_commercial
    ]
    listed.sort(
        key=lambda pf: (VERDICT_ORDER.index(pf[1].verdict.value), pf[0].analysis.posted_at or "")
    )
    n_plain = sum(1 for p in report.posts if p.verdict in (None, "not_commercial"))
    for p, f in listed:
        rows.append(
            [
                _x(p.analysis.post_id),
                _x((p.analysis.posted_at or "")[:10]),
                _x(f.jurisdiction.upper()),
                f'<font color="{VERDICT_COLOURS[f.verdict.value]}">{_x(VERDICT_TEXT[f.verdict.value])}</font>',
                _x(", ".join(f.rule_ids)),
                f"{f.confidence:.2f}",
            ]
        )
    if len(rows) > 1:
        story.append(
            _table(
                rows,
                [width * 0.2, width * 0.12, width * 0.12, width * 0.18, width * 0.3, width * 0.08],
                st,
            )
        )
    else:
        story.append(Paragraph("No commercial post was found for this creator.", st["body"]))
    if n_plain:
        story.append(
            Paragraph(
                f"{n_plain} post(s) with no sign of commercial content are not listed (they are "
                "counted above and their hashes are below).",
                st["small"],
            )
        )
    story.extend(
        _pdf_finding_details(worst_first([p for p in report.with_findings if p.flagged]), st, width)
    )
    story.append(Paragraph("Method", st["h2"]))
    story.append(Paragraph(_x(METHOD_TEXT), st["body"]))
    story.extend(_pdf_versions(report.versions, st, width))
    story.extend(_pdf_hashes(report.posts, st, width))
    return _pdf_build(story, report.title, report.generated_at, report.report_id)


def render_cohort_pdf(report: CohortReport) -> bytes:
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    st = _pdf_styles()
    width = 180 * mm
    story: list = [
        Paragraph(_x(report.title), st["title"]),
        Paragraph(
            _x(
                f"{len(report.rows)} creators, {len(report.posts)} posts | generated {report.generated_at:%Y-%m-%d %H:%M} UTC | report {report.report_id}"
            ),
            st["body"],
        ),
    ]
    cols, srows = sweep_table(report.sweep)
    if srows:
        story.append(Paragraph("Cohort metrics (EU sweep method)", st["h2"]))
        story.append(
            Paragraph(
                "Share of the cohort's creators (count in brackets), by the jurisdiction whose "
                "findings were used.",
                st["small"],
            )
        )
        head = ["Metric", *[(c.upper() or "Value") for c in cols]]
        cw = (width * 0.5) / max(1, len(cols))
        story.append(
            _table(
                [head] + [[_x(lbl), *[_x(v) for v in vals]] for lbl, vals in srows],
                [width * 0.5] + [cw] * len(cols),
                st,
            )
        )
    story.append(Paragraph("Creators, lowest trust first", st["h2"]))
    rows = [
        [
            "Creator",
            "Score",
            "Band",
            "Interval",
            "Posts",
            "Disclosure record",
            "Flagged posts",
            "Flags",
        ]
    ]
    for r in report.rows:
        t = r.trust
        rows.append(
            [
                _x(f"@{t.creator}"),
                f'<font color="{band_colour(t.score)}"><b>{t.score:.1f}</b></font>',
                _x(t.band),
                _fmt_interval(t.interval),
                str(t.n_posts),
                _x(r.record.text),
                str(r.n_flagged),
                _x(", ".join(flag_text(x) for x in t.flags)),
            ]
        )
    story.append(
        _table(rows, [width * w for w in (0.18, 0.08, 0.09, 0.13, 0.07, 0.17, 0.09, 0.19)], st)
    )
    if report.verdict_counts:
        story.append(Paragraph("Verdicts by jurisdiction", st["h2"]))
        rows = [["Jurisdiction", *[VERDICT_TEXT[v] for v in VERDICT_ORDER]]]
        for j, counts in report.verdict_counts.items():
            rows.append([_x(j.upper()), *[str(counts.get(v, 0)) for v in VERDICT_ORDER]])
        story.append(_table(rows, [width * 0.2] + [width * 0.16] * 5, st))
    story.append(Spacer(1, 4))
    story.extend(_pdf_finding_details(worst_first(report.flagged), st, width, cohort=True))
    story.append(Paragraph("Method", st["h2"]))
    story.append(Paragraph(_x(METHOD_TEXT), st["body"]))
    story.extend(_pdf_versions(report.versions, st, width))
    story.extend(_pdf_hashes(report.posts, st, width))
    return _pdf_build(story, report.title, report.generated_at, report.report_id)


# --------------------------------------------------------------------------------------------
# One call per format, for routes and the CLI
# --------------------------------------------------------------------------------------------

REPORT_MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


def creator_report_bytes(
    fmt: str,
    trust: CreatorTrust,
    analyses: Sequence[PostAnalysis],
    texts: Mapping[str, str] | None = None,
    *,
    generated_at: datetime | None = None,
) -> bytes:
    if fmt == "csv":
        return findings_csv(analyses).encode()
    if fmt == "json":
        return findings_json(analyses, generated_at=generated_at).encode()
    rep = build_creator_report(trust, analyses, texts, generated_at=generated_at)
    if fmt == "pdf":
        return render_creator_pdf(rep)
    if fmt == "html":
        return render_creator_html(rep).encode()
    raise ValueError(f"unknown report format {fmt!r}: use one of html, pdf, csv, json")


def report_filename(handle: str, fmt: str, generated_at: datetime | None = None) -> str:
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in handle)[:80] or "creator"
    return f"clearpost-audit-{safe}-{(generated_at or datetime.now(UTC)):%Y%m%d}.{fmt}"
