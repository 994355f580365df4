"""The dashboard (/app) and the report endpoints (/v1/creators/{handle}/report,
/v1/reports/cohort) on the real app with the API's fake analyzer and scoring (fast, no models)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.db import session_scope
from api.main import create_app
from api.security import create_key, get_or_create_tenant
from api.settings import Settings
from api.web.auth import read_session, sign_session
from tests.fixtures.api.fakes import fake_services

CSV = (
    "id,creator,platform,text,posted_at,likes,followers\n"
    "1,alice,instagram,Loving this serum from @glowlab! Use code GLOW10 for 10% off,2025-03-01T10:00:00,100,1000\n"
    "2,alice,instagram,#ad my new shoes from @stridefit,2025-03-02T10:00:00,120,1000\n"
    "3,bob,instagram,Sunday walk in the park,2025-03-03T10:00:00,50,800\n"
    '4,bob,instagram,"<script>alert(1)</script> sponsored by @x, link in bio",2025-03-04T10:00:00,40,800\n'
)


class Web:
    def __init__(self, client: TestClient, app: Any) -> None:
        self.client = client
        self.app = app

    def key(self, tenant: str, role: str = "analyst") -> str:
        with session_scope(self.app.state.clearpost.sessions) as s:
            t, _ = get_or_create_tenant(s, tenant)
            _row, secret = create_key(s, t, role)
        return secret

    def login(self, key: str) -> None:
        r = self.client.post(
            "/app/login", data={"key": key, "next": "/app/roster"}, follow_redirects=False
        )
        assert r.status_code == 303, r.text

    def upload(self, csv_text: str = CSV) -> str:
        r = self.client.post(
            "/app/upload",
            files={"file": ("posts.csv", csv_text.encode(), "text/csv")},
            data={"jurisdictions": ["uk", "us"], "profile": "compliance"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        job_id = r.headers["location"].rsplit("/", 1)[1]
        deadline = time.time() + 30
        while time.time() < deadline:
            j = self.client.get(f"/app/api/jobs/{job_id}").json()
            if j["state"] in ("done", "failed"):
                assert j["state"] == "done", j
                return job_id
            time.sleep(0.05)
        raise AssertionError("job did not finish")


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'web.db'}",
        load_in_background=False,
        job_workers=1,
        rate_limit_per_minute=0,
        job_poll_seconds=0.05,
    )
    app = create_app(settings, services_factory=fake_services)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Web(client, app)


def test_report_web_pages_need_a_login(web: Web) -> None:
    for path in (
        "/app/roster",
        "/app/upload",
        "/app/creators/alice",
        "/app/sweep",
        "/app/rules",
        "/app/creators/alice/report.pdf",
        "/app/reports/cohort.csv",
        "/app/posts/instagram/1",
    ):
        r = web.client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/app/login?next="), path
    assert web.client.get("/app/api/jobs/x").status_code == 401
    assert web.client.get("/v1/creators/alice/report").status_code == 401
    r = web.client.get("/app/login")
    assert r.status_code == 200 and '<label for="key">API key</label>' in r.text


def test_report_web_login_rejects_a_bad_key_and_forged_cookie(web: Web) -> None:
    r = web.client.post("/app/login", data={"key": "cp_deadbeef_nope"})
    assert r.status_code == 401 and "Unknown or revoked API key" in r.text
    web.client.cookies.set("clearpost_session", sign_session("cp_deadbeef_nope"))
    assert web.client.get("/app/roster", follow_redirects=False).status_code == 303
    web.client.cookies.set("clearpost_session", "eyJrIjoiY3BfeCJ9.forged")
    assert web.client.get("/app/roster", follow_redirects=False).status_code == 303
    assert read_session(sign_session("k", now=1000, ttl=10), now=1100) is None  # expired
    assert read_session(sign_session("k")) == "k"


def test_report_web_cross_site_post_is_refused(web: Web) -> None:
    key = web.key("acme")
    r = web.client.post("/app/login", data={"key": key}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403


def test_report_web_upload_roster_creator_post_and_reports(web: Web) -> None:
    web.login(web.key("acme"))
    up = web.client.get("/app/upload")
    assert 'name="jurisdictions" value="fr"' in up.text and '<label for="file">' in up.text
    job_id = web.upload()
    page = web.client.get(f"/app/jobs/{job_id}")
    assert page.status_code == 200 and 'id="job-progress"' in page.text

    roster = web.client.get("/app/roster")
    assert roster.status_code == 200
    assert roster.text.index("@alice") < roster.text.index("@bob") or "@bob" in roster.text
    assert "disclosed correctly" in roster.text
    assert "@bob" not in web.client.get("/app/roster", params={"q": "ali"}).text

    creator = web.client.get("/app/creators/alice")
    assert creator.status_code == 200
    assert 'role="img"' in creator.text and "Flagged posts (1 of 2)" in creator.text
    link = re.search(r'href="(/app/posts/instagram/1)"', creator.text)
    assert link

    post = web.client.get(link.group(1))
    assert post.status_code == 200
    assert "Verdict per jurisdiction" in post.text and "Add #ad at the start" in post.text
    assert "No disclosure found" in post.text  # missing-disclosure marker

    ok = web.client.get("/app/posts/instagram/2").text
    assert '<mark class="ev ev-found"' in ok and ">#ad</mark>" in ok
    bob = web.client.get("/app/posts/instagram/4").text
    assert "<script>alert(1)</script>" not in bob and "&lt;script&gt;" in bob

    pdf = web.client.get("/app/creators/alice/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    html = web.client.get("/app/creators/alice/report.html")
    assert "Influencer compliance audit: @alice" in html.text
    csv_ = web.client.get("/app/creators/alice/report.csv")
    assert csv_.text.startswith("post_id,creator") and csv_.text.count("\n") == 1 + 2 * 2
    js = web.client.get("/app/creators/alice/report.json").json()
    assert js["count"] == 4
    cohort = web.client.get("/app/reports/cohort.pdf")
    assert cohort.content.startswith(b"%PDF-")
    sweep = web.client.get("/app/sweep")
    assert sweep.status_code == 200 and "Cohort metrics" in sweep.text
    # the cohort's record is per post across jurisdictions; say so next to the per-jurisdiction table
    assert 'id="record-rule"' in sweep.text and "worst verdict" in sweep.text


def test_report_web_v1_report_endpoint_and_tenant_isolation(web: Web) -> None:
    key_a = web.key("acme")
    web.login(key_a)
    web.upload()
    a = {"Authorization": f"Bearer {key_a}"}
    r = web.client.get("/v1/creators/alice/report", params={"format": "pdf"}, headers=a)
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
    r = web.client.get("/v1/creators/@Alice/report", params={"format": "html"}, headers=a)
    assert r.status_code == 200 and "@alice" in r.text
    assert (
        web.client.get(
            "/v1/creators/alice/report", params={"format": "docx"}, headers=a
        ).status_code
        == 422
    )
    assert web.client.get("/v1/creators/nobody/report", headers=a).status_code == 404
    assert (
        web.client.get("/v1/reports/cohort", params={"format": "csv"}, headers=a).status_code == 200
    )

    key_b = web.key("globex")
    b = {"Authorization": f"Bearer {key_b}"}
    r = web.client.get("/v1/creators/alice/report", headers=b)
    assert r.status_code == 404
    assert (
        "alice"
        not in web.client.get("/v1/reports/cohort", params={"format": "csv"}, headers=b).text
    )
    web.client.cookies.clear()
    web.login(key_b)
    assert web.client.get("/app/creators/alice").status_code == 404
    assert "@alice" not in web.client.get("/app/roster").text
    assert web.client.get("/app/posts/instagram/1").status_code == 404


def test_report_web_viewer_cannot_upload(web: Web) -> None:
    web.login(web.key("acme", role="viewer"))
    assert "may read but not upload" in web.client.get("/app/upload").text
    r = web.client.post("/app/upload", files={"file": ("p.csv", CSV.encode(), "text/csv")})
    assert r.status_code == 403


def test_report_web_bad_upload_names_the_row(web: Web) -> None:
    web.login(web.key("acme"))
    bad = "id,creator,text,likes\n1,alice,hello,-5\n"
    r = web.client.post("/app/upload", files={"file": ("p.csv", bad.encode(), "text/csv")})
    assert r.status_code == 422 and "row 1" in r.text and 'role="alert"' in r.text


def test_report_web_upload_in_windows_1252(web: Web) -> None:
    """The form offers the encoding; a cp1252 file is refused as UTF-8 (with what to do) and
    read when the encoding is chosen."""
    web.login(web.key("acme"))
    assert '<select id="encoding" name="encoding"' in web.client.get("/app/upload").text
    body = "id,creator,text\n1,zoé,Café crème avec @nespresso\n".encode("cp1252")
    r = web.client.post("/app/upload", files={"file": ("p.csv", body, "text/csv")})
    assert r.status_code == 422
    alert = re.search(r'<div class="error" role="alert">(.*?)</div>', r.text, re.S)
    assert alert and "utf-8" in alert.group(1).lower(), r.text[:500]
    r = web.client.post(
        "/app/upload",
        files={"file": ("p.csv", body, "text/csv")},
        data={"encoding": "cp1252", "jurisdictions": ["uk"]},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def test_report_web_rules_pages(web: Web) -> None:
    web.login(web.key("acme", role="viewer"))  # reading the rules needs no write role
    page = web.client.get("/app/rules")
    assert page.status_code == 200 and 'id="packs"' in page.text
    assert 'href="/app/rules?code=uk"' in page.text and 'aria-current="page">Rules<' in page.text
    one = web.client.get("/app/rules", params={"code": "GB"})  # an alias finds its pack
    assert one.status_code == 200 and 'id="pack-rules"' in one.text
    assert "uk.disclosure.required" in one.text and "UK code s.1" in one.text
    assert web.client.get("/app/rules", params={"code": "mars"}).status_code == 404


def test_report_web_logout_ends_the_session(web: Web) -> None:
    web.login(web.key("acme"))
    assert web.client.get("/app/roster").status_code == 200
    r = web.client.post("/app/logout", follow_redirects=False)
    assert r.status_code == 303
    assert web.client.get("/app/roster", follow_redirects=False).status_code == 303


def test_report_web_empty_tenant_gets_empty_documents_not_errors(web: Web) -> None:
    h = {"Authorization": f"Bearer {web.key('empty')}"}
    for fmt in ("pdf", "html", "csv", "json"):
        r = web.client.get("/v1/reports/cohort", params={"format": fmt}, headers=h)
        assert r.status_code == 200, (fmt, r.text[:200])
    assert web.client.get("/v1/creators/%20/report", headers=h).status_code == 404
    web.login(h["Authorization"].split()[1])
    for path in ("/app/roster", "/app/sweep", "/app/upload"):
        assert web.client.get(path).status_code == 200, path
    assert "upload a file of posts" in web.client.get("/app/roster").text


def test_report_web_openapi_documents_the_report_endpoints_only(web: Web) -> None:
    spec = web.client.get("/openapi.json").json()
    op = spec["paths"]["/v1/creators/{handle}/report"]["get"]
    assert {"401", "404", "200"} <= set(op["responses"])
    assert "application/pdf" in op["responses"]["200"]["content"]
    assert "/v1/reports/cohort" in spec["paths"]
    assert not [p for p in spec["paths"] if p.startswith("/app")]  # pages stay out of the API


def test_report_web_campaign_and_creator_cohorts(web: Web) -> None:
    key = web.key("acme")
    web.login(key)
    job_a = web.upload()
    second = "id,creator,platform,text\n9,carol,instagram,Use code CAROL5 at @shop\n"
    job_b = web.upload(second)
    h = {"Authorization": f"Bearer {key}"}
    a = web.client.get("/v1/reports/cohort", params={"format": "csv", "job": job_a}, headers=h).text
    assert "alice" in a and "carol" not in a
    b = web.client.get(
        "/v1/reports/cohort", params={"format": "html", "job": job_b}, headers=h
    ).text
    assert "campaign posts.csv" in b and "@carol" in b and "@alice" not in b
    c = web.client.get(
        "/v1/reports/cohort", params={"format": "json", "creators": "@Bob"}, headers=h
    )
    assert {r["creator"] for r in c.json()["data"]} == {"bob"}
    assert (
        web.client.get("/v1/reports/cohort", params={"job": "nope"}, headers=h).status_code == 404
    )
    other = {"Authorization": f"Bearer {web.key('globex')}"}
    assert (
        web.client.get("/v1/reports/cohort", params={"job": job_a}, headers=other).status_code
        == 404
    )
    page = web.client.get("/app/sweep", params={"job": job_b})
    assert page.status_code == 200 and "campaign posts.csv" in page.text
    assert f"/app/reports/cohort.pdf?job={job_a}" in web.client.get(f"/app/jobs/{job_a}").text
    assert web.client.get("/app/reports/cohort.pdf", params={"job": job_b}).content.startswith(
        b"%PDF-"
    )
