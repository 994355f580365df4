"""The HTTP API with the fake Analyzer on SQLite: every endpoint and every error."""

from __future__ import annotations

import io
import json
import threading
import time
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.main import create_app
from api.settings import Settings
from api.tables import AnalysisRow, PostRow
from tests.fixtures.api.fakes import fake_services
from tests.integration.conftest import Api, post


def err(r: Any) -> dict[str, Any]:
    body = r.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "details"} <= set(body["error"])
    return body["error"]


def wait_job(api: Api, h: dict[str, str], job_id: str, timeout: float = 20) -> dict[str, Any]:
    t0 = time.time()
    while time.time() - t0 < timeout:
        j = api.client.get(f"/v1/jobs/{job_id}", headers=h).json()
        if j["state"] in ("done", "failed"):
            return j
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} not finished: {j}")


# --- health ------------------------------------------------------------------------------------
def test_health_readyz_and_metrics(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    r = api.client.get("/readyz")
    assert r.status_code == 200 and r.json()["ready"] is True
    h = api.key("acme")
    api.client.post("/v1/analyze", json={"posts": [post(1)]}, headers=h)
    text = api.client.get("/metrics").text
    assert 'clearpost_http_requests_total{method="POST",route="/v1/analyze",status="200"}' in text
    assert "clearpost_http_request_duration_seconds_bucket" in text
    assert 'clearpost_posts_analysed_total{source="analyze"} 1.0' in text
    assert 'clearpost_jobs{state="queued"}' in text


def test_metrics_token_guards_metrics_only(make_api: Any) -> None:
    with make_api(metrics_token="s3cret-scraper") as api:
        r = api.client.get("/metrics")
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert "CLEARPOST_METRICS_TOKEN" in r.json()["error"]["message"]
        # a tenant's API key is not the scraper's token
        assert api.client.get("/metrics", headers=api.key("acme")).status_code == 401
        bad = {"Authorization": "Bearer s3cret-scrapeR"}
        assert api.client.get("/metrics", headers=bad).status_code == 401
        ok = api.client.get("/metrics", headers={"Authorization": "Bearer s3cret-scraper"})
        assert ok.status_code == 200 and "clearpost_http_requests_total" in ok.text
        assert api.client.get("/healthz").status_code == 200


def test_readyz_503_until_models_loaded(tmp_path: Any) -> None:
    gate = threading.Event()

    def slow_factory(settings: Settings) -> Any:
        gate.wait(10)
        return fake_services(settings)

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'c.db'}", load_in_background=True, job_workers=0
    )
    app = create_app(settings, services_factory=slow_factory)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json()["ready"] is False
        from tests.integration.conftest import Api as _Api

        h = _Api(client, app).key("acme")
        r = client.post("/v1/analyze", json={"posts": [post(1)]}, headers=h)
        assert r.status_code == 503 and err(r)["code"] == "not_ready" and r.headers["Retry-After"]
        gate.set()
        app.state.clearpost.loaded.wait(10)
        assert client.get("/readyz").status_code == 200
        assert client.post("/v1/analyze", json={"posts": [post(1)]}, headers=h).status_code == 200


def test_readyz_reports_a_failed_load(tmp_path: Any) -> None:
    def broken(settings: Settings) -> Any:
        raise RuntimeError("no model here")

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'c.db'}", load_in_background=False, job_workers=0
    )
    with TestClient(create_app(settings, services_factory=broken)) as client:
        r = client.get("/readyz")
        assert r.status_code == 503 and "no model here" in r.json()["detail"]


# --- auth and roles ----------------------------------------------------------------------------
def test_auth_401_without_or_with_bad_key(api: Api) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer nope"},
        {"X-API-Key": "cp_deadbeef_xxx"},
        {"Authorization": "Basic abc"},
    ):
        r = api.client.get("/v1/posts", headers=headers)
        assert r.status_code == 401, headers
        assert err(r)["code"] in ("unauthenticated", "invalid_key")


def test_auth_bearer_and_x_api_key(api: Api) -> None:
    h = api.key("acme", "viewer")
    key = h["Authorization"].split()[1]
    assert api.client.get("/v1/me", headers=h).json()["tenant"] == "acme"
    r = api.client.get("/v1/me", headers={"X-API-Key": key})
    assert r.status_code == 200 and r.json()["role"] == "viewer"


