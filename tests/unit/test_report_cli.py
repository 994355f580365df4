"""``clearpost report HANDLE --format pdf -o FILE`` on a database the API filled (no server)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.db import session_scope
from api.main import create_app
from api.security import create_key, get_or_create_tenant
from api.settings import Settings
from nlp.cli import main
from tests.fixtures.api.fakes import fake_services

POSTS = [
    {
        "id": "1",
        "creator": "alice",
        "text": "Use code GLOW10 for 10% off @glowlab",
        "posted_at": "2025-03-01T10:00:00",
    },
    {
        "id": "2",
        "creator": "alice",
        "text": "#ad new shoes from @stridefit",
        "posted_at": "2025-03-02T10:00:00",
    },
    {"id": "3", "creator": "bob", "text": "Sunday walk", "posted_at": "2025-03-03T10:00:00"},
]


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'cli.db'}"
    settings = Settings(
        database_url=url, load_in_background=False, job_workers=0, rate_limit_per_minute=0
    )
    app = create_app(settings, services_factory=fake_services)
    with TestClient(app) as client:
        with session_scope(app.state.clearpost.sessions) as s:
            t, _ = get_or_create_tenant(s, "acme")
            _row, key = create_key(s, t, "analyst")
        r = client.post(
            "/v1/posts", json={"posts": POSTS}, headers={"Authorization": f"Bearer {key}"}
        )
        assert r.status_code in (200, 201), r.text
    return url


def test_report_cli_writes_a_pdf_with_the_creator(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "alice.pdf"
    assert (
        main(["report", "@Alice", "--format", "pdf", "-o", str(out), "--database-url", db_url]) == 0
    )
    assert out.read_bytes().startswith(b"%PDF-")
    assert "wrote" in capsys.readouterr().out
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "@alice" in text and "Trust score" in text


def test_report_cli_cohort_and_exports(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "cohort.html"
    assert (
        main(["report", "--cohort", "--format", "html", "-o", str(out), "--database-url", db_url])
        == 0
    )
    html = out.read_text(encoding="utf-8")
    assert "@alice" in html and "@bob" in html
    js = tmp_path / "f.json"
    assert (
        main(["report", "alice", "--format", "json", "-o", str(js), "--database-url", db_url]) == 0
    )
    doc = json.loads(js.read_text())
    assert doc["count"] == len(doc["data"]) >= 2
    assert {r["creator"] for r in doc["data"]} == {"alice"} and {
        r["post_id"] for r in doc["data"]
    } == {"1", "2"}


def test_report_cli_unknown_creator_is_a_clear_error(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "nobody", "--database-url", db_url]) == 1
    assert "no creator 'nobody'" in capsys.readouterr().err
    assert main(["report", "--database-url", db_url]) == 1


def test_report_cli_cohort_of_some_creators(db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "bob.json"
    args = ["report", "--cohort", "--creators", "@bob", "--format", "json", "-o", str(out)]
    assert main([*args, "--database-url", db_url]) == 0
    assert {r["creator"] for r in json.loads(out.read_text())["data"]} == {"bob"}
    assert main(["report", "--cohort", "--job", "nope", "--database-url", db_url]) == 1
