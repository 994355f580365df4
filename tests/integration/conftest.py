"""API/storage test fixtures: apps on SQLite (a temp file) or PostgreSQL (a fresh schema per
test session on 127.0.0.1:5432, skipped visibly where none answers), with the fake Analyzer."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.db import session_scope
from api.main import create_app
from api.security import create_key, get_or_create_tenant
from api.settings import Settings
from tests.fixtures.api.fakes import fake_services

# trust auth on 127.0.0.1:5432, database `test`: whichever of these users the server knows
PG_CANDIDATES = (
    [os.environ["CLEARPOST_TEST_PG_URL"]]
    if os.environ.get("CLEARPOST_TEST_PG_URL")
    else [f"postgresql+psycopg://{u}@127.0.0.1:5432/test" for u in ("postgres", "root")]
)


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[Callable[[], str]]:
    """Factory of fresh PostgreSQL schemas (one per call), all dropped at the end."""
    from sqlalchemy import create_engine, text

    base, eng, errors = "", None, []
    for url in PG_CANDIDATES:
        candidate = create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with candidate.connect() as c:
                c.execute(text("SELECT 1"))
            base, eng = url, candidate
            break
        except Exception as exc:  # noqa: BLE001
            candidate.dispose()
            errors.append(f"{url}: {type(exc).__name__}")
    if eng is None:
        pytest.skip(
            f"PostgreSQL not reachable ({'; '.join(errors)}): PostgreSQL storage tests skipped"
        )
    made: list[str] = []

    def make() -> str:
        name = f"cp_test_{uuid.uuid4().hex[:12]}"
        with eng.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{name}"'))
        made.append(name)
        sep = "&" if "?" in base else "?"
        return f"{base}{sep}options=-csearch_path%3D{name}"

    yield make
    with eng.begin() as c:
        for name in made:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    eng.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'clearpost.db'}"
    return request.getfixturevalue("pg_schema_url")()


@dataclass
class Api:
    client: TestClient
    app: Any

    def key(self, tenant: str, role: str = "analyst") -> dict[str, str]:
        state = self.app.state.clearpost
        with session_scope(state.sessions) as s:
            t, _ = get_or_create_tenant(s, tenant)
            _row, secret = create_key(s, t, role)
        return {"Authorization": f"Bearer {secret}"}


@contextmanager
def running_app(db_url: str, **overrides: Any) -> Iterator[Api]:
    settings = Settings(
        database_url=db_url,
        load_in_background=False,
        job_workers=overrides.pop("job_workers", 0),
        rate_limit_per_minute=overrides.pop("rate_limit_per_minute", 0),
        job_poll_seconds=0.05,
        default_jurisdictions=overrides.pop("default_jurisdictions", ["uk", "us"]),
        **overrides,
    )
    app = create_app(settings, services_factory=fake_services)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, app)


@pytest.fixture
def make_api(tmp_path: Path) -> Callable[..., Any]:
    """``with make_api(**settings) as api:`` on a temp SQLite file."""

    def make(db_url: str | None = None, **overrides: Any) -> Any:
        return running_app(db_url or f"sqlite:///{tmp_path / 'clearpost.db'}", **overrides)

    return make


@pytest.fixture
def api(make_api: Callable[..., Any]) -> Iterator[Api]:
    with make_api() as a:
        yield a


def post(
    i: int | str,
    text: str = "Loving this serum, code GLOW10 #ad",
    creator: str = "alice",
    **kw: Any,
) -> dict[str, Any]:
    return {"id": str(i), "creator": creator, "text": text, **kw}