def test_roles_403(api: Api) -> None:
    viewer, analyst, admin = (
        api.key("acme", "viewer"),
        api.key("acme", "analyst"),
        api.key("acme", "admin"),
    )
    c = api.client
    for path, body in (
        ("/v1/posts", {"posts": [post(1)]}),
        ("/v1/analyze", {"posts": [post(1)]}),
        ("/v1/check", {"text": "hi"}),
    ):
        r = c.post(path, json=body, headers=viewer)
        assert r.status_code == 403 and err(r)["code"] == "forbidden", path
    r = c.post("/v1/jobs", files={"file": ("a.jsonl", b"{}")}, headers=viewer)
    assert r.status_code == 403
    assert c.get("/v1/keys", headers=analyst).status_code == 403
    assert c.post("/v1/keys", json={"role": "viewer"}, headers=analyst).status_code == 403
    assert c.get("/v1/posts", headers=viewer).status_code == 200
    assert c.post("/v1/posts", json={"posts": [post(1)]}, headers=analyst).status_code == 200
    assert c.post("/v1/posts", json={"posts": [post(2)]}, headers=admin).status_code == 200


def test_keys_endpoints(api: Api) -> None:
    admin = api.key("acme", "admin")
    other_admin = api.key("globex", "admin")
    c = api.client
    r = c.post("/v1/keys", json={"role": "viewer", "name": "dash"}, headers=admin)
    assert r.status_code == 201
    new = r.json()
    assert new["key"].startswith("cp_") and new["role"] == "viewer"
    vh = {"Authorization": f"Bearer {new['key']}"}
    assert c.get("/v1/me", headers=vh).json()["role"] == "viewer"
    listed = c.get("/v1/keys", headers=admin).json()
    assert listed["count"] == 2 and all("key" not in k for k in listed["data"])
    assert c.delete(f"/v1/keys/{new['id']}", headers=other_admin).status_code == 404
    r = c.delete(f"/v1/keys/{new['id']}", headers=admin)
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert c.get("/v1/me", headers=vh).status_code == 401
    assert c.post("/v1/keys", json={"role": "owner"}, headers=admin).status_code == 422


def test_key_revoked_outside_the_server_is_refused_within_the_auth_cache_ttl(
    make_api: Any, db_url: str
) -> None:
    """`clearpost keys revoke` writes the database from another process: the server admits the
    key from its cache for at most CLEARPOST_AUTH_CACHE_SECONDS, then refuses it. With 0 it
    reads the database on every request."""
    from api.security import KeyCache
    from api.tables import ApiKey, utcnow

    for ttl in (5.0, 0.0):
        with make_api(db_url, auth_cache_seconds=ttl) as api:
            state = api.app.state.clearpost
            now = [0.0]
            state.keys = KeyCache(ttl, clock=lambda now=now: now[0])
            h = api.key("acme")
            assert api.client.get("/v1/me", headers=h).status_code == 200
            with state.sessions() as s:
                for row in s.scalars(select(ApiKey)):
                    row.revoked_at = utcnow()
                s.commit()
            now[0] = 4.0
            expected = 200 if ttl else 401
            assert api.client.get("/v1/me", headers=h).status_code == expected
            now[0] = 5.5
            r = api.client.get("/v1/me", headers=h)
            assert r.status_code == 401 and err(r)["code"] == "invalid_key"


def test_keys_stored_hashed(api: Api) -> None:
    h = api.key("acme")
    key = h["Authorization"].split()[1]
    from api.tables import ApiKey

    with api.app.state.clearpost.sessions() as s:
        rows = s.scalars(select(ApiKey)).all()
    assert rows and all(key not in (r.key_hash, r.prefix, r.name) for r in rows)
    assert any(len(r.key_hash) == 64 for r in rows)


def test_rate_limit_429_with_retry_after(make_api: Any) -> None:
    """Requests 2-5 are admitted from the key cache: they count against the limit all the
    same."""
    with make_api(rate_limit_per_minute=3) as api:
        h = api.key("acme")
        codes = [api.client.get("/v1/me", headers=h).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3] == 429
        r = api.client.get("/v1/me", headers=h)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert err(r)["code"] == "rate_limited"
        assert api.client.get("/v1/me", headers=api.key("acme")).status_code == 200  # per key


