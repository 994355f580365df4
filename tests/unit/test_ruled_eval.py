"""training.ruled: agreement of the audit with regulators' rulings, on a file of our own posts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training import ruled

ROWS = [
    # a personal code and a swipe-up, no label: the regulator upheld
    {"id": "a", "jurisdiction": "uk", "text": "Code LUCY60 for 60% off @curlco Swipe up!",
     "expected": "not_compliant"},
    # '#ad' first: judged adequately identified
    {"id": "b", "jurisdiction": "uk", "text": "#ad Code LUCY60 for 60% off @curlco",
     "expected": "compliant"},
    # '#<brand>Ambassador' only: upheld
    {"id": "c", "jurisdiction": "uk", "text": "The @lagoonswim blues! #LagoonSwimAmbassador",
     "expected": "not_compliant", "text_quality": "paraphrased"},
    # a story whose only text is on the frame, 'AD' not its first word (ASAI)
    {"id": "d", "jurisdiction": "ie", "text": "", "overlay_text": "Shop here\n@coldbrewco AD",
     "format": "story", "expected": "not_compliant"},
    # nothing to read: skipped
    {"id": "e", "jurisdiction": "uk", "text": "", "expected": "not_compliant"},
]  # fmt: skip


def write(tmp_path: Path, rows: list[dict], name: str = "ruled.jsonl") -> Path:
    p = tmp_path / name
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return p


def metrics(out: str) -> dict[tuple[str, str], object]:
    return {
        (m["dataset"], m["metric"]): m["value"] for m in map(json.loads, out.strip().splitlines())
    }


def test_rules_only_agreement(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, ROWS)
    assert ruled.main([str(path), "--rules-only", "--show", "all"]) == 0
    out, err = capsys.readouterr()
    m = metrics(out)
    assert m[("ruled", "n_not_compliant")] == 3
    assert m[("ruled", "n_compliant_or_not_an_ad")] == 1
    # a: undisclosed, c: inadequate, d: inadequate (not the first word): all three flagged
    assert m[("ruled", "flagged_rate")] == 1.0
    assert m[("ruled", "strict_rate")] == 1.0
    assert m[("ruled", "false_pass_rate")] == 0.0
    assert m[("ruled", "compliant_agreement")] == 1.0
    assert m[("ruled:ie", "n_not_compliant")] == 1
    assert m[("ruled:quoted", "n_not_compliant")] == 2  # c is paraphrased
    assert "skipped 1 row(s) without text" in err
    assert "ok   d [ie] not_compliant -> inadequate not_first_line" in err


def test_story_overlay_is_read_before_the_caption() -> None:
    row = {"format": "story", "text": "caption", "overlay_text": "frame"}
    assert ruled.post_text(row) == "frame\ncaption"
    assert ruled.post_text({**row, "format": "post"}) == "caption\nframe"


def test_platform_paid_label_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the platform's header is not caption text: a row says the post carried it
    row = {"jurisdiction": "uk", "text": "New dress @zara, code SAM10", "expected": "compliant"}
    path = write(
        tmp_path, [{**row, "id": "plain"}, {**row, "id": "tool", "platform_paid_label": True}]
    )
    assert ruled.main([str(path), "--rules-only", "--show", "all"]) == 0
    err = capsys.readouterr().err
    assert "plain [uk] compliant -> undisclosed" in err
    assert "tool [uk] compliant -> needs_review platform_label_only" in err
    bad = write(tmp_path, [{**row, "platform_paid_label": "yes"}], "bad.jsonl")
    assert ruled.main([str(bad), "--rules-only"]) == 2
    assert "'platform_paid_label' must be true or false" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "ruled.jsonl:2: not JSON"),
        ('{"jurisdiction": "uk", "text": "x", "expected": "fine"}', "'expected' must be one of"),
        ('{"text": "x", "expected": "compliant"}', "'jurisdiction' is missing"),
        ('{"jurisdiction": "narnia", "text": "x", "expected": "compliant"}', "narnia"),
    ],
)
def test_bad_files_name_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    path = tmp_path / "ruled.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n" + line + "\n", encoding="utf-8")
    assert ruled.main([str(path), "--rules-only"]) == 2
    assert message in capsys.readouterr().err


def test_not_utf8_and_too_long(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"jurisdiction": "fr", "text": "Publicit\xe9", "expected": "compliant"}\n')
    assert ruled.main([str(path), "--rules-only"]) == 2
    assert "not UTF-8" in capsys.readouterr().err
    huge = write(tmp_path, [{**ROWS[0], "text": "ad " * 100_000}], "huge.jsonl")
    assert ruled.main([str(huge), "--rules-only"]) == 2
    assert "post 'a': text:" in capsys.readouterr().err
    typed = write(tmp_path, [{**ROWS[0], "text": 42}], "typed.jsonl")
    assert ruled.main([str(typed), "--rules-only"]) == 2
    assert "'text' must be a string" in capsys.readouterr().err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ruled.main([str(tmp_path / "nope.jsonl"), "--rules-only"]) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.slow
def test_full_analyzer_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the bundled model runs: a brand tagged in praise is never passed as not commercial
    rows = [
        {"id": "f", "jurisdiction": "us", "text": "Obsessed with this dress from @stylenova!",
         "expected": "not_compliant"},
        ROWS[1],
    ]  # fmt: skip
    assert ruled.main([str(write(tmp_path, rows)), "--show", "all"]) == 0
    out, err = capsys.readouterr()
    m = metrics(out)
    assert m[("ruled", "flagged_rate")] == 1.0, err
    assert m[("ruled", "compliant_agreement")] == 1.0, err
