"""``clearpost audit`` and ``clearpost check`` end to end through ``nlp.cli.main``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from nlp.cli import main

REQUIRED = [
    "id",
    "jurisdiction",
    "verdict",
    "reasons",
    "evidence",
    "rule_ids",
    "citation",
    "confidence",
]

ROWS = [
    {
        "id": "a1",
        "text": "#ad New serum from @glowco, code SAM10",
        "jurisdiction": "",
        "platform": "instagram",
    },
    {
        "id": "a2",
        "text": "Publicité - ma crème @laroche code LEA15",
        "jurisdiction": "fr",
        "platform": "",
    },
    {"id": "a3", "text": "Sunday walk in the park", "jurisdiction": "", "platform": ""},
    {
        "id": "a4",
        "text": "Use code SAM10 at @gymshark\n\nso good",
        "jurisdiction": "uk,de",
        "platform": "x",
    },
]


@pytest.fixture
def posts_csv(tmp_path: Path) -> Path:
    p = tmp_path / "posts.csv"
    pd.DataFrame(ROWS).to_csv(p, index=False)
    return p


def _read_csv(p: Path) -> list[dict[str, str]]:
    with p.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_cli_audit_csv_one_row_per_post_and_jurisdiction(posts_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    assert main(["audit", str(posts_csv), "--jurisdiction", "uk,fr", "--output", str(out)]) == 0
    rows = _read_csv(out)
    assert list(rows[0])[: len(REQUIRED)] == REQUIRED
    got = [(r["id"], r["jurisdiction"]) for r in rows]
    # a row's own jurisdiction column overrides the flag
    assert got == [
        ("a1", "uk"),
        ("a1", "fr"),
        ("a2", "fr"),
        ("a3", "uk"),
        ("a3", "fr"),
        ("a4", "uk"),
        ("a4", "de"),
    ]
    by = {(r["id"], r["jurisdiction"]): r for r in rows}
    assert by[("a1", "uk")]["verdict"] == "compliant"
    assert by[("a1", "fr")]["verdict"] == "inadequate"
    assert json.loads(by[("a1", "fr")]["reasons"]) == ["wrong_language"]
    assert by[("a2", "fr")]["verdict"] == "compliant"
    assert by[("a3", "uk")]["verdict"] == "not_commercial"
    assert by[("a4", "uk")]["verdict"] == "undisclosed"
    text = {r["id"]: r["text"] for r in ROWS}
    for r in rows:
        assert 0.0 <= float(r["confidence"]) <= 1.0
        assert r["citation"]
        assert json.loads(r["rule_ids"])
        for e in json.loads(r["evidence"]):
            assert text[r["id"]][e["start"] : e["end"]] == e["text"]


def test_cli_audit_jsonl_and_parquet(posts_csv: Path, tmp_path: Path) -> None:
    jl = tmp_path / "out.jsonl"
    assert main(["audit", str(posts_csv), "-j", "uk", "-o", str(jl)]) == 0
    recs = [json.loads(line) for line in jl.read_text(encoding="utf-8").splitlines()]
    assert (
        len(recs) == 5
        and isinstance(recs[0]["reasons"], list)
        and recs[0]["rule_pack"].startswith("uk@")
    )
    pq = tmp_path / "out.parquet"
    assert main(["audit", str(posts_csv), "-j", "uk", "-o", str(pq), "--all-findings"]) == 0
    df = pd.read_parquet(pq)
    assert list(df.columns[: len(REQUIRED)]) == REQUIRED
    assert len(df) == 5 and set(df["kind"]) == {"disclosure"}


def test_cli_audit_stdout_and_errors(posts_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(posts_csv), "-j", "uk", "--format", "jsonl"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 5 and json.loads(out[0])["id"] == "a1"
    assert main(["audit", str(posts_csv), "-j", "mars"]) == 1
    err = capsys.readouterr().err
    assert "E200" in err and "mars" in err and "uk" in err
    assert main(["audit", str(posts_csv), "-j", "uk", "--format", "parquet"]) == 1
    assert "needs an --output file" in capsys.readouterr().err
    assert main(["audit", str(posts_csv.parent / "missing.csv"), "-j", "uk"]) == 1


def test_cli_audit_bad_row_jurisdiction_fails_before_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "p.csv"
    pd.DataFrame(
        [
            {"id": "1", "text": "#ad x", "jurisdiction": "uk"},
            {"id": "2", "text": "y", "jurisdiction": "zz"},
        ]
    ).to_csv(p, index=False)
    out = tmp_path / "o.csv"
    assert main(["audit", str(p), "-j", "uk", "-o", str(out)]) == 1
    assert "'zz' in row(s) [2]" in capsys.readouterr().err
    assert not out.exists()


def test_cli_check_prints_verdict_and_fix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "Ma routine du soir @sephora code LEA15", "--jurisdiction", "fr"]) == 1
    out = capsys.readouterr().out
    assert "UNDISCLOSED" in out and "Publicité" in out and "fix:" in out and "fr@" in out
    assert main(["check", "Publicité - ma routine @sephora code LEA15", "-j", "fr", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["verdict"] == "compliant" and data[0]["rule_pack"].startswith("fr@")
    assert main(["check", "Mein Serum @nivea Code LISA10", "-j", "de", "--paid-label"]) == 0
    assert main(["check", "#ad new drop @nike code X", "-j", "uk", "--format", "story"]) == 1
    assert "every_frame_unverifiable" in capsys.readouterr().out


def test_cli_audit_reads_another_encoding_when_told(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "export.csv"
    src.write_bytes('id,text\nw1,"Café crème avec @nespresso, code ZOE10"\n'.encode("cp1252"))
    assert main(["audit", str(src), "-j", "fr", "--format", "jsonl"]) == 1
    err = capsys.readouterr().err
    assert "not UTF-8" in err and "--encoding cp1252" in err
    assert main(["audit", str(src), "-j", "fr", "--format", "jsonl", "--encoding", "cp1252"]) == 0
    row = json.loads(capsys.readouterr().out.splitlines()[0])
    assert row["verdict"] == "undisclosed"
    assert {e["text"] for e in row["evidence"]} >= {"@nespresso", "code ZOE10"}
    # the offsets are into the decoded text: 'é' and 'è' are one character each
    code = next(e for e in row["evidence"] if e["text"] == "code ZOE10")
    assert code["start"] == "Café crème avec @nespresso, ".__len__()
    assert main(["audit", str(src), "-j", "fr", "--encoding", "klingon-8"]) == 1
    assert "klingon-8" in capsys.readouterr().err