# --- analyze / check ---------------------------------------------------------------------------
def test_analyze(api: Api) -> None:
    h = api.key("acme")
    r = api.client.post(
        "/v1/analyze",
        json={"posts": [post(1), post(2, "morning walk")], "jurisdictions": ["GB", "fr"]},
        headers=h,
    )
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 2
    assert [f["jurisdiction"] for f in body["data"][0]["findings"]] == ["uk", "fr"]
    assert body["data"][1]["findings"][0]["verdict"] == "not_commercial"
    r = api.client.post("/v1/analyze", json={"posts": [post(1)]}, headers=h)
    assert [f["jurisdiction"] for f in r.json()["data"][0]["findings"]] == ["uk", "us"]  # default
    with api.app.state.clearpost.sessions() as s:
        assert s.scalar(select(func.count()).select_from(PostRow)) == 0  # analyze stores nothing


def test_unknown_jurisdiction_422_lists_known(api: Api) -> None:
    h = api.key("acme")
    r = api.client.post(
        "/v1/analyze", json={"posts": [post(1)], "jurisdictions": ["uk", "mars"]}, headers=h
    )
    assert r.status_code == 422
    e = err(r)
    assert e["code"] == "unknown_jurisdiction" and e["details"]["unknown"] == ["mars"]
    assert e["details"]["known"] == ["fr", "uk", "us"] and "known" in e["message"]
    for path in ("/v1/creators?jurisdiction=mars", "/v1/sweeps?jurisdiction=mars"):
        assert api.client.get(path, headers=h).status_code == 422


def test_check(api: Api) -> None:
    h = api.key("acme")
    r = api.client.post(
        "/v1/check", json={"text": "Use my code GLOW10!", "jurisdictions": ["uk"]}, headers=h
    )
    assert r.status_code == 200
    body = r.json()
    assert body["verdict"] == "undisclosed" and body["ok"] is False
    assert body["findings"][0]["fix"]
    r = api.client.post("/v1/check", json={"text": "#ad Use my code GLOW10!"}, headers=h)
    assert r.json()["ok"] is True
    r = api.client.post("/v1/check", json={"txt": "x"}, headers=h)
    assert r.status_code == 422 and err(r)["details"][0]["field"].startswith("body.")


# --- limits and bad input ----------------------------------------------------------------------
def test_limits_posts_text_and_body(make_api: Any) -> None:
    with make_api(max_posts_per_sync=3, max_text_chars=50, max_body_bytes=4096) as api:
        h = api.key("acme")
        c = api.client
        r = c.post("/v1/posts", json={"posts": [post(i) for i in range(4)]}, headers=h)
        assert (
            r.status_code == 422
            and err(r)["code"] == "too_many_posts"
            and err(r)["details"]["limit"] == 3
        )
        r = c.post("/v1/analyze", json={"posts": [post(0), post(1, "x" * 51)]}, headers=h)
        e = err(r)
        assert (
            r.status_code == 422
            and e["code"] == "text_too_long"
            and e["details"][0]["field"] == "posts.1.text"
        )
        r = c.post("/v1/check", json={"text": "x" * 51}, headers=h)
        assert r.status_code == 422
        big = json.dumps({"posts": [post(1, "y" * 5000)]})
        r = c.post("/v1/posts", content=big, headers={**h, "Content-Type": "application/json"})
        assert (
            r.status_code == 413
            and err(r)["code"] == "body_too_large"
            and err(r)["details"]["limit_bytes"] == 4096
        )

        def chunks():  # no Content-Length: counted while streaming
            for _ in range(10):
                yield b" " * 1000

        r = c.post("/v1/posts", content=chunks(), headers={**h, "Content-Type": "application/json"})
        assert r.status_code == 413
        with api.app.state.clearpost.sessions() as s:
            assert s.scalar(select(func.count()).select_from(PostRow)) == 0


def test_malformed_json_and_fields_422(api: Api) -> None:
    h = {**api.key("acme"), "Content-Type": "application/json"}
    c = api.client
    r = c.post("/v1/posts", content=b'{"posts": [', headers=h)
    assert r.status_code == 422 and err(r)["details"][0]["type"] == "json_invalid"
    r = c.post("/v1/posts", json={"posts": [post(1), {"id": "2"}]}, headers=h)
    assert r.status_code == 422 and err(r)["details"][0]["field"] == "body.posts.1.text"
    r = c.post("/v1/posts", json={"posts": [post(1, likes=-3)]}, headers=h)
    assert r.status_code == 422 and "likes" in err(r)["message"]
    r = c.post("/v1/posts", json={"posts": []}, headers=h)
    assert r.status_code == 422
    r = c.post("/v1/posts", json={"posts": [post(1)], "extra": 1}, headers=h)
    assert r.status_code == 422
    for body in (b"null", b"[]", b'"x"', b"\xff\xfe", b'{"posts": "no"}'):
        assert c.post("/v1/analyze", content=body, headers=h).status_code == 422, body


