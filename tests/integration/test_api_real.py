"""One end-to-end pass with the REAL library (rule packs, rules-only Analyzer, trust scoring,
sweep, ingest): the wiring in api.services.build_services, not the fakes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from tests.integration.conftest import Api

pytestmark = pytest.mark.slow

CAPTIONS = [
    {
        "id": "r1",
        "creator": "alice",
        "text": "Obsessed with my new serum! Use code GLOW20 for 20% off @glowco",
    },
    {
        "id": "r2",
        "creator": "alice",
        "text": "#ad Loving my new trainers from @runfast, paid partnership",
    },
    {"id": "r3", "creator": "bob", "text": "Sunday walk by the sea, no filter needed"},
    {
        "id": "r4",
        "creator": "bob",
        "text": "Thanks @brandx for the gifted hamper! Link in bio to shop",
    },
]


@pytest.fixture(scope="module")
def real_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    db = tmp_path_factory.mktemp("real") / "cp.db"
    settings = Settings(
        database_url=f"sqlite:///{db}",
        model="none",
        load_in_background=False,
        job_workers=1,
        job_poll_seconds=0.1,
        rate_limit_per_minute=0,
        default_jurisdictions=["uk", "fr"],
    )
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, app)


def _finished_job(c: Any, created: Any, h: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The job a POST /v1/jobs answer created, once the server's worker has finished it."""
    assert created.status_code == 202, created.text
    jid = created.json()["id"]
    t0 = time.time()
    while (job := c.get(f"/v1/jobs/{jid}", headers=h).json())["state"] != "done":
        assert time.time() - t0 < 60, job
        time.sleep(0.1)
    return jid, job


def test_real_service_end_to_end(real_api: Api) -> None:
    api = real_api
    h = api.key("acme", "analyst")
    c = api.client
    assert c.get("/readyz").json()["ready"] is True
    r = c.post("/v1/posts", json={"posts": CAPTIONS}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 4
    # same content, same versions: unchanged, byte-identical findings
    r = c.post("/v1/posts?reanalyse=true", json={"posts": CAPTIONS}, headers=h).json()
    assert r["unchanged"] == 4
    ev = c.get("/v1/posts/r1/evidence", headers=h).json()
    assert ev["count"] == 2 and ev["data"][0]["findings_sha256"] == ev["data"][1]["findings_sha256"]
    a = ev["data"][0]
    assert a["rule_packs"]["uk"].startswith("uk@") and a["code_version"] and a["model"] is None
    verdicts = {f["jurisdiction"]: f["verdict"] for f in a["findings"] if f["kind"] == "disclosure"}
    assert set(verdicts) == {"uk", "fr"} and verdicts["uk"] != "compliant"

    creators = c.get("/v1/creators?order=desc", headers=h).json()
    assert creators["count"] == 2 and {x["creator"] for x in creators["data"]} == {"alice", "bob"}
    trust = c.get("/v1/creators/alice/trust", headers=h).json()
    assert 0 <= trust["score"] <= 100 and trust["components"] and len(trust["interval"]) == 2
    assert c.get("/v1/creators/alice/posts", headers=h).json()["count"] == 2
    assert c.get("/v1/creators?jurisdiction=uk", headers=h).json()["count"] == 2

    sweeps = c.get("/v1/sweeps", headers=h).json()
    assert [s["jurisdiction"] for s in sweeps["data"]] == ["fr", "uk"]
    rules = c.get("/v1/rules", headers=h).json()
    uk = next(p for p in rules["data"] if p["id"] == "uk")
    assert uk["version"] and any(r["citation"] for r in uk["rules"])
    assert uk["notes"] and all(src["url"].startswith("https://") for src in uk["sources"])
    assert c.get("/v1/models", headers=h).status_code == 200

    chk = c.post(
        "/v1/check", json={"text": "Use my code GLOW20!", "jurisdictions": ["uk"]}, headers=h
    ).json()
    assert chk["ok"] is False and any(f["fix"] for f in chk["findings"])
    r = c.post("/v1/analyze", json={"posts": CAPTIONS[:1], "jurisdictions": ["mars"]}, headers=h)
    assert r.status_code == 422 and "uk" in r.json()["error"]["details"]["known"]

    csv_body = 'id,creator,text\nj1,carol,"Use code SAVE10 at checkout"\nj2,carol,hello\n'
    r = c.post(
        "/v1/jobs",
        files={"file": ("p.csv", csv_body.encode())},
        data={"jurisdictions": "uk"},
        headers=h,
    )
    jid, job = _finished_job(c, r, h)
    assert job["done"] == 2
    r = c.post("/v1/jobs", files={"file": ("p.csv", b"id,text\n,\n")}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] in ("invalid_rows", "invalid_input")


def test_real_models_listing(real_api: Api) -> None:
    h = real_api.key("acme", "viewer")
    body = real_api.client.get("/v1/models", headers=h).json()
    root = Path(__file__).resolve().parents[2] / "nlp" / "models" / "artifacts"
    n = len(list(root.glob("*/model_meta.json"))) if root.is_dir() else 0
    assert body["count"] == n and body["active"] is None


def test_real_jobs_upload_in_another_encoding(real_api: Api) -> None:
    """A cp1252 export (Excel on Windows) is refused with what to do, read when its encoding is
    given, and an unknown encoding is named before anything is read or stored."""
    c = real_api.client
    h = real_api.key("acme", "analyst")
    body = 'id,creator,text\nw1,zoe,"Caf\u00e9 cr\u00e8me avec @nespresso, code ZOE10"\n'.encode(
        "cp1252"
    )
    r = c.post("/v1/jobs", files={"file": ("w.csv", body)}, data={"jurisdictions": "fr"}, headers=h)
    assert r.status_code == 422
    msg = r.json()["error"]["message"]
    assert "not UTF-8" in msg and "encoding=cp1252" in msg
    r = c.post(
        "/v1/jobs",
        files={"file": ("w.csv", body)},
        data={"jurisdictions": "fr", "encoding": "klingon-8"},
        headers=h,
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "unknown_encoding"
    assert r.json()["error"]["details"]["field"] == "encoding"
    r = c.post(
        "/v1/jobs",
        files={"file": ("w.csv", body)},
        data={"jurisdictions": "fr", "encoding": "cp1252"},
        headers=h,
    )
    jid, job = _finished_job(c, r, h)
    rows = c.get(f"/v1/jobs/{jid}/results?format=jsonl", headers=h).text.splitlines()
    assert len(rows) == 1
    finding = next(
        f for f in json.loads(rows[0])["analysis"]["findings"] if f["kind"] == "disclosure"
    )
    # read as cp1252: 'é' and 'è' are one character each, so the handle starts at 16
    brand = next(e for e in finding["evidence"] if e["text"] == "@nespresso")
    assert brand["start"] == len("Café crème avec ")


def test_real_dashboard_rules_page_links_the_law(real_api: Api) -> None:
    c = real_api.client
    key = real_api.key("acme", "viewer")["Authorization"].split()[1]
    r = c.post("/app/login", data={"key": key, "next": "/app/rules"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = c.get("/app/rules", params={"code": "Deutschland"})
    assert page.status_code == 200
    assert "de.label.wording" in page.text and "Choices this pack makes" in page.text
    assert 'href="https://www.gesetze-im-internet.de/uwg_2004/__5a.html"' in page.text
    c.post("/app/logout")
