"""Durable jobs: a real server process is killed with SIGKILL half-way through a job; after a
restart the job resumes where it stopped, with no post lost and none recorded twice."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.db import make_engine, make_sessionmaker, migrate, session_scope
from api.security import create_key, get_or_create_tenant
from api.tables import AnalysisRow, Job, JobItem, PostRow
from tests.integration.conftest import post as mkpost

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "tests" / "fixtures" / "api" / "slow_server.py"
N_POSTS = 60

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(db_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CLEARPOST_DATABASE_URL": db_url,
        "CLEARPOST_JOB_BATCH_SIZE": "3",
        "CLEARPOST_JOB_LEASE_SECONDS": "2",
        "CLEARPOST_JOB_POLL_SECONDS": "0.1",
        "CLEARPOST_RATE_LIMIT_PER_MINUTE": "0",
        "CLEARPOST_DEFAULT_JURISDICTIONS": "uk,us",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), str(port), "0.04"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    t0 = time.time()
    while time.time() - t0 < 60:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"server not ready: {log.read_text()[-2000:]}")


def _items(sessions: Any, job_id: str) -> dict[int, tuple[str, Any, str | None]]:
    with sessions() as s:
        return {
            seq: (state, at, res)
            for seq, state, at, res in s.execute(
                select(JobItem.seq, JobItem.state, JobItem.analysed_at, JobItem.result_json).where(
                    JobItem.job_id == job_id
                )
            )
        }


def test_job_resumes_after_kill_9(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as s:
        tenant, _ = get_or_create_tenant(s, "acme")
        _row, key = create_key(s, tenant, "analyst")
    h = {"Authorization": f"Bearer {key}"}
    log = tmp_path / "server.log"
    port = _free_port()
    proc = _start(db_url, port, log)
    base = f"http://127.0.0.1:{port}"
    try:
        data = "\n".join(
            json.dumps(mkpost(i, "code X" if i % 3 else "#ad hi", creator=f"c{i % 5}"))
            for i in range(N_POSTS)
        )
        r = httpx.post(
            f"{base}/v1/jobs", files={"file": ("p.jsonl", data.encode())}, headers=h, timeout=30
        )
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        t0 = time.time()
        while httpx.get(f"{base}/v1/jobs/{job_id}", headers=h).json()["done"] < N_POSTS // 4:
            assert time.time() - t0 < 60, "job made no progress"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    before = _items(sessions, job_id)
    done_before = {seq: v for seq, v in before.items() if v[0] == "done"}
    with sessions() as s:
        job = s.get(Job, job_id)
        assert job is not None and job.state == "running" and job.done == len(done_before)
    assert N_POSTS // 4 <= len(done_before) < N_POSTS, "kill came too late to test anything"

    proc = _start(db_url, port, log)
    try:
        t0 = time.time()
        while (job_pub := httpx.get(f"{base}/v1/jobs/{job_id}", headers=h).json())[
            "state"
        ] != "done":
            assert time.time() - t0 < 90, job_pub
            time.sleep(0.1)
        assert (job_pub["done"], job_pub["failed"], job_pub["pending"]) == (N_POSTS, 0, 0)
        lines = httpx.get(
            f"{base}/v1/jobs/{job_id}/results?format=jsonl", headers=h
        ).text.splitlines()
        seqs = [json.loads(x)["seq"] for x in lines]
        assert seqs == list(range(N_POSTS))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    after = _items(sessions, job_id)
    assert all(v[0] == "done" for v in after.values()) and len(after) == N_POSTS
    # what was recorded before the kill was not analysed again
    assert {seq: after[seq] for seq in done_before} == done_before
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(PostRow)) == N_POSTS
        # exactly one stored analysis per post: none lost, none recorded twice
        per_post = s.execute(
            select(AnalysisRow.post_row_id, func.count()).group_by(AnalysisRow.post_row_id)
        ).all()
        assert len(per_post) == N_POSTS and {n for _, n in per_post} == {1}
        job = s.get(Job, job_id)
        assert job is not None and job.attempts == 2 and job.finished_at is not None
    engine.dispose()