def test_rejected_request_changes_nothing(api: Api) -> None:
    h = api.key("acme")
    c = api.client
    assert c.post("/v1/posts", json={"posts": [post(1)]}, headers=h).json()["created"] == 1
    before = c.get("/v1/posts/1/evidence", headers=h).json()
    # one bad post in the batch, an unknown jurisdiction: nothing of either batch is stored
    assert (
        c.post(
            "/v1/posts", json={"posts": [post(1, "changed"), post(2, likes="many")]}, headers=h
        ).status_code
        == 422
    )
    assert (
        c.post(
            "/v1/posts",
            json={"posts": [post(1, "changed"), post(3)], "jurisdictions": ["xx"]},
            headers=h,
        ).status_code
        == 422
    )
    assert c.get("/v1/posts", headers=h).json()["count"] == 1
    assert c.get("/v1/posts/1/evidence", headers=h).json() == before


def test_analyzer_failure_mid_ingest_stores_nothing(api: Api) -> None:
    h = api.key("acme")
    r = api.client.post(
        "/v1/posts", json={"posts": [post(1), post(2, "please explode")]}, headers=h
    )
    assert (
        r.status_code == 500 and err(r)["code"] == "internal_error"
    )  # a server fault, not bad input
    assert api.client.get("/v1/posts", headers=h).json()["count"] == 0


# --- posts, evidence, determinism --------------------------------------------------------------
def test_posts_idempotent_on_tenant_platform_id(api: Api) -> None:
    h = api.key("acme")
    c = api.client
    r = c.post(
        "/v1/posts", json={"posts": [post(1), post(2, "walk", creator="bob")]}, headers=h
    ).json()
    assert (r["created"], r["updated"], r["unchanged"]) == (2, 0, 0)
    r = c.post(
        "/v1/posts", json={"posts": [post(1), post(2, "walk, sponsored", creator="bob")]}, headers=h
    ).json()
    assert (r["created"], r["updated"], r["unchanged"]) == (0, 1, 1)
    r = c.post("/v1/posts", json={"posts": [post(1, platform="tiktok")]}, headers=h).json()
    assert r["created"] == 1  # same id, other platform: another post
    listed = c.get("/v1/posts", headers=h).json()
    assert listed["count"] == 3
    assert c.get("/v1/posts?creator=@Bob", headers=h).json()["count"] == 1
    assert (
        c.get("/v1/posts?platform=tiktok&limit=1", headers=h).json()["data"][0]["platform"]
        == "tiktok"
    )
    r = c.get("/v1/posts/1/evidence", headers=h)
    assert r.status_code == 409 and err(r)["details"]["platforms"] == ["instagram", "tiktok"]
    assert c.get("/v1/posts/1/evidence?platform=tiktok", headers=h).status_code == 200
    ev = c.get("/v1/posts/2/evidence", headers=h).json()
    assert ev["count"] == 2 and ev["data"][0]["findings"][0]["verdict"] == "not_commercial"
    assert ev["data"][1]["findings"][0]["verdict"] == "undisclosed"


def test_evidence_carries_versions_and_hashes(api: Api) -> None:
    h = api.key("acme")
    api.client.post(
        "/v1/posts", json={"posts": [post(7)], "jurisdictions": ["uk", "fr"]}, headers=h
    )
    r = api.client.get("/v1/posts/7/evidence", headers=h)
    assert r.status_code == 200
    ev = r.json()
    from nlp import CODE_VERSION
    from nlp.posts import Post

    a = ev["data"][0]
    assert ev["content_sha256"] == a["content_sha256"] == Post(**post(7)).content_sha256()
    assert a["rule_packs"] == {"uk": "2025.1", "fr": "2025.1"} and a["jurisdictions"] == [
        "fr",
        "uk",
    ]
    assert a["code_version"] == CODE_VERSION and a["model"] is None and a["analysed_at"]
    assert len(a["findings_sha256"]) == 64 and a["source"] == "posts"
    assert api.client.get("/v1/posts/nope/evidence", headers=h).status_code == 404


