"""POST /v1/analyze with micro-batching: concurrent single-post calls share one Analyzer call,
each caller gets its own analyses back; with micro-batching off each call runs alone."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from api.batching import AnalyzeBatcher  # noqa: E402
from api.db import session_scope  # noqa: E402
from api.main import create_app  # noqa: E402
from api.security import create_key, get_or_create_tenant  # noqa: E402
from api.services import Services  # noqa: E402
from api.settings import Settings  # noqa: E402
from tests.fixtures.api.fakes import fake_services  # noqa: E402


def _app(tmp_path: Path, max_posts: int) -> tuple[Any, Services]:
    holder: dict[str, Services] = {}

    def factory(settings: Settings) -> Services:
        services = fake_services(settings, delay=0.02)  # 20 ms per post: calls overlap
        if settings.microbatch_max_posts > 0:
            services.batcher = AnalyzeBatcher(
                services.analyzer,
                max_batch=settings.microbatch_max_posts,
                max_wait_ms=settings.microbatch_wait_ms,
            )
        holder["s"] = services
        return services

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
        load_in_background=False,
        job_workers=0,
        rate_limit_per_minute=0,
        default_jurisdictions=["uk", "us"],
        microbatch_max_posts=max_posts,
        microbatch_wait_ms=20.0,
    )
    app = create_app(settings, services_factory=factory)
    return app, holder  # type: ignore[return-value]


def _key(app: Any) -> dict[str, str]:
    state = app.state.clearpost
    with session_scope(state.sessions) as s:
        t, _ = get_or_create_tenant(s, "acme")
        _row, secret = create_key(s, t, "analyst")
    return {"Authorization": f"Bearer {secret}"}


def _concurrent_posts(client: TestClient, headers: dict[str, str], n: int) -> list[Any]:
    out: list[Any] = [None] * n
    barrier = threading.Barrier(n)

    def one(i: int) -> None:
        body = {"posts": [{"id": f"p{i}", "text": f"post {i} code X #ad"}], "jurisdictions": ["uk"]}
        barrier.wait()
        out[i] = client.post("/v1/analyze", json=body, headers=headers)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


@pytest.fixture
def batched(tmp_path: Path) -> Iterator[tuple[TestClient, Any, dict[str, Services]]]:
    app, holder = _app(tmp_path, max_posts=32)
    with TestClient(app) as client:
        yield client, app, holder  # type: ignore[misc]


def test_concurrent_single_post_calls_share_analyzer_calls(
    batched: tuple[TestClient, Any, dict[str, Services]],
) -> None:
    client, app, holder = batched
    headers = _key(app)
    responses = _concurrent_posts(client, headers, 8)
    assert [r.status_code for r in responses] == [200] * 8
    for i, r in enumerate(responses):
        data = r.json()["data"]
        assert [a["post_id"] for a in data] == [f"p{i}"]  # each caller gets its own post
    calls = holder["s"].analyzer.calls  # type: ignore[attr-defined]
    assert sorted(p for c in calls for p in c) == sorted(f"p{i}" for i in range(8))
    stats = holder["s"].batcher.stats
    assert stats.requests == 8
    assert stats.batches < 8 and stats.max_batch_items > 1  # requests were merged
    # /metrics says the same, for an operator
    text = client.get("/metrics").text
    assert "clearpost_microbatch_requests_total 8.0" in text
    assert "clearpost_microbatch_posts_total 8.0" in text
    assert f"clearpost_microbatch_batches_total {float(stats.batches)}" in text


def test_micro_batching_off_runs_each_call_alone(tmp_path: Path) -> None:
    app, holder = _app(tmp_path, max_posts=0)
    with TestClient(app) as client:
        headers = _key(app)
        responses = _concurrent_posts(client, headers, 4)
        assert [r.status_code for r in responses] == [200] * 4
        assert holder["s"].batcher is None  # type: ignore[attr-defined]
        assert "clearpost_microbatch_batches_total 0.0" in client.get("/metrics").text
        assert sorted(len(c) for c in holder["s"].analyzer.calls) == [1, 1, 1, 1]  # type: ignore[attr-defined]


def test_batched_unknown_jurisdiction_is_still_a_422(
    batched: tuple[TestClient, Any, dict[str, Services]],
) -> None:
    client, app, _ = batched
    r = client.post(
        "/v1/analyze",
        json={"posts": [{"id": "1", "text": "x"}], "jurisdictions": ["zz"]},
        headers=_key(app),
    )
    assert r.status_code == 422
