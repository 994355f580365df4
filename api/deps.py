"""Dependencies as ``Annotated`` aliases (SessionDep, ServicesDep, CurrentKey, Reader, Writer,
Admin). The dashboard reuses ``CurrentKey``/``Reader`` for its pages."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from api.errors import ApiError
from api.metrics import Metrics
from api.ratelimit import TokenBucketLimiter
from api.security import ROLE_RANK, KeyCache, Role, hash_key, lookup_key
from api.services import Services
from api.settings import Settings
from api.tables import Tenant

if TYPE_CHECKING:
    from api.jobs import JobRunner


@dataclass
class AppState:
    """Everything built once per app: settings, DB, services (once loaded), limiter, metrics."""

    settings: Settings
    sessions: sessionmaker[Session]
    metrics: Metrics
    limiter: TokenBucketLimiter
    services: Services | None = None
    load_error: str | None = None
    runner: JobRunner | None = None
    loaded: threading.Event = field(default_factory=threading.Event)
    score_cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    keys: KeyCache[Principal] = field(default_factory=lambda: KeyCache(0.0))
    cache_lock: threading.Lock = field(default_factory=threading.Lock)

    def cached(self, key: tuple[Any, ...], compute: Any, max_entries: int = 128) -> Any:
        """Memoise ``compute()`` under ``key`` (keys carry a data fingerprint, so stale entries
        are never hit, only evicted)."""
        with self.cache_lock:
            if key in self.score_cache:
                return self.score_cache[key]
        value = compute()
        with self.cache_lock:
            if len(self.score_cache) >= max_entries:
                self.score_cache.pop(next(iter(self.score_cache)))
            self.score_cache[key] = value
        return value


async def get_state(request: Request) -> AppState:
    return request.app.state.clearpost  # type: ignore[no-any-return]


StateDep = Annotated[AppState, Depends(get_state)]


def get_session(state: StateDep) -> Iterator[Session]:
    session = state.sessions()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


async def get_services(state: StateDep) -> Services:
    if state.services is None:
        msg = "the service is loading its models; retry shortly"
        if state.load_error:
            msg = f"the service failed to load its models: {state.load_error}"
        raise ApiError(503, "not_ready", msg, headers={"Retry-After": "5"})
    return state.services


ServicesDep = Annotated[Services, Depends(get_services)]

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer KEY`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="`X-API-Key: KEY`")


@dataclass(frozen=True)
class Principal:
    """The caller: one key of one tenant, with its role."""

    tenant_id: int
    tenant: str
    key_id: int
    key_prefix: str
    role: Role

    def may(self, role: Role) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


def lookup_principal(state: AppState, session: Session, key: str) -> Principal | None:
    """The caller of the live key ``key``, or None: from ``state.keys`` when it was verified
    less than ``CLEARPOST_AUTH_CACHE_SECONDS`` ago, else from the database (then cached)."""
    key = key.strip()
    digest = hash_key(key)
    cached = state.keys.get(digest)
    if cached is not None:
        return cached
    row = lookup_key(session, key)
    if row is None:
        return None
    tenant = session.get(Tenant, row.tenant_id)
    session.rollback()  # end the read transaction before any slow work
    if tenant is None:
        return None
    principal = Principal(tenant.id, tenant.name, row.id, row.prefix, Role(row.role))
    state.keys.put(digest, row.id, principal)
    return principal


def admit(state: AppState, principal: Principal) -> Principal:
    """Apply the per-key rate limit (429) and return the caller."""
    wait = state.limiter.take(f"key:{principal.key_id}")
    if wait > 0:
        raise ApiError(
            429,
            "rate_limited",
            f"rate limit of {state.settings.rate_limit_per_minute} requests/minute for this key "
            "exceeded",
            {
                "limit_per_minute": state.settings.rate_limit_per_minute,
                "retry_after_s": round(wait, 3),
            },
            headers={"Retry-After": state.limiter.retry_after_header(wait)},
        )
    return principal


def _authenticate(state: AppState, key: str) -> Principal:
    """The caller of ``key`` read from the database (401 when unknown or revoked), admitted."""
    session = state.sessions()
    try:
        principal = lookup_principal(state, session, key)
    finally:
        session.close()
    if principal is None:
        raise ApiError(
            401, "invalid_key", "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"}
        )
    return admit(state, principal)


async def get_principal(
    state: StateDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header: Annotated[str | None, Depends(_header)],
) -> Principal:
    """Async, like every dependency a request passes through on its way to /v1/analyze: a sync
    one costs a hop to a worker thread and back. A key verified moments ago is admitted on the
    event loop; otherwise the database is read in a worker thread."""
    key = bearer.credentials if bearer is not None else header
    if not key:
        raise ApiError(
            401,
            "unauthenticated",
            "send an API key as `Authorization: Bearer KEY` or `X-API-Key: KEY` "
            "(create one with `clearpost keys create --tenant NAME --role analyst`)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    cached = state.keys.get(hash_key(key.strip()))
    if cached is not None:
        return admit(state, cached)
    return await run_in_threadpool(_authenticate, state, key)


CurrentKey = Annotated[Principal, Depends(get_principal)]


def require(role: Role) -> Any:
    async def _dep(principal: CurrentKey) -> Principal:
        if not principal.may(role):
            raise ApiError(
                403,
                "forbidden",
                f"this key's role ({principal.role.value}) may not do this; it needs "
                f"{role.value} or above",
                {"role": principal.role.value, "required": role.value},
            )
        return principal

    return Depends(_dep)


Reader = Annotated[Principal, require(Role.viewer)]
Writer = Annotated[Principal, require(Role.analyst)]
Admin = Annotated[Principal, require(Role.admin)]
