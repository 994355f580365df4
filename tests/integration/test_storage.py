"""The same storage tests on SQLite and PostgreSQL (a fresh schema per test on
127.0.0.1:5432; the PostgreSQL cases skip, with the reason shown, where it is unreachable)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from api.db import current_revision, known_revisions, make_engine, make_sessionmaker, migrate
from api.jobs import JobRunner
from api.security import get_or_create_tenant
from api.settings import Settings
from api.tables import AnalysisRow, FindingRow, Job, JobItem, PostRow, Tenant
from tests.fixtures.api.fakes import fake_services
from tests.integration.conftest import post as mkpost
from tests.integration.conftest import running_app

TABLES = {
    "tenants",
    "api_keys",
    "posts",
    "analyses",
    "findings",
    "jobs",
    "job_items",
    "alembic_version",
}


def test_storage_migrations_create_schema_idempotently(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) is None
        head = migrate(engine)
        assert migrate(engine) == head == known_revisions(engine)[1] == current_revision(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
        if engine.dialect.name == "sqlite":
            with engine.connect() as c:
                assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()


def test_storage_unique_post_per_tenant_platform_id(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as s:
            a, _ = get_or_create_tenant(s, "a")
            b, _ = get_or_create_tenant(s, "b")
            row = {
                "platform": "instagram",
                "post_id": "1",
                "creator": "x",
                "content_sha256": "0" * 64,
                "data": {},
            }
            s.add_all([PostRow(tenant_id=a.id, **row), PostRow(tenant_id=b.id, **row)])
            s.commit()
            s.add(PostRow(tenant_id=a.id, **row))
            with pytest.raises(IntegrityError):
                s.commit()
            s.rollback()
            assert s.scalar(select(func.count()).select_from(PostRow)) == 2
            t = s.scalar(select(Tenant).where(Tenant.name == "a"))
            assert t is not None and t.created_at.tzinfo is not None
            assert abs((datetime.now(UTC) - t.created_at).total_seconds()) < 60
    finally:
        engine.dispose()


def test_storage_ingest_evidence_isolation(db_url: str) -> None:
    with running_app(db_url) as api:
        a, b = api.key("acme"), api.key("globex")
        c = api.client
        body = {
            "posts": [mkpost(1), mkpost(2, "code Z", creator="bob")],
            "jurisdictions": ["uk", "fr"],
        }
        assert c.post("/v1/posts", json=body, headers=a).json()["created"] == 2
        assert c.post("/v1/posts", json=body, headers=a).json()["unchanged"] == 2
        assert c.post("/v1/posts?reanalyse=true", json=body, headers=a).json()["unchanged"] == 2
        assert (
            c.post("/v1/posts", json={"posts": [mkpost(1, "new")]}, headers=b).json()["created"]
            == 1
        )
        ev = c.get("/v1/posts/2/evidence", headers=a).json()
        assert (
            ev["count"] == 2
            and ev["data"][0]["findings_sha256"] == ev["data"][1]["findings_sha256"]
        )
        assert ev["data"][0]["rule_packs"] == {"uk": "2025.1", "fr": "2025.1"}
        assert c.get("/v1/posts/2/evidence", headers=b).status_code == 404
        assert c.get("/v1/posts", headers=a).json()["count"] == 2
        assert c.get("/v1/posts", headers=b).json()["count"] == 1
        assert c.get("/v1/creators/bob/trust", headers=a).json()["score"] == 0.0
        assert c.get("/v1/creators/bob/trust", headers=b).status_code == 404
        with api.app.state.clearpost.sessions() as s:
            rows = s.scalars(select(AnalysisRow).order_by(AnalysisRow.id)).all()
            assert len(rows) == 5  # 2 + 2 re-analysed (acme) + 1 (globex)
            assert rows[0].findings_json == rows[2].findings_json
            assert json.loads(rows[0].findings_json)[0]["rule_pack"] == "uk@2025.1"
            assert s.scalar(select(func.count()).select_from(FindingRow)) == 10


def test_storage_job_runs_to_completion(db_url: str) -> None:
    with running_app(db_url, job_workers=1, job_batch_size=4) as api:
        h = api.key("acme")
        data = "\n".join(json.dumps(mkpost(i, creator=f"c{i % 2}")) for i in range(9)).encode()
        jid = api.client.post("/v1/jobs", files={"file": ("p.jsonl", data)}, headers=h).json()["id"]
        t0 = time.time()
        while (job := api.client.get(f"/v1/jobs/{jid}", headers=h).json())["state"] != "done":
            assert time.time() - t0 < 30, job
            time.sleep(0.05)
        assert (job["done"], job["failed"]) == (9, 0)
        assert api.client.get("/v1/creators", headers=h).json()["count"] == 2


def test_storage_one_worker_owns_a_job(db_url: str) -> None:
    """Two runners race to claim one job: exactly one wins; the lease keeps the other out."""
    engine = make_engine(db_url)
    migrate(engine)
    sessions = make_sessionmaker(engine)
    settings = Settings(database_url=db_url, job_lease_seconds=60)
    services = fake_services(settings)
    try:
        with sessions() as s:
            t, _ = get_or_create_tenant(s, "acme")
            s.add(
                Job(
                    id="j1",
                    tenant_id=t.id,
                    format="jsonl",
                    jurisdictions=["uk"],
                    profile="compliance",
                    total=1,
                )
            )
            s.flush()
            s.add(JobItem(job_id="j1", tenant_id=t.id, seq=0, post=mkpost(1)))
            s.commit()
        r1, r2 = JobRunner(sessions, services, settings), JobRunner(sessions, services, settings)
        assert r1.claim("w1") == "j1"
        assert r2.claim("w2") is None
        r2.run_job("j1", "w2")  # not the owner: records nothing
        with sessions() as s:
            assert s.scalar(select(JobItem.state)) == "pending"
        r1.run_job("j1", "w1")
        with sessions() as s:
            job = s.get(Job, "j1")
            assert job is not None and (job.state, job.done) == ("done", 1)
            assert s.scalar(select(func.count()).select_from(AnalysisRow)) == 1
    finally:
        engine.dispose()


def test_storage_graceful_stop_hands_the_job_back(db_url: str) -> None:
    """A server that stops cleanly releases its lease: the next one resumes at once."""
    engine = make_engine(db_url)
    migrate(engine)
    sessions = make_sessionmaker(engine)
    settings = Settings(database_url=db_url, job_lease_seconds=3600, job_batch_size=1)
    services = fake_services(settings)
    try:
        with sessions() as s:
            t, _ = get_or_create_tenant(s, "acme")
            s.add(
                Job(
                    id="j2",
                    tenant_id=t.id,
                    format="jsonl",
                    jurisdictions=["uk"],
                    profile="compliance",
                    total=3,
                )
            )
            s.flush()
            s.add_all(JobItem(job_id="j2", tenant_id=t.id, seq=i, post=mkpost(i)) for i in range(3))
            s.commit()
        first = JobRunner(sessions, services, settings)
        worker = f"{first.worker_base}-0"
        assert first.claim(worker) == "j2"
        calls = iter([False, True])
        first.run_job("j2", worker, should_stop=lambda: next(calls))  # one batch, then "stop"
        first.stop()
        with sessions() as s:
            job = s.get(Job, "j2")
            assert job is not None and (job.state, job.done, job.lease_until) == ("queued", 1, None)
        second = JobRunner(sessions, services, settings)
        assert second.claim("w2") == "j2"
        second.run_job("j2", "w2")
        with sessions() as s:
            job = s.get(Job, "j2")
            assert job is not None and (job.state, job.done) == ("done", 3)
    finally:
        engine.dispose()


def test_storage_upgrade_from_first_revision_keeps_data(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from api.db import _alembic_config

    engine = make_engine(db_url)
    try:
        cfg = _alembic_config(engine)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
        assert current_revision(engine) == "0001"
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO tenants (name, created_at) VALUES ('old', CURRENT_TIMESTAMP)")
            )
        assert migrate(engine) == known_revisions(engine)[1] != "0001"
        cols = {c["name"] for c in inspect(engine).get_columns("job_items")}
        assert "jurisdictions" in cols
        with make_sessionmaker(engine)() as s:
            assert s.scalar(select(Tenant.name)) == "old"
    finally:
        engine.dispose()
