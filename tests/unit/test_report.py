"""The audit report: HTML, PDF, CSV and JSON from result objects (no server, no database)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api import report as R
from nlp.results import CreatorTrust, PostAnalysis, Span

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "web" / "sample_audit.json"
WHEN = datetime(2025, 4, 1, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def sample() -> dict:
    d = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return {
        "analyses": [PostAnalysis.model_validate(x) for x in d["analyses"]],
        "trusts": [CreatorTrust.model_validate(x) for x in d["trusts"]],
        "texts": d["texts"],
        "sweep": d["sweep"],
    }


def _by_id(sample: dict, pid: str) -> PostAnalysis:
    return next(a for a in sample["analyses"] if a.post_id == pid)


def _pdf_text(pdf: bytes, tmp_path: Path) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    p = tmp_path / "r.pdf"
    p.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(p), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_highlight_marks_every_span_with_its_exact_text(sample: dict) -> None:
    a = _by_id(sample, "p1")
    text = sample["texts"]["p1"]
    html = str(R.post_view(a, text).caption_html)
    marked = "".join(re.findall(r"<mark[^>]*>(.*?)</mark>", html))
    for s in R.evidence_spans(a, text):
        assert s.text in marked
    assert 'data-labels="discount_code' in html or "discount_code" in html
    assert "discount code</span>" in html  # the label shown after the span


def test_highlight_overlapping_spans_keep_text_intact(sample: dict) -> None:
    text = sample["texts"]["p1"]
    spans = R.evidence_spans(_by_id(sample, "p1"), text)
    segs = R.highlight_segments(text, spans, None)
    assert "".join(s.text for s in segs) == text
    promo = next(s for s in segs if s.text == "GLOW20")
    assert set(promo.labels) == {"promo_call", "discount_code"}


def test_highlight_shows_fold_marker_and_missing_disclosure(sample: dict) -> None:
    a = _by_id(sample, "p2")
    text = sample["texts"]["p2"]
    v = R.post_view(a, text)
    assert v.fold == R.DEFAULT_FOLD_CHARS["instagram"] < len(text)
    html = str(v.caption_html)
    fold_at = html.index('class="fold"')
    assert html.index("#collab") > fold_at  # the weak disclosure sits after the fold
    assert not v.missing  # '#collab' is a (weak) disclosure, so not "missing"
    p1 = R.post_view(_by_id(sample, "p1"), sample["texts"]["p1"])
    assert p1.missing and "No disclosure found" in str(p1.caption_html)


def test_highlight_escapes_caption_html() -> None:
    text = '<script>alert(1)</script> #ad "x"'
    span = Span(start=27, end=30, text="#ad", label="disclosure")
    out = str(R.highlight_html(text, [span], None))
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert '<mark class="ev ev-found"' in out


def test_evidence_with_stale_offsets_is_not_highlighted(sample: dict) -> None:
    a = _by_id(sample, "p3").model_copy(deep=True)
    a.findings[0].evidence = [Span(start=5, end=8, text="#ad", label="disclosure")]
    spans = R.evidence_spans(a, sample["texts"]["p3"])
    assert all(sample["texts"]["p3"][s.start : s.end] == s.text for s in spans)


def test_fold_offset_prefers_the_analyzer(sample: dict) -> None:
    a = _by_id(sample, "p2").model_copy(deep=True)
    a.metrics["fold_offset"] = 40
    assert R.fold_offset(a, sample["texts"]["p2"]) == 40
    assert R.fold_offset(_by_id(sample, "p3"), sample["texts"]["p3"]) is None  # short caption


def test_disclosure_record_uses_worst_verdict_per_post(sample: dict) -> None:
    mia = [a for a in sample["analyses"] if a.creator == "glowwithmia"]
    rec = R.disclosure_record(mia)
    assert (rec.commercial, rec.compliant, rec.undisclosed, rec.inadequate) == (3, 0, 2, 1)
    lea = [a for a in sample["analyses"] if a.creator == "lea.paris"]
    assert R.disclosure_record(lea).text == "0/2 disclosed correctly"


def test_creator_report_html_has_every_section(sample: dict) -> None:
    t = sample["trusts"][0]
    rep = R.build_creator_report(t, sample["analyses"], sample["texts"], generated_at=WHEN)
    html = R.render_creator_html(rep)
    for needle in (
        "@glowwithmia",
        "2025-04-01 10:00",
        "48.6",
        "at risk",
        "39.2",
        "<svg",
        "Score components",
        "Tone over time",
        "Engagement against the tier benchmark",
        "uk.placement.before_fold",
        "Loi n° 2023-451",
        "uk@2025.1",
        "clearpost-e5-small-heads",
        _by_id(sample, "p1").content_sha256,
        "Method",
        "Replace &#39;#collab&#39; with &#39;#ad&#39;",
    ):
        assert needle in html, needle
    assert "lea.paris" not in html  # only this creator's posts
    assert html.count('class="post-card"') == 3  # p1, p2, p3 flagged; p4 not


def test_creator_report_pdf_has_pages_name_and_citations(sample: dict, tmp_path: Path) -> None:
    t = sample["trusts"][0]
    rep = R.build_creator_report(t, sample["analyses"], sample["texts"], generated_at=WHEN)
    pdf = R.render_creator_pdf(rep)
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type /Page\b", pdf)) >= 2
    text = _pdf_text(pdf, tmp_path)
    if text is None:
        pytest.skip("pdftotext (poppler-utils) absent: PDF text not checked")
    for needle in ("@glowwithmia", "48.6", "at risk", "Method", "uk@2025.1", "fr.art5.mention"):
        assert needle in text, needle
    assert _by_id(sample, "p1").content_sha256 in text.replace(" ", "")


def test_pdf_is_byte_identical_for_the_same_input(sample: dict) -> None:
    t = sample["trusts"][1]
    one = R.render_creator_pdf(
        R.build_creator_report(t, sample["analyses"], sample["texts"], generated_at=WHEN)
    )
    two = R.render_creator_pdf(
        R.build_creator_report(t, sample["analyses"], sample["texts"], generated_at=WHEN)
    )
    assert one == two


def test_pdf_survives_emoji_and_markup_characters(sample: dict, tmp_path: Path) -> None:
    a = _by_id(sample, "p1").model_copy(deep=True)
    text = "<b>& 😀 #ad</b> " + sample["texts"]["p1"]
    a.findings = []
    a.commercial.cues = []
    t = sample["trusts"][0].model_copy(update={"creator": "a<b>&c"})
    pdf = R.render_creator_pdf(R.build_creator_report(t, [a], {"p1": text}, generated_at=WHEN))
    txt = _pdf_text(pdf, tmp_path)
    if txt is not None:
        assert "a<b>&c" in txt


def test_cohort_report_html_and_pdf(sample: dict, tmp_path: Path) -> None:
    rep = R.build_cohort_report(
        sample["trusts"],
        sample["analyses"],
        sample["texts"],
        name="spring campaign",
        sweep=sample["sweep"],
        generated_at=WHEN,
    )
    assert [r.trust.creator for r in rep.rows] == ["glowwithmia", "lea.paris"]  # lowest first
    html = R.render_cohort_html(rep)
    assert "Creators who disclosed every commercial post" in html and "50% (1)" in html
    assert '<th scope="col" class="num">FR</th>' in html
    assert "@lea.paris" in html and "@glowwithmia" in html
    pdf = R.render_cohort_pdf(rep)
    text = _pdf_text(pdf, tmp_path)
    if text is not None:
        assert "spring campaign" in text and "@lea.paris" in text


def test_findings_csv_one_row_per_finding_and_no_formulas(sample: dict) -> None:
    a = _by_id(sample, "p1").model_copy(deep=True)
    a.findings[0].fix = '=HYPERLINK("http://evil")'
    out = R.findings_csv([a, *sample["analyses"][1:]])
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == sum(len(x.findings) for x in sample["analyses"])
    assert rows[0]["fix"].startswith("'=")
    assert rows[0]["content_sha256"] == a.content_sha256
    assert "GLOW20" in rows[0]["evidence"]


def test_findings_json_is_a_counted_list(sample: dict) -> None:
    doc = json.loads(R.findings_json(sample["analyses"], generated_at=WHEN))
    assert doc["count"] == len(doc["data"]) == sum(len(a.findings) for a in sample["analyses"])
    assert doc["data"][0]["evidence"][0]["label"]


def test_creator_report_bytes_formats(sample: dict) -> None:
    t = sample["trusts"][1]
    for fmt in ("html", "pdf", "csv", "json"):
        assert R.creator_report_bytes(
            fmt, t, sample["analyses"], sample["texts"], generated_at=WHEN
        )
    with pytest.raises(ValueError, match="html, pdf"):
        R.creator_report_bytes("docx", t, sample["analyses"])
    assert R.report_filename("lea.paris", "pdf", WHEN) == "clearpost-audit-lea.paris-20250401.pdf"
    assert "/" not in R.report_filename("../../etc", "pdf", WHEN)


def test_charts_are_accessible_svg(sample: dict) -> None:
    svg = str(R.component_chart_svg(sample["trusts"][0]))
    assert 'role="img"' in svg and "<title" in svg and "disclosure 25 of 100" in svg
    assert "<svg" in str(R.tone_chart_svg(sample["analyses"]))
    assert "tier median" in str(R.engagement_chart_svg(sample["analyses"]))
    assert "No dated posts" in str(R.tone_chart_svg([]))


def test_pdf_text_names_symbols_the_font_cannot_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    # a font covering ASCII/Latin-1 and the box only, as on a machine with no DejaVu
    cov = frozenset([*range(32, 256), 0x25A1])
    monkeypatch.setattr(R, "_pdf_fonts", lambda: ("Helvetica", "Helvetica-Bold", cov))
    got = R.pdf_safe("Love it 😍✨ run 🏃\u200d\u2640\ufe0f 👍🏽 漢 café\n#ad")
    assert got == (
        "Love it [smiling face with heart-shaped eyes][sparkles] run [runner][female sign] "
        "[thumbs up sign] □ café\n#ad"
    )