def test_reanalysis_yields_byte_identical_findings(api: Api) -> None:
    h = api.key("acme")
    c = api.client
    body = {"posts": [post(1), post(2, "code X", creator="bob")], "jurisdictions": ["uk", "us"]}
    c.post("/v1/posts", json=body, headers=h)
    time.sleep(0.01)
    r = c.post("/v1/posts?reanalyse=true", json=body, headers=h).json()
    assert r["unchanged"] == 2
    with api.app.state.clearpost.sessions() as s:
        rows = s.scalars(select(AnalysisRow).order_by(AnalysisRow.id)).all()
    assert len(rows) == 4
    for first, second in ((rows[0], rows[2]), (rows[1], rows[3])):
        assert first.findings_json.encode() == second.findings_json.encode()
        assert first.findings_sha256 == second.findings_sha256
        assert first.analysed_at < second.analysed_at and "analysed_at" not in first.findings_json
    ev = c.get("/v1/posts/1/evidence", headers=h).json()
    assert ev["count"] == 2 and ev["data"][0]["findings"] == ev["data"][1]["findings"]


# --- creators, sweeps, rules, models -----------------------------------------------------------
def _seed_creators(api: Api, h: dict[str, str]) -> None:
    posts = [
        post("a1", creator="alice"),
        post("a2", creator="alice"),
        post("b1", "code B", creator="bob"),
        post("b2", "#ad code", creator="bob"),
        post("c1", "code C", creator="carol", platform="tiktok"),
    ]
    assert api.client.post("/v1/posts", json={"posts": posts}, headers=h).status_code == 200


def test_creators_list_sort_filter_paginate(api: Api) -> None:
    h = api.key("acme", "analyst")
    _seed_creators(api, h)
    c = api.client
    r = c.get("/v1/creators", headers=h).json()
    assert r["count"] == 3 and [x["creator"] for x in r["data"]] == ["carol", "bob", "alice"]
    assert {"creator", "score", "band", "interval", "n_posts"} <= set(r["data"][0])
    r = c.get("/v1/creators?order=desc", headers=h).json()
    assert [x["creator"] for x in r["data"]] == ["alice", "bob", "carol"]
    assert c.get("/v1/creators?platform=tiktok", headers=h).json()["data"][0]["creator"] == "carol"
    r = c.get("/v1/creators?band=high", headers=h).json()
    assert r["count"] == 1 and r["data"][0]["creator"] == "alice"
    r = c.get("/v1/creators?limit=1&offset=1", headers=h).json()
    assert r["count"] == 3 and [x["creator"] for x in r["data"]] == ["bob"]
    assert c.get("/v1/creators?jurisdiction=fr", headers=h).json()["count"] == 0
    assert (
        c.get("/v1/creators?jurisdiction=uk&sort=creator", headers=h).json()["data"][0]["creator"]
        == "alice"
    )
    r = c.get("/v1/creators?profile=nope", headers=h)
    assert r.status_code == 422 and err(r)["details"]["known"] == ["compliance", "brand_safety"]
    assert c.get("/v1/creators?limit=0", headers=h).status_code == 422


def test_creator_trust_and_posts(api: Api) -> None:
    h = api.key("acme", "analyst")
    _seed_creators(api, h)
    c = api.client
    t = c.get("/v1/creators/@Bob/trust", headers=h)
    assert t.status_code == 200
    t = t.json()
    assert (
        t["creator"] == "bob"
        and t["score"] == 50.0
        and t["components"][0]["evidence"] == ["b1", "b2"]
    )
    assert len(t["interval"]) == 2
    p = c.get("/v1/creators/bob/posts", headers=h).json()
    assert p["count"] == 2 and p["data"][0]["findings"][0]["verdict"] == "undisclosed"
    assert c.get("/v1/creators/nobody/trust", headers=h).status_code == 404
    assert c.get("/v1/creators/nobody/posts", headers=h).status_code == 404


def test_sweeps_rules_models(api: Api) -> None:
    h = api.key("acme", "viewer")
    _seed_creators(api, api.key("acme", "analyst"))
    c = api.client
    s = c.get("/v1/sweeps", headers=h).json()
    assert s["count"] == 2 and [x["jurisdiction"] for x in s["data"]] == ["uk", "us"]
    assert s["data"][0]["n_posts"] == 5 and s["data"][0]["metrics"]["verdicts"]["undisclosed"] == 2
    s = c.get("/v1/sweeps?jurisdiction=uk&platform=tiktok", headers=h).json()
    assert s["data"][0]["n_posts"] == 1
    r = c.get("/v1/rules", headers=h).json()
    assert r["count"] == 3 and r["data"][0]["rules"][0]["citation"]
    m = c.get("/v1/models", headers=h).json()
    assert m["count"] == 1 and m["data"][0]["card"] == "# fake"


# --- jobs --------------------------------------------------------------------------------------
def _jsonl(posts: list[dict[str, Any]]) -> bytes:
    return "\n".join(json.dumps(p) for p in posts).encode()


