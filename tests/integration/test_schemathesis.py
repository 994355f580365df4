"""Property-based run of schemathesis (4.x API) against the app's own OpenAPI document: no
request may produce a 500, and every response must match its documented status, content type,
headers and schema. Authenticated as an admin key; the fake Analyzer keeps it fast."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.db import make_engine, make_sessionmaker, migrate, session_scope
from api.main import create_app
from api.security import create_key, get_or_create_tenant
from api.settings import Settings
from tests.fixtures.api.fakes import fake_services

AUTH: dict[str, str] = {}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# schemathesis.pytest.from_fixture needs a pytest internal (_nodeid) that pytest 9 removed, so the
# app is built at import time on a throw-away SQLite file, and the key made before the first call.
_TMP = Path(tempfile.mkdtemp(prefix="clearpost-schemathesis-"))
atexit.register(shutil.rmtree, _TMP, True)
_URL = f"sqlite:///{_TMP / 'cp.db'}"
_APP = create_app(
    Settings(
        database_url=_URL,
        load_in_background=False,
        job_workers=0,
        rate_limit_per_minute=0,
        default_jurisdictions=["uk", "us"],
        max_posts_per_sync=20,
    ),
    services_factory=fake_services,
)
# keep it bounded (~1 min on 2 shared cores): no probing of undeclared HTTP methods
_CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"unexpected-methods": []}}})
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP, config=_CONFIG)


@pytest.fixture(scope="module", autouse=True)
def admin_key() -> None:
    engine = make_engine(_URL)
    migrate(engine)
    with session_scope(make_sessionmaker(engine)) as s:
        other, _ = get_or_create_tenant(s, "other")
        for _ in range(300):  # so a generated DELETE /v1/keys/{id} hardly ever hits our own key
            create_key(s, other, "viewer")
        tenant, _ = get_or_create_tenant(s, "acme")
        _row, key = create_key(s, tenant, "admin")
    engine.dispose()
    AUTH["Authorization"] = f"Bearer {key}"


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_openapi(case: Any) -> None:
    case.call_and_validate(headers=AUTH, checks=CHECKS)