def test_jobs_upload_progress_results(make_api: Any) -> None:
    with make_api(job_workers=1, job_batch_size=3) as api:
        h = api.key("acme")
        c = api.client
        posts = [post(i, "code X" if i % 2 else "#ad hi", creator=f"c{i % 3}") for i in range(10)]
        csv_body = "id,creator,text\n" + "".join(
            f'{p["id"]},{p["creator"]},"{p["text"]}"\n' for p in posts
        )
        buf = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(posts), buf)
        for name, body in (
            ("p.jsonl", _jsonl(posts)),
            ("p.csv", csv_body.encode()),
            ("p.parquet", buf.getvalue()),
        ):
            r = c.post(
                "/v1/jobs",
                files={"file": (name, body)},
                data={"jurisdictions": "uk,fr", "profile": "compliance"},
                headers=h,
            )
            assert r.status_code == 202, r.text
            job = wait_job(api, h, r.json()["id"])
            assert (job["state"], job["total"], job["done"], job["pending"], job["progress"]) == (
                "done",
                10,
                10,
                0,
                1.0,
            )
            assert job["jurisdictions"] == ["uk", "fr"]
        jid = job["id"]
        lines = c.get(f"/v1/jobs/{jid}/results?format=jsonl", headers=h).text.splitlines()
        assert (
            len(lines) == 10
            and json.loads(lines[0])["analysis"]["findings"][0]["jurisdiction"] == "uk"
        )
        r = c.get(f"/v1/jobs/{jid}/results?format=csv", headers=h)
        assert r.headers["content-type"].startswith("text/csv") and r.text.count("\n") >= 11
        assert "worst_verdict" in r.text.splitlines()[0]
        r = c.get(f"/v1/jobs/{jid}/results?format=parquet", headers=h)
        table = pq.read_table(io.BytesIO(r.content))
        assert table.num_rows == 10 and table.column("post_id").to_pylist()[:2] == ["0", "1"]
        assert c.get(f"/v1/jobs/{jid}/results?format=xml", headers=h).status_code == 422
        assert c.get("/v1/jobs", headers=h).json()["count"] == 3
        # the job's posts are stored for the tenant, idempotently (3 uploads of the same posts)
        assert c.get("/v1/posts", headers=h).json()["count"] == 10
        assert c.get("/v1/creators", headers=h).json()["count"] == 3
        assert 'clearpost_jobs{state="done"} 3.0' in c.get("/metrics").text


def test_jobs_bad_input_422(api: Api) -> None:
    h = api.key("acme")
    c = api.client
    bad_rows = _jsonl([post(1), {"id": "2"}, post(3, likes=-1)])
    r = c.post("/v1/jobs", files={"file": ("p.jsonl", bad_rows)}, headers=h)
    assert r.status_code == 422
    e = err(r)
    assert e["code"] == "invalid_rows" and [x["row"] for x in e["details"]["rows"]] == [2, 3]
    r = c.post("/v1/jobs", files={"file": ("p.jsonl", b"{not json")}, headers=h)
    assert r.status_code == 422 and err(r)["code"] == "invalid_input"
    r = c.post("/v1/jobs", files={"file": ("p.parquet", b"PAR1garbage")}, headers=h)
    assert r.status_code == 422
    r = c.post("/v1/jobs", files={"file": ("p.bin", b"x")}, headers=h)
    assert r.status_code == 422 and err(r)["code"] == "unknown_format"
    r = c.post("/v1/jobs", files={"file": ("p.jsonl", b"")}, headers=h)
    assert r.status_code == 422
    r = c.post(
        "/v1/jobs",
        files={"file": ("p.jsonl", _jsonl([post(1)]))},
        data={"jurisdictions": "uk,zz"},
        headers=h,
    )
    assert r.status_code == 422 and err(r)["details"]["unknown"] == ["zz"]
    r = c.post(
        "/v1/jobs",
        files={"file": ("p.jsonl", _jsonl([post(1)]))},
        data={"profile": "nope"},
        headers=h,
    )
    assert r.status_code == 422 and err(r)["code"] == "unknown_profile"
    r = c.post("/v1/jobs", data={"profile": "compliance"}, headers=h)
    assert r.status_code == 422 and "file" in err(r)["message"]
    assert c.get("/v1/jobs", headers=h).json()["count"] == 0
    assert c.get("/v1/jobs/0123456789abcdef0123456789abcdef", headers=h).status_code == 404
    assert c.get("/v1/jobs/x" * 3, headers=h).status_code == 404


def test_job_upload_limit_413(make_api: Any) -> None:
    with make_api(max_upload_bytes=2048) as api:
        h = api.key("acme")
        r = api.client.post(
            "/v1/jobs",
            files={"file": ("p.jsonl", _jsonl([post(i) for i in range(100)]))},
            headers=h,
        )
        assert r.status_code == 413


def test_job_failed_item_is_reported(make_api: Any) -> None:
    with make_api(job_workers=1, job_batch_size=4) as api:
        h = api.key("acme")
        posts = [post(1), post(2, "please explode"), post(3)]
        jid = api.client.post(
            "/v1/jobs", files={"file": ("p.jsonl", _jsonl(posts))}, headers=h
        ).json()["id"]
        job = wait_job(api, h, jid)
        assert (job["state"], job["done"], job["failed"]) == ("done", 2, 1)
        lines = [
            json.loads(x)
            for x in api.client.get(f"/v1/jobs/{jid}/results", headers=h).text.splitlines()
        ]
        assert [x["state"] for x in lines] == [
            "done",
            "failed",
            "done",
        ] and "fake analyzer failure" in lines[1]["error"]


# --- tenant isolation --------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_tenant_isolation(make_api: Any, role: str) -> None:
    with make_api(job_workers=1) as api:
        a, b = api.key("acme", "analyst"), api.key("globex", role)
        c = api.client
        c.post("/v1/posts", json={"posts": [post(1), post(2, "code", creator="bob")]}, headers=a)
        jid = c.post("/v1/jobs", files={"file": ("p.jsonl", _jsonl([post(3)]))}, headers=a).json()[
            "id"
        ]
        wait_job(api, a, jid)
        a_before = {
            p: c.get(p, headers=a).json()
            for p in ("/v1/posts", "/v1/creators", "/v1/posts/1/evidence", "/v1/sweeps")
        }
        # B can neither read, list nor count A's objects; 404, never 403
        for path in ("/v1/posts", "/v1/creators", "/v1/jobs"):
            body = c.get(path, headers=b).json()
            assert body["count"] == 0 and body["data"] == [], path
        assert c.get("/v1/sweeps", headers=b).json()["count"] == 0
        for path in (
            "/v1/posts/1/evidence",
            "/v1/creators/bob/trust",
            "/v1/creators/bob/posts",
            f"/v1/jobs/{jid}",
            f"/v1/jobs/{jid}/results?format=csv",
        ):
            r = c.get(path, headers=b)
            assert r.status_code == 404, path
            assert err(r)["code"] == "not_found"
        # B writing the same post ids creates B's own posts, never overwrites A's
        if role == "admin":
            r = c.post(
                "/v1/posts", json={"posts": [post(1, "B's text"), post(2, "B")]}, headers=b
            ).json()
            assert r["created"] == 2 and r["updated"] == 0
            assert c.get("/v1/posts/1/evidence", headers=b).json()["count"] == 1
        assert {p: c.get(p, headers=a).json() for p in a_before} == a_before


# --- CLI and migrations ------------------------------------------------------------------------
def test_cli_keys_create_on_a_new_database(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from nlp.cli import main

    url = f"sqlite:///{tmp_path / 'new' / 'cp.db'}"
    monkeypatch.setenv("CLEARPOST_DATABASE_URL", url)
    assert main(["keys", "create", "--tenant", "acme", "--role", "analyst"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    key = out[-1]
    assert key.startswith("cp_") and " " not in key and key not in "\n".join(out[:-1])
    assert main(["keys", "list", "--tenant", "acme"]) == 0
    listed = capsys.readouterr().out
    assert "analyst" in listed and key not in listed
    settings = Settings(database_url=url, load_in_background=False, job_workers=0)
    with TestClient(create_app(settings, services_factory=fake_services)) as client:
        me = client.get("/v1/me", headers={"Authorization": f"Bearer {key}"}).json()
        assert me == {**me, "tenant": "acme", "role": "analyst"}
    assert main(["keys", "revoke", "--tenant", "acme", "1"]) == 0
    assert "a running server refuses it within 5 s" in capsys.readouterr().out
    assert main(["keys", "create", "--tenant", "Bad Name!"]) == 1


def test_serve_demo_creates_tenant_once(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from nlp.commands.serve import _demo

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'd.db'}")
    _demo(settings, "127.0.0.1", 8000)
    first = capsys.readouterr().out
    assert "demo tenant created" in first and "cp_" in first
    _demo(settings, "127.0.0.1", 8000)
    second = capsys.readouterr().out
    assert (
        "already exists" in second
        and "clearpost keys create --tenant demo" in second
        and "cp_" not in second
    )


def test_refuses_unknown_schema_revision(tmp_path: Any) -> None:
    from sqlalchemy import text

    from api.db import make_engine, migrate
    from nlp.errors import ConfigError

    url = f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    with pytest.raises(ConfigError, match="auto_migrate|AUTO_MIGRATE"):
        migrate(engine, auto=False)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    settings = Settings(database_url=url, load_in_background=False, job_workers=0)
    with (
        pytest.raises(ConfigError, match="9999_from_the_future"),
        TestClient(create_app(settings, services_factory=fake_services)),
    ):
        pass


def test_creator_scores_follow_new_data(api: Api) -> None:
    h = api.key("acme")
    c = api.client
    c.post("/v1/posts", json={"posts": [post("d1", creator="dora")]}, headers=h)
    assert c.get("/v1/creators", headers=h).json()["data"][0]["score"] == 100.0
    c.post("/v1/posts", json={"posts": [post("d2", "code D", creator="dora")]}, headers=h)
    assert c.get("/v1/creators", headers=h).json()["data"][0]["score"] == 50.0  # not a stale cache
    c.post("/v1/posts", json={"posts": [post("d2", "#ad code D", creator="dora")]}, headers=h)
    assert c.get("/v1/creators", headers=h).json()["data"][0]["score"] == 100.0


def test_openapi_documents_errors_and_auth(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    assert "Error" in spec["components"]["schemas"]
    for path, ops in spec["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, op in ops.items():
            codes = set(op["responses"])
            assert {"401", "429"} <= codes, (method, path)
            assert op["responses"]["401"]["content"]["application/json"]["schema"]["$ref"].endswith(
                "/Error"
            )
            if method in ("post", "delete") or op.get("parameters"):
                assert "422" in codes, (method, path)
    schemes = spec["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} >= {"http", "apiKey"}


def test_openapi_every_api_field_described(api: Api) -> None:
    import inspect as _inspect

    import api.schemas as schemas

    ours = {
        n
        for n, c in vars(schemas).items()
        if _inspect.isclass(c) and c.__module__ == "api.schemas" and not n.startswith("_")
    }
    components = api.client.get("/openapi.json").json()["components"]["schemas"]
    checked = 0
    for name, comp in components.items():
        if name.split("-")[0] in ours | {"Error", "ErrorBody"}:
            for prop, spec in comp.get("properties", {}).items():
                assert spec.get("description"), f"{name}.{prop} has no description"
                checked += 1
    assert checked > 100


def test_job_rows_with_their_own_jurisdictions_and_job_creators(make_api: Any) -> None:
    with make_api(job_workers=1, job_batch_size=4) as api:
        h = api.key("acme")
        c = api.client
        rows = [
            {**post(1, creator="a"), "jurisdiction": "fr"},
            post(2, "code X", creator="b"),
            {**post(3, creator="a"), "jurisdiction": "gb,us"},
        ]
        r = c.post(
            "/v1/jobs",
            files={"file": ("p.jsonl", _jsonl(rows))},
            data={"profile": "brand_safety"},
            headers=h,
        )
        assert r.status_code == 202, r.text
        wait_job(api, h, r.json()["id"])
        got = [
            json.loads(x)["analysis"]
            for x in c.get(f"/v1/jobs/{r.json()['id']}/results", headers=h).text.splitlines()
        ]
        assert [[f["jurisdiction"] for f in a["findings"]] for a in got] == [
            ["fr"],
            ["uk", "us"],
            ["uk", "us"],
        ]
        ev = c.get("/v1/posts/1/evidence", headers=h).json()
        assert ev["data"][0]["jurisdictions"] == ["fr"]
        cr = c.get(f"/v1/jobs/{r.json()['id']}/creators", headers=h).json()
        assert cr["count"] == 2 and [x["creator"] for x in cr["data"]] == ["b", "a"]
        assert (
            c.get(f"/v1/jobs/{r.json()['id']}/creators", headers=api.key("other")).status_code
            == 404
        )
        bad = [{**post(1), "jurisdiction": "uk"}, {**post(2), "jurisdiction": "mars"}]
        r = c.post("/v1/jobs", files={"file": ("p.jsonl", _jsonl(bad))}, headers=h)
        assert r.status_code == 422 and err(r)["details"]["rows"][0]["row"] == 2
        assert "mars" in err(r)["details"]["rows"][0]["message"]
